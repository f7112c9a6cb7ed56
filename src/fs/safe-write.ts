/**
 * Atomic writes that never go through a link (docs/SECURITY.md §4), for files whose path comes from
 * the repository or the clone (`.gitattributes`, hooks): a committed `.gitattributes` may be a
 * symlink to `~/.bashrc`, or a dangling one pointing where the attacker wants a file created. The
 * target must be absent or a regular file; the bytes go to a new temp file beside it (O_EXCL), and
 * rename replaces the directory entry itself, never what a link points to.
 */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileSystemError, quotePath } from '../errors.js';

/** Refuse PATH unless it is absent or a regular file (not a link, FIFO, device or directory). */
export function assertRegularOrAbsent(path: string, what: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new FileSystemError(`cannot inspect ${quotePath(path)} (${what}); check its permissions`, { cause: error });
  }
  if (stat.isSymbolicLink()) {
    throw new FileSystemError(`${quotePath(path)} (${what}) is a symbolic link; vaultfile never writes through links: replace it with a regular file`);
  }
  if (!stat.isFile()) throw new FileSystemError(`${quotePath(path)} (${what}) is not a regular file; replace it with a regular file`);
}

/** Replace PATH with TEXT atomically (mode MODE), refusing a link or non-regular file there. */
export function writeFileNoFollow(path: string, text: string, mode: number, what: string): void {
  assertRegularOrAbsent(path, what);
  const temp = join(dirname(path), `.${basename(path)}.vaultfile-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new FileSystemError(`cannot write ${quotePath(path)} (${what}); check permissions`, { cause: error });
  }
}
