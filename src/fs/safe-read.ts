/**
 * Bounded, no-follow reads of files that come from the repository (keyrings, policy,
 * `.gitattributes`, hooks) or from the clone's own state (docs/SECURITY.md §4). A committed file
 * is attacker-controlled: it may be a symlink to a secret or to `/dev/zero`, a FIFO that blocks
 * forever, or huge. The file is opened with O_NOFOLLOW|O_NONBLOCK, checked through that same
 * descriptor (regular file, size limit) and read through it, so nothing changes between the check
 * and the read. Never writes.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FileSystemError, FormatError, quotePath } from '../errors.js';

/** Committed text files vaultfile reads (keyrings, policy, attributes) are never near this. */
export const MAX_COMMITTED_FILE_BYTES = 1024 * 1024;

const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The bytes of PATH, or null when it does not exist. Refuses a symlink, anything but a regular
 * file, and a file over MAX bytes, each with a one-line error naming WHAT the file is.
 */
export function readBoundedFile(path: string, max: number, what: string): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') {
      throw new FileSystemError(`${quotePath(path)} (${what}) is a symbolic link; vaultfile never follows links for it: replace it with a regular file`);
    }
    throw new FileSystemError(`cannot read ${quotePath(path)} (${what}); check its permissions`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new FileSystemError(`${quotePath(path)} (${what}) is not a regular file; replace it with a regular file`);
    }
    if (stat.size > max) {
      throw new FormatError(`${quotePath(path)} (${what}) is ${stat.size} bytes, more than the ${max} allowed; restore it from version control`);
    }
    // One byte more than fstat said: filling it means the file grew under us, which is refused.
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) throw new FormatError(`${quotePath(path)} (${what}) changed while it was read; try again`);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readBoundedFile for a committed text file (MAX_COMMITTED_FILE_BYTES), as UTF-8 text. */
export function readCommittedText(path: string, what: string): string | null {
  const bytes = readBoundedFile(path, MAX_COMMITTED_FILE_BYTES, what);
  return bytes === null ? null : bytes.toString('utf8');
}
