/**
 * `vault view FILE...`: plaintext to standard output, through a pager when stdout is a terminal.
 * Nothing is written to disk. Several files are shown one after another.
 */
import type { Command } from 'commander';
import { writeStdout } from '../fs/files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { SecretSession, openPlaintext } from '../formats/secrets.js';
import type { VaultError } from '../errors.js';
import { addKeySourceOptions, keySourceOptions, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface ViewOptions extends KeyFlags {
  pager?: boolean;
  gitCryptKey?: string;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('view')
    .description('print the plaintext of files (pager on a terminal)')
    .argument('<files...>', 'files to show ("-" for standard input)')
    .option('--no-pager', 'never start a pager')
    .option('--git-crypt-key <file>', 'open files git-crypt encrypted with this key (from "git-crypt export-key")')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (files: string[], options: ViewOptions) => {
    const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
    // Open (and so authenticate) every file before showing any.
    const parts: (Uint8Array | AsyncIterable<Uint8Array>)[] = [];
    // As ansible-vault cannot: show the inline values the keys open, warn about the rest.
    const leftSealed = (error: VaultError) => io.stderr.write(`vault: warning: ${error.message}; shown still encrypted\n`);
    // git-crypt's code loads only with --git-crypt-key.
    const gitCryptFiles = typeof options.gitCryptKey === 'string' ? await import('../formats/git-crypt-files.js') : null;
    const gitCrypt = gitCryptFiles ? { files: gitCryptFiles, key: await gitCryptFiles.readGitCryptKey(options.gitCryptKey!) } : null;
    for (const file of files) {
      try {
        parts.push(gitCrypt ? await gitCrypt.files.openWithGitCryptKey(session, file, gitCrypt.key) : await openPlaintext(session, file, leftSealed));
      } catch (error) {
        // Asks git (git-query.ts) only after a format error.
        throw (await import('../git/plaintext-hint.js')).explainFilterPlaintext(error, file);
      }
    }
    if (options.pager !== false && io.stdout.isTTY) await page(parts, io);
    else for (const part of parts) await show(part, (bytes) => writeStdout(io.stdout, bytes));
    for (const part of parts) if (part instanceof Uint8Array) part.fill(0);
  });
}

/** Pipe the plaintext into $PAGER (default "less -FRX"); plaintext goes over a pipe, never a file. */
async function show(part: Uint8Array | AsyncIterable<Uint8Array>, write: (bytes: Uint8Array) => Promise<void>): Promise<void> {
  if (part instanceof Uint8Array) await write(part);
  else for await (const piece of part) await write(piece);
}

async function page(parts: (Uint8Array | AsyncIterable<Uint8Array>)[], io: Context): Promise<void> {
  const pager = io.env.VAULTFILE_PAGER ?? io.env.PAGER ?? 'less -FRX';
  const { spawn } = await import('node:child_process');
  const child = spawn('/bin/sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.on('error', () => undefined); // the user quit the pager early
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve) => (child.stdin.write(bytes) ? resolve() : child.stdin.once('drain', resolve)));
  for (const part of parts) await show(part, write);
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
}
