/**
 * What `vault view` does once its command line is parsed: by commander (src/commands/view.ts) or,
 * for a plain `vault view --key-file K FILE...`, by the quick path without it (src/quick-view.ts).
 * Apart from view.ts so that the quick path loads none of commander.
 */
import { writeStdout } from '../fs/files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { SecretSession, openPlaintext } from '../formats/secrets.js';
import type { VaultError } from '../errors.js';
import { keySourceOptions, type KeyFlags } from './key-flags.js';
import type { Context } from '../context.js';

export interface ViewOptions extends KeyFlags {
  pager?: boolean;
  gitCryptKey?: string;
  quiet?: boolean;
}

/** The plaintext of one file: whole, or a stream for a large envelope. */
export type Plaintext = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Show FILES: every file is opened (and so authenticated) before any is shown, so nothing reaches
 * standard output when one fails.
 */
export async function viewFiles(files: string[], options: ViewOptions, io: Context): Promise<void> {
  await showFiles(await openFiles(files, options, io), options, io);
}

/** The plaintext of every file of FILES, in order; what was opened is wiped if one fails. */
export async function openFiles(files: string[], options: ViewOptions, io: Context): Promise<Plaintext[]> {
  const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
  const parts: Plaintext[] = [];
  // As ansible-vault cannot: show the inline values the keys open, warn about the rest.
  const leftSealed = (error: VaultError) => io.stderr.write(`vault: warning: ${error.message}; shown still encrypted\n`);
  try {
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
    return parts;
  } catch (error) {
    wipe(parts);
    throw error;
  }
}

/** Whether PARTS go through a pager: on a terminal, unless --no-pager. */
export function usesPager(options: ViewOptions, io: Context): boolean {
  return options.pager !== false && io.stdout.isTTY === true;
}

/** Write PARTS to standard output, or into the pager; then wipe them. */
export async function showFiles(parts: Plaintext[], options: ViewOptions, io: Context): Promise<void> {
  try {
    if (usesPager(options, io)) await page(parts, io);
    else for (const part of parts) await show(part, (bytes) => writeStdout(io.stdout, bytes));
  } finally {
    wipe(parts);
  }
}

function wipe(parts: Plaintext[]): void {
  for (const part of parts) if (part instanceof Uint8Array) part.fill(0);
}

/** Pipe the plaintext into $PAGER (default "less -FRX"); plaintext goes over a pipe, never a file. */
async function show(part: Plaintext, write: (bytes: Uint8Array) => Promise<void>): Promise<void> {
  if (part instanceof Uint8Array) await write(part);
  else for await (const piece of part) await write(piece);
}

async function page(parts: Plaintext[], io: Context): Promise<void> {
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
