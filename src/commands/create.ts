/**
 * `vault create FILE`: open $EDITOR on an empty private copy and seal the result into a new file,
 * under the keyring the policy (or --keyring) names, else an inline keyring. Refuses an existing
 * file; keys are checked before the editor opens, so typed secrets are never lost to a wrong
 * password. An empty result or an editor failure creates nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { FileSystemError, quotePath } from '../errors.js';
import { editPlaintext, saveEdited } from '../fs/edit-session.js';
import { createKeyContext } from '../keys/key-sources.js';
import { SecretSession, targetForNewFile } from '../formats/secrets.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface CreateOptions extends KeyFlags {
  keyring?: string;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('create')
    .description('create a new encrypted file in $EDITOR')
    .argument('<file>', 'the file to create (must not exist)')
    .option('--keyring <name>', "seal under this keyring of the repository instead of the policy's")
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (file: string, options: CreateOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    if (existsSync(file)) {
      throw new FileSystemError(`${quotePath(file)}: already exists; use "vault edit ${file}" to change it`);
    }
    const parent = dirname(resolve(file));
    if (!existsSync(parent) || !statSync(parent).isDirectory()) {
      throw new FileSystemError(`${quotePath(file)}: the directory ${quotePath(parent)} does not exist; create it first`);
    }
    const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
    const target = await targetForNewFile(file, options.keyring, io);
    await session.unlockedFor(target); // wrong keys fail now, before anything is typed
    const edited = await editPlaintext(file, new Uint8Array(0), io, undefined, { quiet: options.quiet });
    if (edited === null) {
      notes.write(`${quotePath(file)}: empty; nothing was created\n`);
      return;
    }
    const sealed = await session.seal(edited, target);
    edited.fill(0);
    await saveEdited(file, null, sealed, io);
    notes.write(`${quotePath(file)}: created\n`);
  });
}
