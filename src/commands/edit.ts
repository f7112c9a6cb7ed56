/**
 * `vault edit FILE`: decrypt and verify in memory, open $EDITOR on a private temporary copy, seal
 * the result the way the file was sealed (same keyring, inline keyring or Ansible format) and
 * replace the file atomically. Unchanged content writes nothing (same bytes, same mtime); an editor
 * failure or a result that no longer parses writes nothing; a file changed meanwhile by someone
 * else is not overwritten (the edit goes to an encrypted side file). Temp files an interrupted write
 * left beside the file are reported first (a decrypt's may hold plaintext).
 */
import type { Command } from 'commander';
import { inspectEnvelope, isEnvelope, sealEnvelope } from '../core/envelope.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { hasVaultFilter } from '../git/git-query.js';
import { assertReplaceable, editPlaintext, saveEdited, snapshotFile } from '../fs/edit-session.js';
import { checkInputFile } from '../fs/files.js';
import { leftoverTempWarning, leftoverTempsOf } from '../repo/keyring-files.js';
import { createKeyContext, type KeyContext } from '../keys/key-sources.js';
import { openWithKeys } from '../keys/open-keyring.js';
import { SecretSession, isSealedByAnyCodec, type OpenedSecret } from '../formats/secrets.js';
import { assertStaysInRepository } from '../repo/link-guard.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface EditOptions extends KeyFlags {
  followSymlinks?: boolean;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('edit')
    .description('edit an encrypted file in $EDITOR (unchanged content is not rewritten)')
    .argument('<file>', 'the encrypted file')
    .option('--follow-symlinks', 'inside a repository, also follow links that lead outside it')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (file: string, options: EditOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    assertStaysInRepository(file, options.followSymlinks === true);
    await checkInputFile(file);
    for (const leftover of leftoverTempsOf(file)) io.stderr.write(`${leftoverTempWarning(leftover)}\n`);
    await assertReplaceable(file);
    const before = await snapshotFile(file);
    const keys = createKeyContext(keySourceOptions(options), io);
    const session = new SecretSession(keys);
    // Fully opened and authenticated before any temporary copy exists.
    const opened = await openForEdit(session, before!.bytes, file);
    // Sealed inside the editor loop: an edit that cannot be sealed (an inline value Ansible could
    // not hold) re-opens the editor on a terminal instead of being lost.
    const sealed = await editPlaintext(file, opened.plaintext, io, async (edited) => {
      try {
        return await sealLikeBefore(before!.bytes, file, opened, edited, session, keys);
      } finally {
        edited.fill(0);
      }
    }, { quiet: options.quiet });
    opened.plaintext.fill(0);
    if (sealed === null) {
      notes.write(`${quotePath(file)}: no changes; the file was left as it was\n`);
      return;
    }
    await saveEdited(file, before, sealed, io);
    notes.write(`${quotePath(file)}: saved\n`);
  });
}

/**
 * Open the file; plaintext under the git filter gets its own message: it is plaintext in the work
 * tree because the filter decrypted it on checkout, and is edited like any file.
 */
async function openForEdit(session: SecretSession, bytes: Uint8Array, file: string): Promise<OpenedSecret> {
  try {
    return await session.open(bytes, file);
  } catch (error) {
    if (error instanceof FormatError && !isEnvelope(bytes) && !isSealedByAnyCodec(bytes) && hasVaultFilter(file)) {
      throw new UsageError(
        `${quotePath(file)} is plaintext in the work tree: the git filter (filter=vault) decrypted it on checkout; edit it directly with any editor, and "git add" encrypts it`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Seal the edit exactly as the file was sealed: a keyring file keeps its keyring and mode
 * (deterministic or not); a standalone file keeps its own inline keyring, so every entry in it
 * (other passwords, key files) still opens the file, not just the key given for this edit.
 */
async function sealLikeBefore(
  bytes: Uint8Array, file: string, opened: OpenedSecret, plaintext: Uint8Array, session: SecretSession, keys: KeyContext,
): Promise<Uint8Array> {
  if (!isEnvelope(bytes)) return session.seal(plaintext, opened.target);
  const info = inspectEnvelope(bytes, file);
  if (info.inlineKeyring) {
    // The KDF cache already holds what opening cost: this unlock runs no second scrypt.
    const unlocked = await openWithKeys(info.inlineKeyring, keys);
    return sealEnvelope(plaintext, unlocked, { deterministic: info.deterministic });
  }
  return session.seal(plaintext, opened.target, { deterministic: info.deterministic });
}
