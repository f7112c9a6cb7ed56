/**
 * Which identity files the user named, without loading the identity code (keys/identities.ts):
 * key-sources.ts loads that only when an identity is named or tried.
 */
import { quotePath } from '../errors.js';

/** The identities named by --identity, else VAULTFILE_IDENTITY (a list separated by ':'). */
export function namedIdentityPaths(identity: string[] | undefined, env: NodeJS.ProcessEnv): { path: string; origin: string }[] {
  if (identity && identity.length > 0) return identity.map((path) => ({ path, origin: `--identity ${quotePath(path)}` }));
  if (env.VAULTFILE_IDENTITY) {
    return env.VAULTFILE_IDENTITY.split(':').filter(Boolean).map((path) => ({ path, origin: `VAULTFILE_IDENTITY ${quotePath(path)}` }));
  }
  return [];
}
