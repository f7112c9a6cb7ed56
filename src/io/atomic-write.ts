/**
 * Atomic replacement of a file (reference/SECURITY.md §3.10): temp file in the same directory,
 * write, fsync, rename over the target, fsync the directory. A symlink is followed and the real
 * file replaced, the link kept. The mode of an existing file is kept; a read-only target is
 * refused first (rename would silently replace it). On any failure the temp file is removed and
 * the original stays byte-identical. Must not print anything.
 */
import { constants, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { FileSystemError, VaultError, quotePath } from '../errors.js';

export type WriteSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** Mode for a file that does not exist yet (default 0600: it may hold secrets). */
  newFileMode?: number;
  /** Refuse when the target exists (create). */
  exclusive?: boolean;
}

/** Resolve symlinks so the real file is replaced and the link stays a link. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await fs.realpath(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) {
      // A dangling link: write where it points.
      try {
        const link = await fs.readlink(path);
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
      return new FileSystemError(`${where}: no space left while ${action}; free some space and retry (the file is unchanged)`, { cause: error });
    default:
      return new FileSystemError(`${where}: ${code} while ${action}`, { cause: error });
  }
}

/** Write SOURCE to PATH atomically. Returns the real path written. */
export async function writeFileAtomic(path: string, source: WriteSource, options: AtomicWriteOptions = {}): Promise<string> {
  const target = await resolveTarget(path);
  let mode = options.newFileMode ?? 0o600;
  let owner: { uid: number; gid: number } | null = null;
  try {
    const stat = await fs.stat(target);
    if (options.exclusive) throw new FileSystemError(`${quotePath(path)}: already exists; choose another name or use "vault edit"`);
    if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; give a file`);
    mode = stat.mode & 0o7777;
    owner = { uid: stat.uid, gid: stat.gid };
    await fs.access(target, constants.W_OK).catch(() => {
      throw new FileSystemError(`${quotePath(path)}: is read-only; make it writable (chmod u+w) and retry`);
    });
    // root passes access(W_OK) whatever the mode; read-only still means "do not replace".
    if ((mode & 0o222) === 0) {
      throw new FileSystemError(`${quotePath(path)}: is read-only; make it writable (chmod u+w) and retry`);
    }
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw fileSystemError(error, path, 'checking the target');
  }

  const temp = join(dirname(target), `.${basename(target)}.vaultfile-${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(temp, 'wx', mode);
    if (source instanceof Uint8Array) {
      await handle.writeFile(source);
    } else {
      for await (const chunk of source as AsyncIterable<Uint8Array>) await handle.write(chunk);
    }
    await handle.chmod(mode); // the umask may have narrowed the mode given to open
    if (owner && process.getuid?.() === 0) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(temp, target);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw fileSystemError(error, path, 'writing');
  }
  await syncDirectory(dirname(target));
  return target;
}

/** fsync a directory so the rename itself survives a crash (Linux; a no-op where refused). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
