/**
 * A small per-file lock for the check-then-replace steps of edit, create and rotate
 * (SECURITY.md §3.10 step 7): without it two processes can both find a file unchanged and both
 * rename over it, and one edit is silently lost. The lock is `.<name>.vaultfile-lock` beside the
 * real file, created with O_EXCL and holding the owner's pid; others wait for it (bounded), and a
 * lock whose pid is dead (SIGKILL, power loss) is taken over. It is removed on every way out we
 * can catch: normal return, exceptions, process exit and SIGINT/SIGTERM/SIGHUP. Holds no secret.
 */
import { closeSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { FileSystemError, quotePath } from '../errors.js';
import { fileSystemError } from './atomic-write.js';
import { isAlive } from './private-temp.js';

/** How long to wait for another process's lock: its critical section is one write and a rename. */
const WAIT_MS = 10_000;
const POLL_MS = 15;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const held = new Set<string>();
let handlersInstalled = false;

function releaseAllSync(): void {
  for (const lock of held) rmSync(lock, { force: true });
  held.clear();
}

/**
 * Remove our locks on a signal. When another handler owns the signal (the edit session's, which
 * exits), leave the rest to it; otherwise die of the signal as if we had never listened.
 */
function onSignal(signal: NodeJS.Signals): void {
  releaseAllSync();
  if (process.listenerCount(signal) > 1) return;
  for (const name of SIGNALS) process.removeListener(name, onSignal);
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseAllSync);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

/** `dir/.name.vaultfile-lock` beside the real file (a symlink's target is what gets replaced). */
export function lockPath(path: string): string {
  let real = path;
  try {
    real = realpathSync.native(path);
  } catch {
    // not there yet (create): lock the name itself
  }
  return join(dirname(real), `.${basename(real)}.vaultfile-lock`);
}

/** The owner line: `pid host`. Another host's pid cannot be checked, so its lock is never stale. */
function ownerText(): string {
  return `${process.pid} ${hostname()}\n`;
}

function readOwner(lock: string): string | null {
  try {
    return readFileSync(lock, 'utf8');
  } catch {
    return null;
  }
}

function isStale(owner: string): boolean {
  const [pid, host] = owner.trim().split(' ');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  return !isAlive(Number(pid));
}

function tryCreate(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, ownerText());
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Take the lock for PATH, waiting a bounded time for another live holder. Returns the lock path. */
export async function acquireFileLock(path: string): Promise<string> {
  installHandlers();
  const lock = lockPath(path);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      if (tryCreate(lock)) {
        held.add(lock);
        return lock;
      }
    } catch (error) {
      throw fileSystemError(error, path, 'locking it');
    }
    const owner = readOwner(lock);
    // A dead owner's lock is taken over. Re-reading just before removing narrows the window in which
    // two processes taking over the same stale lock could remove each other's new lock.
    if (owner !== null && isStale(owner) && readOwner(lock) === owner) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const pid = owner?.trim().split(' ')[0] ?? 'unknown';
      throw new FileSystemError(
        `${quotePath(path)} is locked by process ${pid} (${quotePath(lock)}); wait for it to finish, or remove the lock file if no vault command is running`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function releaseFileLock(lock: string): void {
  rmSync(lock, { force: true });
  held.delete(lock);
}

/** Run BODY holding the lock of PATH; the lock is gone when the promise settles. */
export async function withFileLock<T>(path: string, body: () => Promise<T>): Promise<T> {
  const lock = await acquireFileLock(path);
  try {
    return await body();
  } finally {
    releaseFileLock(lock);
  }
}
