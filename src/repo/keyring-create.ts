/**
 * A new keyring file in a repository: a fresh random data key wrapped for each credential given,
 * and for each public recipient (`vault init --identity`), written exclusively (an existing keyring
 * is never replaced). Shared by `vault init` (initRepositoryKeyring, which also writes the first
 * policy and stores the data key) and `vault migrate --from git-crypt`. Returns what it wrote;
 * prints nothing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Credential } from '../core/credential.js';
import type { KdfCache, ScryptParams } from '../core/kdf.js';
import { addEntry, createKeyring, type UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { addPublicEntry, type DistributiveOmit } from '../core/keyring-public.js';
import type { PublicEntryFields } from '../core/public-entry.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { findGitDirs, storeUnlockedKeyring } from './key-store.js';
import { recordKeyring } from './keyring-history.js';
import { proposeRules } from './policy-proposal.js';
import { keyringPath, policyPath, serializePolicy, writeKeyring } from './repo.js';

export async function createKeyringFile(
  path: string,
  name: string,
  credentials: readonly Credential[],
  kdf: KdfCache,
  labelOf: (credential: Credential, index: number) => string,
  params?: ScryptParams,
  recipients: readonly DistributiveOmit<PublicEntryFields, 'id'>[] = [],
): Promise<UnlockedKeyring> {
  let unlocked: UnlockedKeyring = createKeyring(name, systemRandom);
  for (const [index, credential] of credentials.entries()) {
    unlocked = await addEntry(unlocked, credential, labelOf(credential, index), kdf, systemRandom, params);
  }
  for (const fields of recipients) unlocked = await addPublicEntry(unlocked, fields, systemRandom);
  mkdirSync(dirname(path), { recursive: true });
  await writeKeyring(path, unlocked, { exclusive: true });
  return unlocked;
}

export interface NewRepositoryKeyring {
  /** The directory that holds (or will hold) `.vaultfile/`. */
  root: string;
  name: string;
  credentials: readonly Credential[];
  kdf: KdfCache;
  labelOf: (credential: Credential, index: number) => string;
  params?: ScryptParams;
  recipients?: readonly DistributiveOmit<PublicEntryFields, 'id'>[];
}

export interface InitReport {
  keyring: string;
  /** Entries of the new keyring. */
  entries: number;
  /** Files written, in order: the keyring, the policy when it was new, the data key stored for the filters. */
  wrote: string[];
  /** The policy file written with the proposed rules, or null when one existed. */
  policy: { path: string; text: string } | null;
}

/**
 * `vault init`: the keyring file, on first use a policy file with proposed rules, and (like
 * git-crypt's init, the repository starts unlocked) the data key stored for the git filters.
 */
export async function initRepositoryKeyring(request: NewRepositoryKeyring, env: NodeJS.ProcessEnv): Promise<InitReport> {
  const { root, name } = request;
  const path = keyringPath(root, name);
  const unlocked = await createKeyringFile(path, name, request.credentials, request.kdf, request.labelOf, request.params, request.recipients);
  const wrote = [path];
  const policyFile = policyPath(root);
  let policy: InitReport['policy'] = null;
  if (!existsSync(policyFile)) {
    // Templates and shared defaults the default rules would catch stay plaintext: excluded by name.
    const text = serializePolicy({ rules: await proposeRules(root) });
    await writeFileAtomic(policyFile, new TextEncoder().encode(text), { newFileMode: 0o644 });
    wrote.push(policyFile);
    policy = { path: policyFile, text };
  }
  const stored = storeUnlockedKeyring(root, unlocked, env);
  const dirs = findGitDirs(root, env);
  if (dirs) recordKeyring(dirs.commonDir, unlocked);
  if (stored) wrote.push(stored);
  return { keyring: name, entries: unlocked.keyring.entries.length, wrote, policy };
}
