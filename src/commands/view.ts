/**
 * `vault view FILE...`: plaintext to standard output, through a pager when stdout is a terminal.
 * Nothing is written to disk. Several files are shown one after another.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { writeStdout } from '../fs/files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { SecretSession, openPlaintext } from '../formats/secrets.js';
import { openWithGitCryptKey, readGitCryptKey } from '../formats/git-crypt-files.js';
import { addKeySourceOptions, keySourceOptions } from './options.js';

export function register(program: Command): void {
  const command = program
    .command('view')
    .description('print the plaintext of files (pager on a terminal)')
    .argument('<files...>', 'files to show ("-" for standard input)')
    .option('--no-pager', 'never start a pager')
    .option('--git-crypt-key <file>', 'open files git-crypt encrypted with this key (from "git-crypt export-key")');
  addKeySourceOptions(command).action(async (files: string[], options: Record<string, unknown>) => {
    const session = new SecretSession(createKeyContext(keySourceOptions(options)));
    // Open (and so authenticate) every file before showing any.
    const parts: (Uint8Array | AsyncIterable<Uint8Array>)[] = [];
    const gitCrypt = typeof options.gitCryptKey === 'string' ? await readGitCryptKey(options.gitCryptKey) : null;
    for (const file of files) parts.push(gitCrypt ? await openWithGitCryptKey(session, file, gitCrypt) : await openPlaintext(session, file));
    if (options.pager !== false && process.stdout.isTTY) await page(parts);
    else for (const part of parts) await show(part, writeStdout);
    for (const part of parts) if (part instanceof Uint8Array) part.fill(0);
  });
}

/** Pipe the plaintext into $PAGER (default "less -FRX"); plaintext goes over a pipe, never a file. */
async function show(part: Uint8Array | AsyncIterable<Uint8Array>, write: (bytes: Uint8Array) => Promise<void>): Promise<void> {
  if (part instanceof Uint8Array) await write(part);
  else for await (const piece of part) await write(piece);
}

async function page(parts: (Uint8Array | AsyncIterable<Uint8Array>)[]): Promise<void> {
  const pager = process.env.VAULTFILE_PAGER ?? process.env.PAGER ?? 'less -FRX';
  const child = spawn('/bin/sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.on('error', () => undefined); // the user quit the pager early
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve) => (child.stdin.write(bytes) ? resolve() : child.stdin.once('drain', resolve)));
  for (const part of parts) await show(part, write);
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
}
