/**
 * Reading inputs for commands: a path or "-" for standard input, with filesystem errors turned
 * into one-line messages. Writing goes through atomic-write.ts. Prints nothing.
 */
import { promises as fs } from 'node:fs';
import { FileSystemError, quotePath } from '../errors.js';
import { fileSystemError } from './atomic-write.js';

export const STDIO = '-';

export async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Check PATH is a regular file we can read; returns its size. */
export async function checkInputFile(path: string): Promise<number> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    throw fileSystemError(error, path, 'reading');
  }
  if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; give a file`);
  if (!stat.isFile()) throw new FileSystemError(`${quotePath(path)}: is not a regular file; give a file`);
  return stat.size;
}

/** Read a whole input: a file, or standard input for "-". */
export async function readInput(path: string): Promise<Uint8Array> {
  if (path === STDIO) return readStdin();
  await checkInputFile(path);
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (error) {
    throw fileSystemError(error, path, 'reading');
  }
}

/** Write to standard output and wait until it is flushed. */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => (error ? reject(error) : resolve()));
  });
}
