/**
 * `vault unlock` and `vault lock` for a git work tree (like git-crypt's): unlock opens each keyring
 * with the given credentials (one KDF per entry tried), stores the data keys for the filters, and
 * checks the covered files out again so they become plaintext; lock removes the keys and checks
 * them out again as ciphertext. Both refuse to overwrite uncommitted changes of covered files
 * (lock: unless forced). Returns what happened; printing is the command's job.
 */
import { rmSync } from 'node:fs';
import { keyringStanding, readKeyringHistory, recordKeyring, standingError } from '../repo/keyring-history.js';
import { join } from 'node:path';
import { toHex } from '../core/bytes.js';
import type { Keyring, UnlockedKeyring } from '../core/keyring.js';
import { AuthError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { keyringPath, listKeyrings, readKeyring } from '../repo/repo.js';
import { changedPaths, checkoutFromIndex, hasFilterConfig } from './git-query.js';
import { removeStoredKeys, writeStoredKeys } from '../repo/key-store.js';
import { listPolicyFiles, type PolicyFile, type RepoContext } from './policy-files.js';
import { NoKeyGivenError } from '../keys/key-sources.js';


/** Tracked covered files with uncommitted changes, which a re-checkout would overwrite. */
function dirtyFiles(ctx: RepoContext, files: PolicyFile[]): string[] {
  const changed = changedPaths(ctx.top);
  return files.filter((file) => changed.has(file.path)).map((file) => file.path);
}

/** Remove the work tree copies and check them out from the index: the filter runs on each. */
function recheckout(ctx: RepoContext, paths: string[]): void {
  for (const path of paths) rmSync(join(ctx.top, path), { force: true });
  checkoutFromIndex(ctx.top, paths);
}

export interface UnlockReport {
  unlocked: string[];
  failed: string[];
  configured: boolean;
  decrypted: string[];
}

export async function unlockRepository(
  ctx: RepoContext,
  open: (keyring: Keyring) => Promise<UnlockedKeyring>,
  options: { keyring?: string; force?: boolean; node: string },
): Promise<UnlockReport> {
  const names = options.keyring ? [options.keyring] : await listKeyrings(ctx.root);
  if (names.length === 0) throw new UsageError('no keyring in .vaultfile/keyrings/; run "vault init" first');
  const files = (await listPolicyFiles(ctx, { staged: true })).filter((file) => file.index.kind !== 'absent');
  // Checked before any key is stored: a refusal leaves the repository exactly as it was.
  const dirty = options.force ? [] : dirtyFiles(ctx, files);
  if (dirty.length > 0) {
    throw new UsageError(`${quotePath(dirty[0]!)} has uncommitted changes; commit or stash them, or pass --force`);
  }
  const unlocked: string[] = [];
  const failed: string[] = [];
  let wrongKey = false;
  for (const name of names) {
    const path = keyringPath(ctx.root, name);
    const keyring = readKeyring(ctx.root, name);
    if (keyring === null) {
      throw new UsageError(`keyring ${quotePath(name)} not found at ${quotePath(path)}; check the name with "vault keys list"`);
    }
    let opened;
    try {
      opened = await open(keyring);
    } catch (error) {
      // NoKeyError: no entry is for this key (another team's keyring); AuthError: a wrong password.
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      if (error instanceof NoKeyGivenError) throw error;
      wrongKey ||= error instanceof AuthError;
      failed.push(name);
      continue;
    }
    {
      // A replayed older keyring opens with an old password too: never store its key as current.
      const refusal = standingError(keyringStanding(readKeyringHistory(ctx.dirs.commonDir, name), opened), name, `.vaultfile/keyrings/${name}.keyring`);
      if (refusal) throw refusal;
      const keys = new Map(opened.dataKeys);
      keys.set(toHex(keyring.dataKeyId), opened.dataKey);
      writeStoredKeys(ctx.dirs.commonDir, { keyring: name, currentId: toHex(keyring.dataKeyId), keys });
      recordKeyring(ctx.dirs.commonDir, opened);
      unlocked.push(name);
    }
  }
  if (unlocked.length === 0) {
    const message = `the key given opens no keyring (${names.map((n) => quotePath(n)).join(', ')}); check it with "vault keys list"`;
    throw wrongKey ? new AuthError(message) : new NoKeyError(message);
  }
  // A fresh clone has no filter config (.git/config is not cloned): install it so checkouts decrypt.
  const configured = !hasFilterConfig(ctx.top);
  // simple-git is loaded only when the config is written (it is setup's tool, not the hot path's).
  if (configured) await (await import('./setup.js')).writeDriverConfig(ctx.top, options.node);
  const opened = new Set(unlocked);
  const decrypted = files
    .filter((file) => file.filtered && file.tree.kind === 'encrypted' && file.tree.keyring !== null && opened.has(file.tree.keyring))
    .map((file) => file.path);
  recheckout(ctx, decrypted);
  return { unlocked, failed, configured, decrypted };
}

export interface LockReport {
  locked: string[];
  encrypted: string[];
}

export async function lockRepository(ctx: RepoContext, options: { keyring?: string; force?: boolean }): Promise<LockReport> {
  const files = (await listPolicyFiles(ctx, { staged: true })).filter(
    (file) => file.index.kind !== 'absent' && file.filtered && (options.keyring === undefined || file.keyring === options.keyring),
  );
  const plaintext = files.filter((file) => file.tree.kind === 'plaintext');
  const dirty = options.force ? [] : dirtyFiles(ctx, plaintext);
  if (dirty.length > 0) {
    throw new UsageError(`${quotePath(dirty[0]!)} has uncommitted plaintext changes; commit them, or pass --force to discard them`);
  }
  const locked = removeStoredKeys(ctx.dirs.commonDir, options.keyring);
  const paths = plaintext.map((file) => file.path);
  recheckout(ctx, paths);
  return { locked, encrypted: paths };
}
