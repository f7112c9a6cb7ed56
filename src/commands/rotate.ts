/**
 * `vault rotate [--keyring NAME]`: a new data key for a keyring, then every file sealed under the
 * keyring re-encrypted with it (DESIGN.md §3). Order is what makes it safe to kill at any point:
 * a marker naming the new key, then the new keyring (old data keys kept wrapped under the new one,
 * so every file opens throughout), then each file atomically. A second run that finds the marker
 * finishes the job with the same key, skipping files already under it (envelope data key id).
 * Rotation protects what is written from now on; it cannot take back what a removed member has
 * already read, and the command says so. Temp files left by killed writes are reported, not
 * rotated. `io.step` marks the crash-injection points of the tests (absent outside them).
 */
import { promises as fs } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { openEnvelope, sealEnvelope } from '../core/envelope.js';
import { rotateKeyring, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { FileSystemError, UsageError, VaultError, quotePath } from '../errors.js';
import { findGitDirs, readStoredKeys, storeUnlockedKeyring } from '../repo/key-store.js';
import { acceptKeyringForSealing, recordKeyring } from '../repo/keyring-history.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { snapshotFile } from '../fs/edit-session.js';
import { withFileLock } from '../fs/file-lock.js';
import { findKeyringFiles, leftoverTempWarning, type KeyringFile } from '../repo/keyring-files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { openWithKeysUsing } from '../keys/open-keyring.js';
import { createProgress } from '../fs/progress.js';
import { DEFAULT_KEYRING, VAULTFILE_DIR, checkKeyringName, readRepoKeyring, writeKeyring } from '../repo/repo.js';
import { rotateAnsibleFiles } from '../formats/ansible-rotate.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

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
  return `rotation of keyring ${name} to data key ${hex(keyring.dataKeyId)} for entries ${entries}; run "vault rotate --keyring ${name}" to finish\n`;
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

interface RotateOptions extends KeyFlags {
  keyring: string;
  dropUnopened?: boolean;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('rotate')
    .description('new data key for a keyring; re-encrypt every file under it (resumable)')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .option('--drop-unopened', 'remove entries whose keys were not given (they cannot get the new data key)')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (options: RotateOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    const name = checkKeyringName(options.keyring);
    const { root, path, keyring } = await readRepoKeyring(name, io.cwd);
    const keys = createKeyContext(keySourceOptions(options), io);
    const { unlocked: current, credentials } = await openWithKeysUsing(keyring, keys);
    // Rotating a replayed older keyring would hand its new key to members removed since.
    const dirs = findGitDirs(root, io.env);
    acceptKeyringForSealing(dirs, current, relative(root, path));
    const marker = markerPath(root, name);
    const resuming = await isUnfinished(marker, name, current.keyring);
    let unlocked = current;
    if (!resuming) {
      const rotated = await rotateKeyring(current, credentials, keys.kdf, systemRandom);
      if (rotated.dropped.length > 0 && options.dropUnopened !== true) {
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
      for (const entry of rotated.dropped) notes.write(`removed entry ${quotePath(entry.label)} (its key was not given)\n`);
    }
    if (dirs) recordKeyring(dirs.commonDir, unlocked);
    const filtered = refreshStoredKeys(root, name, unlocked, io.env);

    const scan = await findKeyringFiles(root, name);
    const currentId = hex(unlocked.keyring.dataKeyId);
    const pending = scan.files.filter((file) => hex(file.info.dataKeyId) !== currentId);
    const progress = createProgress(pending.length, 'rotate', notes);
    const failed: string[] = [];
    let rotatedCount = 0;
    try {
      for (const file of pending) {
        try {
          await rotateFile(root, file, unlocked, io);
          io.step?.(`rotate:files=${++rotatedCount}`);
        } catch (error) {
          if (!(error instanceof VaultError)) throw error;
          failed.push(file.path);
          progress.done();
          io.stderr.write(`vault: ${error.message}\n`);
        }
        progress.tick(file.path);
      }
    } finally {
      progress.done();
    }
    // Ansible-format files: the new data key gives the keyring a new Ansible password.
    const ansible = await rotateAnsibleFiles(root, unlocked, io);
    for (const { path: file, error } of ansible.failed) {
      failed.push(file);
      io.stderr.write(`vault: ${error.message}\n`);
    }
    for (const damaged of scan.damaged) io.stderr.write(`vault: warning: ${quotePath(damaged)} looks like a vault file but its header is damaged; not rotated\n`);
    for (const leftover of scan.leftovers) io.stderr.write(`${leftoverTempWarning(leftover)}\n`);
    const where = relative(io.cwd, path) || path;
    if (failed.length > 0) {
      throw new VaultError(`${failed.length} of ${pending.length + ansible.failed.length + ansible.rotated.length} files could not be re-encrypted (see above); fix them and run "vault rotate --keyring ${name}" again to finish`);
    }
    await fs.rm(marker, { force: true });
    const done = pending.length;
    const skipped = scan.files.length - done;
    notes.write(
      `${resuming ? 'finished rotating' : 'rotated'} keyring ${quotePath(name)} (${where}): new data key ${currentId.slice(0, 16)}; ` +
        `${done} ${done === 1 ? 'file' : 'files'} re-encrypted${skipped > 0 ? `, ${skipped} already under the new key` : ''}` +
        `${ansible.rotated.length > 0 ? `; ${ansible.rotated.length} Ansible-format ${ansible.rotated.length === 1 ? 'file' : 'files'} sealed with the new Ansible password` : ''}\n` +
        'note: rotation protects what is encrypted from now on. anyone whose key was removed could already read ' +
        'every file up to now (and git history keeps the old versions): change the secrets themselves upstream ' +
        '(passwords, tokens, API keys), then update these files with "vault edit"\n' +
        // Files the git filter keeps as plaintext in the work tree are sealed in the index, not here.
        (filtered ? 'files under the git filter: run "git add --renormalize ." and commit, so the index holds them under the new key\n' : ''),
    );
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
