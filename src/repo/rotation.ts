/**
 * The rotation of a repository keyring (`vault rotate`): a new data key, then every file sealed
 * under the keyring re-encrypted with it (DESIGN.md §3). Order is what makes it safe to kill at any
 * point: a marker naming the new key, then the new keyring (old data keys kept wrapped under the new
 * one, so every file opens throughout), then each file atomically. A second run that finds the
 * marker finishes the job with the same key, skipping files already under it (envelope data key id).
 * Returns a report of what it did, skipped and could not do; prints nothing. A file that cannot be
 * re-encrypted does not stop the others: it is in the report, and the marker stays so that a rerun
 * finishes. `io.step` marks the crash-injection points of the tests (absent outside them).
 */
import { promises as fs } from 'node:fs';
import { join, relative } from 'node:path';
import { toHex } from '../core/bytes.js';
import { openEnvelope, sealEnvelope } from '../core/envelope.js';
import { rotateKeyring, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { FileSystemError, UsageError, VaultError, quotePath } from '../errors.js';
import type { Context } from '../context.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { snapshotFile } from '../fs/edit-session.js';
import { withFileLock } from '../fs/file-lock.js';
import { rotateAnsibleFiles } from '../formats/ansible-rotate.js';
import type { KeyContext } from '../keys/key-sources.js';
import { openWithKeysUsing } from '../keys/open-keyring.js';
import { findGitDirs, readStoredKeys, storeUnlockedKeyring } from './key-store.js';
import { acceptKeyringForSealing, recordKeyring } from './keyring-history.js';
import { findKeyringFiles, type KeyringFile } from './keyring-files.js';
import { VAULTFILE_DIR, readRepoKeyring, writeKeyring } from './repo.js';

export interface RotationRequest {
  /** The keyring's name, already checked. */
  keyring: string;
  keys: KeyContext;
  /** Remove the entries whose keys were not given, instead of refusing (--drop-unopened). */
  dropUnopened: boolean;
  /**
   * Called once the new keyring is written and the envelopes to re-encrypt are counted (TOTAL;
   * DROPPED: the labels of the entries the keyring lost); returns a display told of each envelope
   * as it is done or fails.
   */
  progress?: (start: { total: number; dropped: string[] }) => RotationProgress;
}

/** What a long rotation tells the command as it goes, so that a failure shows while the others wait. */
export interface RotationProgress {
  file(path: string, error?: VaultError): void;
  done(): void;
}

export interface RotationFailure {
  path: string;
  error: VaultError;
}

export interface RotationReport {
  keyring: string;
  /** The keyring file (absolute). */
  path: string;
  /** True when an earlier, interrupted rotation was finished with the key it had chosen. */
  resumed: boolean;
  /** The new data key id, in hex. */
  dataKeyId: string;
  /** Labels of the entries removed because their keys were not given (--drop-unopened). */
  dropped: string[];
  /** Envelopes written under the new key (a file removed meanwhile counts: nothing to protect). */
  reencrypted: string[];
  /** Envelopes found already under the new key (an earlier run's work). */
  alreadyCurrent: string[];
  /** Ansible-format files of the keyring: sealed with the new Ansible password, already under it, or failed. */
  ansible: { rotated: string[]; current: string[]; failed: RotationFailure[] };
  /** Envelopes that could not be re-encrypted: the rotation is not finished while there are any (or Ansible failures). */
  failed: RotationFailure[];
  /** Files that look like envelopes but whose header is damaged: not rotated. */
  damaged: string[];
  /** Temp files of killed writes (they may hold plaintext): not rotated. */
  leftovers: string[];
  /** `vault unlock` had stored the keyring's data keys for the git filters; the new one was added. */
  storedKeysRefreshed: boolean;
  /** The marker is gone: every file is under the new key. */
  finished: boolean;
}

/** `.vaultfile/<name>.rotating`: present from before the new keyring is written until the last file is done. */
function markerPath(root: string, name: string): string {
  return join(root, VAULTFILE_DIR, `${name}.rotating`);
}

/**
 * What the marker records: the new data key and the entries it was given to. A rerun finishes that
 * rotation only if both still hold; an entry removed since then knew the "new" key, so it starts over.
 */
function markerText(name: string, keyring: Keyring): string {
  const entries = keyring.entries.map((entry) => entry.id).sort().join(',');
  return `rotation of keyring ${name} to data key ${toHex(keyring.dataKeyId)} for entries ${entries}; run "vault rotate --keyring ${name}" to finish\n`;
}

async function isUnfinished(path: string, name: string, keyring: Keyring): Promise<boolean> {
  try {
    return (await fs.readFile(path, 'utf8')) === markerText(name, keyring);
  } catch {
    return false;
  }
}

/** Re-encrypt one file under the current data key, unless someone changed it since we read it. */
async function rotateFile(root: string, file: KeyringFile, unlocked: UnlockedKeyring, io: Context): Promise<void> {
  const { path } = file;
  const full = join(root, path);
  const before = await snapshotFile(full);
  if (before === null) return; // removed meanwhile: nothing to protect
  const plaintext = openEnvelope(before.bytes, unlocked, path);
  // A deterministic file (git filter output) stays deterministic, so the clean filter keeps agreeing with it.
  const sealed = sealEnvelope(plaintext, unlocked, { deterministic: file.info.deterministic });
  plaintext.fill(0);
  // Under the file's lock, like edit's save: an edit cannot land between this check and the rename.
  await withFileLock(full, io, async () => {
    const now = await snapshotFile(full);
    if (now === null || Buffer.compare(now.bytes, before.bytes) !== 0 || now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) {
      throw new FileSystemError(`${quotePath(path)} changed while rotating; run "vault rotate" again to finish`);
    }
    await writeFileAtomic(full, sealed);
  });
}

/**
 * `vault unlock` left data keys for the git filters: give them the new key too (old ones kept). A
 * clone that was locked on purpose stays locked: nothing is stored where nothing was.
 */
function refreshStoredKeys(root: string, name: string, unlocked: UnlockedKeyring, env: NodeJS.ProcessEnv): boolean {
  const dirs = findGitDirs(root, env);
  if (!dirs || readStoredKeys(dirs.commonDir, name) === null) return false;
  storeUnlockedKeyring(root, unlocked, env);
  return true;
}

/** Rotate keyring REQUEST.keyring of the repository around IO.cwd, or finish an interrupted rotation. */
export async function rotateRepoKeyring(request: RotationRequest, io: Context): Promise<RotationReport> {
  const name = request.keyring;
  const { root, path, keyring } = await readRepoKeyring(name, io.cwd);
  const { unlocked: current, credentials } = await openWithKeysUsing(keyring, request.keys);
  // Rotating a replayed older keyring would hand its new key to members removed since.
  const dirs = findGitDirs(root, io.env);
  acceptKeyringForSealing(dirs, current, relative(root, path));
  const marker = markerPath(root, name);
  const resumed = await isUnfinished(marker, name, current.keyring);
  let unlocked = current;
  const dropped: string[] = [];
  if (!resumed) {
    const rotated = await rotateKeyring(current, credentials, request.keys.kdf, systemRandom);
    if (rotated.dropped.length > 0 && !request.dropUnopened) {
      const labels = rotated.dropped.map((entry) => quotePath(entry.label)).join(', ');
      throw new UsageError(
        `the keys given do not open entries ${labels}, so they cannot receive the new data key; give their keys too (--key-file, --vault-id LABEL@FILE) or pass --drop-unopened to remove them`,
      );
    }
    unlocked = rotated.unlocked;
    // The marker goes first: killed after it, the old keyring is still current and a rerun starts over.
    await writeFileAtomic(marker, new TextEncoder().encode(markerText(name, unlocked.keyring)), { newFileMode: 0o644 });
    io.step?.('rotate:marker');
    await writeKeyring(path, unlocked);
    io.step?.('rotate:keyring');
    dropped.push(...rotated.dropped.map((entry) => entry.label));
  }
  if (dirs) recordKeyring(dirs.commonDir, unlocked);
  const storedKeysRefreshed = refreshStoredKeys(root, name, unlocked, io.env);

  const scan = await findKeyringFiles(root, name);
  const dataKeyId = toHex(unlocked.keyring.dataKeyId);
  const pending: KeyringFile[] = [];
  const alreadyCurrent: string[] = [];
  for (const file of scan.files) {
    if (toHex(file.info.dataKeyId) === dataKeyId) alreadyCurrent.push(file.path);
    else pending.push(file);
  }
  const progress = request.progress?.({ total: pending.length, dropped });
  const reencrypted: string[] = [];
  const failed: RotationFailure[] = [];
  try {
    for (const file of pending) {
      try {
        await rotateFile(root, file, unlocked, io);
        reencrypted.push(file.path);
        io.step?.(`rotate:files=${reencrypted.length}`);
        progress?.file(file.path);
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        failed.push({ path: file.path, error });
        progress?.file(file.path, error);
      }
    }
  } finally {
    progress?.done();
  }
  // Ansible-format files: the new data key gives the keyring a new Ansible password.
  const ansible = await rotateAnsibleFiles(root, unlocked, io);
  const finished = failed.length === 0 && ansible.failed.length === 0;
  if (finished) await fs.rm(marker, { force: true });
  return {
    keyring: name, path, resumed, dataKeyId, dropped, reencrypted, alreadyCurrent,
    ansible: { rotated: ansible.rotated, current: ansible.current, failed: ansible.failed },
    failed, damaged: scan.damaged, leftovers: scan.leftovers, storedKeysRefreshed, finished,
  };
}
