/**
 * Reading inputs for commands: a path or "-" for standard input, with filesystem errors turned
 * into one-line messages. Writing goes through atomic-write.ts. Prints nothing.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Input, Output } from '../context.js';
import { FileSystemError, quotePath } from '../errors.js';
import { fileSystemError } from './atomic-write.js';

export const STDIO = '-';

/** All of standard input. */
export async function readStdin(stdin: Input): Promise<Uint8Array> {
  return (await readStdinHead(stdin, Infinity)).head;
}

/**
 * Standard input up to just past LIMIT bytes: all of it when it ends before (REST null), else its
 * first bytes and REST, the part not read yet, so that a huge input is never held whole here.
 */
export async function readStdinHead(
  stdin: Input, limit: number,
): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> | null }> {
  const iterator = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { head: new Uint8Array(Buffer.concat(chunks)), rest: null };
    const piece = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(piece);
    total += piece.length;
    if (total > limit) {
      const rest = (async function* () {
        for (let more = await iterator.next(); !more.done; more = await iterator.next()) {
          yield Buffer.isBuffer(more.value) ? more.value : Buffer.from(more.value);
        }
      })();
      return { head: new Uint8Array(Buffer.concat(chunks)), rest };
    }
  }
}

function checkStat(stat: { isDirectory(): boolean; isFile(): boolean }, path: string): void {
  if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; give a file`);
  if (!stat.isFile()) throw new FileSystemError(`${quotePath(path)}: is not a regular file; give a file`);
}

/** Check PATH is a regular file we can read; returns its size. */
export async function checkInputFile(path: string): Promise<number> {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw fileSystemError(error, path, 'reading');
  }
  checkStat(stat, path);
  return stat.size;
}

/**
 * Read a whole input: a file, or standard input for "-". Synchronous on purpose: a bulk command
 * reads hundreds of small files, and a thread-pool round trip per call was most of its time.
 * The bytes land in memory of our own (not Node's shared Buffer pool), so they can be wiped.
 */
export async function readInput(path: string, io: { readonly stdin: Input }): Promise<Uint8Array> {
  // IO, not its stream: a process's standard input is made on first use (src/bin/process-host.ts).
  if (path === STDIO) return readStdin(io.stdin);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    checkStat(stat, path);
    // Read what fstat announced; a file reporting size 0 (/proc) is read in growing steps.
    let bytes = new Uint8Array(stat.size > 0 ? stat.size : 4096);
    let length = 0;
    for (;;) {
      const read = readSync(fd, bytes, length, bytes.length - length, null);
      length += read;
      if (read === 0 || (stat.size > 0 && length === bytes.length)) break;
      if (length === bytes.length) {
        const grown = new Uint8Array(bytes.length * 2);
        grown.set(bytes);
        bytes.fill(0);
        bytes = grown;
      }
    }
    return length === bytes.length ? bytes : bytes.subarray(0, length);
  } catch (error) {
    throw fileSystemError(error, path, 'reading');
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Write to standard output and wait until it is flushed. */
export function writeStdout(stdout: Output, data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    stdout.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
