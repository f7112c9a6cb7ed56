/**
 * `vault decrypt FILE... [-o OUT|-]`: replace files with their plaintext (or write it to OUT /
 * standard output). Every byte is authenticated before the target is replaced; on failure the
 * file is unchanged. Large envelopes stream in bounded memory.
 */
import type { Command } from 'commander';
import { syncDirectories } from '../fs/atomic-write.js';
import { writeOutputFile } from '../fs/output-target.js';
import { assertStaysInRepository } from '../repo/link-guard.js';
import { explainFilterPlaintext } from '../git/plaintext-hint.js';
import { STDIO, writeStdout } from '../fs/files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import { SecretSession, openPlaintext } from '../formats/secrets.js';
import { keySourceOptions, notesStream, type KeyFlags } from './options.js';
import { addFileCommand, inputFiles, outputFor } from './output.js';
import type { Context } from '../context.js';
import type { VaultError } from '../errors.js';

interface DecryptOptions extends KeyFlags {
  output?: string;
  followSymlinks?: boolean;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  addFileCommand(program, 'decrypt').action(async (files: string[], options: DecryptOptions) => {
    const output = options.output;
    files = inputFiles(files, output);
    const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
    const directories = new Set<string>();
    const progress = createProgress(files.length, 'decrypt', notesStream(io.stderr, options.quiet));
    try {
      for (const file of files) {
        const target = outputFor(file, output);
        // To standard output only: a file written with some values still sealed would look decrypted.
        const leftSealed = (error: VaultError) => io.stderr.write(`vault: warning: ${error.message}; printed still encrypted\n`);
        assertStaysInRepository(file, options.followSymlinks === true);
        assertStaysInRepository(target, options.followSymlinks === true);
        const plaintext = await openPlaintext(session, file, target === STDIO ? leftSealed : undefined).catch((error: unknown) => {
          throw explainFilterPlaintext(error, file);
        });
        if (target !== STDIO) await writeOutputFile(target, plaintext, { deferDirectorySync: directories });
        else if (plaintext instanceof Uint8Array) await writeStdout(io.stdout, plaintext);
        else for await (const piece of plaintext) await writeStdout(io.stdout, piece);
        if (plaintext instanceof Uint8Array) plaintext.fill(0);
        progress.tick(file);
      }
    } finally {
      progress.done();
      syncDirectories(directories);
    }
  });
}
