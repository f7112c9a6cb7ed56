/**
 * `vault view FILE...`: plaintext to standard output, through a pager when stdout is a terminal.
 * Nothing is written to disk. Several files are shown one after another.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { readInput, writeStdout } from '../io/files.js';
import { createKeyContext } from '../io/key-sources.js';
import { SecretSession } from '../io/secrets.js';
import { addKeySourceOptions, keySourceOptions } from './options.js';

export function register(program: Command): void {
  const command = program
    .command('view')
    .description('print the plaintext of files (pager on a terminal)')
    .argument('<files...>', 'files to show ("-" for standard input)')
    .option('--no-pager', 'never start a pager');
  addKeySourceOptions(command).action(async (files: string[], options: Record<string, unknown>) => {
    const session = new SecretSession(createKeyContext(keySourceOptions(options)));
    const parts: Uint8Array[] = [];
    for (const file of files) {
      parts.push((await session.open(await readInput(file), file)).plaintext);
    }
    if (options.pager !== false && process.stdout.isTTY) await page(parts);
    else for (const part of parts) await writeStdout(part);
    for (const part of parts) part.fill(0);
  });
}

/** Pipe the plaintext into $PAGER (default "less -FRX"); plaintext goes over a pipe, never a file. */
async function page(parts: Uint8Array[]): Promise<void> {
  const pager = process.env.VAULTFILE_PAGER ?? process.env.PAGER ?? 'less -FRX';
  const child = spawn('/bin/sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'] });
  child.stdin.on('error', () => undefined); // the user quit the pager early
  for (const part of parts) child.stdin.write(part);
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
}
