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
import type { Context, HandledSignal } from '../context.js';
import { FileSystemError, quotePath } from '../errors.js';
import { fileSystemError } from './atomic-write.js';
import { isAlive } from './private-temp.js';

/** How long to wait for another process's lock: its critical section is one write and a rename. */
const WAIT_MS = 10_000;
const POLL_MS = 15;

const SIGNALS: HandledSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What a lock needs of the run: its signals and its end, to remove the lock on both. */
export type LockHost = Pick<Context, 'signals' | 'atExit'>;

/** A lock held by this run. */
export interface HeldLock {
  readonly path: string;
  release(): void;
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
export async function acquireFileLock(path: string, host: LockHost): Promise<HeldLock> {
  const lock = lockPath(path);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      if (tryCreate(lock)) return holdLock(lock, host);
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

/**
 * Remove the lock on every way out: release, the end of the run, and a signal. On a signal, when
 * another handler owns it (the edit session's, which exits), leave the rest to it; otherwise end as
 * if we had never listened.
 */
function holdLock(lock: string, host: LockHost): HeldLock {
  const removeSync = (): void => rmSync(lock, { force: true });
  const stopListening = (): void => {
    for (const name of SIGNALS) host.signals.off(name, onSignal);
    cancelAtExit();
  };
  const onSignal = (signal: HandledSignal): void => {
    stopListening();
    removeSync();
    if (host.signals.listenerCount(signal) === 0) host.signals.raise(signal);
  };
  for (const signal of SIGNALS) host.signals.on(signal, onSignal);
  const cancelAtExit = host.atExit(removeSync);
  return {
    path: lock,
    release() {
      stopListening();
      removeSync();
    },
  };
}

/** Run BODY holding the lock of PATH; the lock is gone when the promise settles. */
export async function withFileLock<T>(path: string, host: LockHost, body: () => Promise<T>): Promise<T> {
  const lock = await acquireFileLock(path, host);
  try {
    return await body();
  } finally {
    lock.release();
  }
}
