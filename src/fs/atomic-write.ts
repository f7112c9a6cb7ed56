/**
 * Atomic replacement of a file (reference/SECURITY.md §3.10): temp file in the same directory,
 * write, fsync, rename over the target, fsync the directory. A symlink is followed and the real
 * file replaced, the link kept. The mode of an existing file is kept; a read-only target is
 * refused first (rename would silently replace it). On any failure the temp file is removed and
 * the original stays byte-identical. Must not print anything.
 */
import {
  accessSync, closeSync, constants, fchmodSync, fchownSync, fsyncSync, linkSync, lstatSync, openSync, readlinkSync, realpathSync,
  renameSync, rmSync, statSync, writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { FileSystemError, VaultError, quotePath } from '../errors.js';

export type WriteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0600: it may hold secrets). */
  newFileMode?: number;
  /**
   * Refuse when the target exists (create, side files). The temp file is put in place with
   * link(2), which fails when the name exists, so a file created meanwhile is never replaced.
   */
  exclusive?: boolean;
  /**
   * Bulk commands: collect the directory here, for one fsync per directory at the end of the
   * command (`syncDirectories`) instead of one after each rename. Each file's content is still
   * fsynced before its rename; only the renames' durability is batched. Never for a write that
   * later writes depend on (keyrings).
   */
  deferDirectorySync?: Set<string>;
}

/** Fsync each directory a bulk command deferred (see `deferDirectorySync`), once. */
export function syncDirectories(pending: Set<string>): void {
  for (const dir of pending) syncDirectory(dir);
  pending.clear();
}

/** Resolve symlinks so the real file is replaced and the link stays a link. */
function resolveTarget(path: string): string {
  try {
    return realpathSync.native(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) {
      // A dangling link: write where it points.
      try {
        const link = readlinkSync(path);
        return join(dirname(path), link);
      } catch {
        return path;
      }
    }
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === code;
}

/** Translate a Node filesystem error into a one-line message naming the path and the action. */
export function fileSystemError(error: unknown, path: string, action: string): VaultError {
  if (error instanceof VaultError) return error;
  const code = (error as { code?: string } | null)?.code ?? 'EIO';
  const where = quotePath(path);
  switch (code) {
    case 'ENOENT':
      return new FileSystemError(`${where}: no such file; check the path`, { cause: error });
    case 'EISDIR':
      return new FileSystemError(`${where}: is a directory; give a file`, { cause: error });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new FileSystemError(`${where}: permission denied while ${action}; check the file's permissions`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return new FileSystemError(`${where}: no space left while ${action}; free some space and retry (the file is unchanged)`, { cause: error });
    default:
      return new FileSystemError(`${where}: ${code} while ${action}`, { cause: error });
  }
}

/**
 * Write SOURCE to PATH atomically. Returns the real path written. The system calls are
 * synchronous on purpose: bulk commands write hundreds of small files, and a thread-pool round trip
 * for each of a dozen calls per file cost more than the writes themselves.
 */
export async function writeFileAtomic(path: string, source: WriteSource, options: AtomicWriteOptions = {}): Promise<string> {
  const target = resolveTarget(path);
  let mode = options.newFileMode ?? 0o600;
  let owner: { uid: number; gid: number } | null = null;
  try {
    const stat = statSync(target);
    if (options.exclusive) throw alreadyExists(path);
    if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; give a file`);
    mode = stat.mode & 0o7777;
    owner = { uid: stat.uid, gid: stat.gid };
    // root passes access(W_OK) whatever the mode; read-only still means "do not replace".
    if (!isWritable(target) || (mode & 0o222) === 0) {
      throw new FileSystemError(`${quotePath(path)}: is read-only; make it writable (chmod u+w) and retry`);
    }
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw fileSystemError(error, path, 'checking the target');
  }

  const temp = join(dirname(target), `.${basename(target)}.vaultfile-${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx', mode);
    if (source instanceof Uint8Array) {
      writeAll(fd, source);
    } else {
      for await (const chunk of source as AsyncIterable<Uint8Array>) writeAll(fd, chunk);
    }
    fchmodSync(fd, mode); // the umask may have narrowed the mode given to open
    if (owner && process.getuid?.() === 0) fchownSync(fd, owner.uid, owner.gid);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    if (options.exclusive) placeExclusive(temp, target, path);
    else renameSync(temp, target);
  } catch (error) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    rmSync(temp, { force: true });
    throw fileSystemError(error, path, 'writing');
  }
  if (options.deferDirectorySync) {
    options.deferDirectorySync.add(dirname(target));
  } else {
    syncDirectory(dirname(target));
  }
  return target;
}

function alreadyExists(path: string): FileSystemError {
  return new FileSystemError(`${quotePath(path)}: already exists; choose another name or use "vault edit"`, { cause: { code: 'EEXIST' } });
}

/**
 * Put the finished temp file at TARGET only if no file has that name: link(2) is atomic and never
 * replaces, unlike rename. Filesystems without hard links fall back to check-then-rename.
 */
function placeExclusive(temp: string, target: string, path: string): void {
  try {
    linkSync(temp, target);
  } catch (error) {
    if (isCode(error, 'EEXIST')) throw alreadyExists(path);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].some((code) => isCode(error, code))) throw error;
    try {
      lstatSync(target);
    } catch (missing) {
      if (!isCode(missing, 'ENOENT')) throw missing;
      renameSync(temp, target);
      return;
    }
    throw alreadyExists(path);
  }
  rmSync(temp, { force: true });
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** fsync a directory so the rename itself survives a crash (Linux; a no-op where refused). */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
