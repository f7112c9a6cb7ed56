/**
 * Reading a password or key file (docs/SECURITY.md §5): refused when another user could have
 * written or swapped it (not owned by this user or root, writable by group or others, or a regular
 * file in a directory others can write without the sticky bit), checked and read through one
 * descriptor so nothing can be swapped between the check and the read, and bounded in size. Pipes
 * (`--password-file <(pass show x)`) and devices are read as they are. Never prints.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileSystemError, UsageError, VaultError, quotePath } from '../errors.js';
import { fileSystemError } from './atomic-write.js';

/** No password or key file is near this; a larger one is not one. */
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

function failure(error: unknown, path: string, what: string): VaultError {
  return fileSystemError(error, path, `reading the ${what}`);
}

/** CHUNKS as one array we own; each chunk (possibly pooled Buffer memory) is zeroed. */
export function joinAndWipe(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
    chunk.fill(0);
  }
  return out;
}

/**
 * Synchronous on purpose, as readInput (files.ts) is: a command reads its key files before anything
 * else, so there is nothing to overlap with, and fs.promises (with the modules it loads) would be
 * most of the start-up cost of `vault view`. A pipe or FIFO blocks until its writer is done, as a
 * read of one always does.
 */
export async function readCheckedSecretFile(path: string, what: string): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw failure(error, path, what);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; give the ${what} itself`);
    if (process.platform !== 'win32') {
      const uid = process.getuid?.() ?? 0;
      if (stat.uid !== uid && stat.uid !== 0) {
        throw new UsageError(`${quotePath(path)}: ${what} belongs to another user (uid ${stat.uid}); use a file you own`);
      }
      if (stat.isFile() && (stat.mode & 0o022) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
        throw new UsageError(`${quotePath(path)}: ${what} is writable by group or others (mode ${mode}); run "chmod 600 ${path}"`);
      }
      if (stat.isFile()) {
        const dir = dirname(realpathSync.native(path));
        const dirMode = statSync(dir).mode;
        // Without the sticky bit, anyone who can write the directory can replace the file.
        if ((dirMode & 0o022) !== 0 && (dirMode & 0o1000) === 0) {
          throw new UsageError(`${quotePath(path)}: ${what} is in ${quotePath(dir)}, which others can write (they could swap it); move it to a private directory`);
        }
      }
      if (stat.isFile() && stat.size > MAX_SECRET_FILE_BYTES) {
        throw new UsageError(`${quotePath(path)}: ${stat.size} bytes is too large for a ${what}; check the path`);
      }
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(64 * 1024);
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_SECRET_FILE_BYTES) throw new UsageError(`${quotePath(path)}: more than ${MAX_SECRET_FILE_BYTES} bytes is too large for a ${what}; check the path`);
    }
    return joinAndWipe(chunks);
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw failure(error, path, what);
  } finally {
    closeSync(fd);
  }
}
