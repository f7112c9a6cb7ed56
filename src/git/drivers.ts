/**
 * The git plumbing entry points besides the process filter: single-shot clean and smudge (stdin to
 * stdout, for git older than 2.11 or a config without `process`), textconv for `git diff`/`log -p`,
 * and the merge driver (decrypt base/ours/theirs, `git merge-file` in a private temp directory,
 * re-encrypt). They never prompt; stdout carries only the file content git asked for.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSystemError, quotePath } from '../errors.js';
import { createPrivateTemp, type TempHost } from '../fs/private-temp.js';
import type { Context } from '../context.js';
import { GitFilter } from './filter.js';

export type Log = (line: string) => void;

/** What the drivers use of the run git started: its directory and environment, and for the merge a private temp. */
export type DriverHost = Pick<Context, 'cwd'> & TempHost;

async function readAll(input: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Single-shot clean or smudge: whole input in, whole output out (nothing written on failure). */
export async function runSingleShot(
  command: 'clean' | 'smudge',
  path: string,
  input: AsyncIterable<Uint8Array | string>,
  write: (bytes: Uint8Array) => void,
  log: Log,
  host: Pick<Context, 'cwd' | 'env'>,
): Promise<void> {
  const content = await readAll(input);
  const filter = GitFilter.open(host.cwd, host.env, log);
  write(command === 'clean' ? filter.clean(path, content) : filter.smudge(path, content));
}

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FileSystemError(`cannot read ${quotePath(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
}

/**
 * textconv: git passes a file that it may already have smudged (a temp copy or the work tree
 * file), so plaintext goes through unchanged and only an envelope is opened. Without the key the
 * ciphertext is shown, so `git diff` still works in a locked clone.
 */
export function textconv(file: string, log: Log, host: Pick<Context, 'cwd' | 'env'>): Uint8Array {
  const content = readFile(file);
  const filter = GitFilter.open(host.cwd, host.env, log);
  return filter.reveal(file, content).plaintext;
}

export interface MergeArgs {
  base: string;
  ours: string;
  theirs: string;
  markerSize: string;
  path: string;
}

/**
 * The merge driver. git hands over the three versions in their clean (encrypted) form and stores
 * whatever is left in `ours` as the result blob, unfiltered. So a clean merge leaves exactly the
 * envelope clean would make (status stays clean); a conflict leaves the envelope of the text with
 * conflict markers, which smudge turns into plaintext in the work tree, so the markers never reach
 * the object store in the clear. Returns git's exit status: 0 merged, 1 conflict.
 */
export function mergeDriver(args: MergeArgs, log: Log, host: DriverHost): number {
  const filter = GitFilter.open(host.cwd, host.env, log);
  const sides = [args.base, args.ours, args.theirs].map((file) => filter.reveal(args.path, readFile(file)));
  if (sides.some((side) => !side.opened)) {
    log(`${quotePath(args.path)}: cannot decrypt all sides of the merge (no key); resolve it by hand after "vault unlock"`);
    return 1;
  }
  const marker = /^\d{1,3}$/.test(args.markerSize) ? args.markerSize : '7';
  const temp = createPrivateTemp('merge', new Uint8Array(0), host);
  let merged: Buffer;
  let status: number;
  try {
    const names = ['base', 'ours', 'theirs'].map((name) => join(temp.dir, name));
    sides.forEach((side, i) => writeFileSync(names[i]!, side.plaintext, { mode: 0o600 }));
    const result = spawnSync(
      'git',
      ['merge-file', '--stdout', `--marker-size=${marker}`, '-L', 'ours', '-L', 'base', '-L', 'theirs', names[1]!, names[0]!, names[2]!],
      { maxBuffer: 1 << 30 },
    );
    merged = result.stdout ?? Buffer.alloc(0);
    status = result.status ?? 255;
  } finally {
    temp.remove();
  }
  // merge-file: 0 clean, 1..127 the number of conflicts, 255 (or a signal) on error such as binary input.
  if (status > 127) {
    log(`${quotePath(args.path)}: git merge-file could not merge it (binary?); keeping ours, resolve by hand`);
    return 1;
  }
  writeFileSync(args.ours, filter.clean(args.path, merged));
  return status === 0 ? 0 : 1;
}
