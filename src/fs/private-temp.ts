/**
 * Private temporary copies of plaintext for `vault edit` and `vault create` (SECURITY.md §3.9).
 * The copy lives in a fresh 0700 directory, on /dev/shm when it is usable (tmpfs: never reaches a
 * disk) and otherwise in the system temp dir; the file is created exclusively with mode 0600 and
 * named after the original basename so editors pick the right syntax highlighting. The directory
 * is removed on every way out: normal return, thrown errors, process exit and SIGINT/SIGTERM/SIGHUP
 * (then the process exits 128 + signal number). SIGKILL cannot be caught, so directory names carry
 * a recognisable prefix and the owner's pid: a later run finds and reports leftovers of dead runs.
 * This module must not print plaintext, put it in argv or the environment, or follow symlinks.
 */
import { closeSync, constants, lstatSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Context, HandledSignal } from '../context.js';
import { FileSystemError, quotePath } from '../errors.js';

/** Every private directory starts with this, then the owner's pid and a dash. */
export const TEMP_PREFIX = 'vaultfile-edit-';

const SIGNALS: Record<HandledSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** What a private copy needs of the run: where to put it, and the signals and exit to clean up on. */
export type TempHost = Pick<Context, 'env' | 'signals' | 'atExit' | 'exit' | 'stderr'>;

/** Candidate parent directories, best first: VAULTFILE_TMPDIR, /dev/shm, the system temp dir. */
export function tempBases(env: NodeJS.ProcessEnv): string[] {
  const bases: string[] = [];
  if (env.VAULTFILE_TMPDIR) bases.push(env.VAULTFILE_TMPDIR);
  bases.push('/dev/shm', tmpdir());
  return [...new Set(bases)];
}

/** A directory we may create private directories in: exists, is a real directory, writable. */
function isUsableBase(dir: string): boolean {
  try {
    const info = lstatSync(dir);
    if (!info.isDirectory()) return false;
    // Probe by creating (and removing) a directory: access(W_OK) lies for root on read-only mounts.
    const probe = mkdtempSync(join(dir, `${TEMP_PREFIX}probe-`));
    rmSync(probe, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/** The parent directory the next private directory goes into. */
export function chooseTempBase(env: NodeJS.ProcessEnv): string {
  if (env.VAULTFILE_TMPDIR) {
    // An explicit choice is honoured or refused, never silently replaced.
    if (!isUsableBase(env.VAULTFILE_TMPDIR)) {
      throw new FileSystemError(
        `VAULTFILE_TMPDIR ${quotePath(env.VAULTFILE_TMPDIR)} is not a writable directory; fix or unset it`,
      );
    }
    return env.VAULTFILE_TMPDIR;
  }
  for (const base of tempBases(env)) if (isUsableBase(base)) return base;
  throw new FileSystemError(`no writable temporary directory (tried /dev/shm and ${quotePath(tmpdir())}); set VAULTFILE_TMPDIR`);
}

/** True while process PID runs (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Private directories left by runs that died without cleaning up (SIGKILL, power loss): ours by
 * prefix and owner, and whose pid is no longer running. A concurrent edit's live directory is not
 * a leftover.
 */
export function findLeftovers(env: NodeJS.ProcessEnv): string[] {
  const found: string[] = [];
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  for (const base of tempBases(env)) {
    let names: string[];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(name);
      if (!match) continue;
      const path = join(base, name);
      try {
        const info = lstatSync(path);
        if (!info.isDirectory() || (uid >= 0 && info.uid !== uid)) continue;
      } catch {
        continue;
      }
      if (!isAlive(Number(match[1]))) found.push(path);
    }
  }
  return found.sort();
}

/** One warning line per leftover directory, on stderr; the user decides what to do with them. */
export function reportLeftovers(env: NodeJS.ProcessEnv, stream: NodeJS.WritableStream): string[] {
  const leftovers = findLeftovers(env);
  for (const path of leftovers) {
    stream.write(
      `vault: warning: ${quotePath(path)} holds plaintext left by an interrupted edit; read what you need, then remove it\n`,
    );
  }
  return leftovers;
}

/** A private copy of some plaintext; `remove()` is idempotent. */
export interface PrivateTemp {
  readonly dir: string;
  readonly file: string;
  /** Called with the signal before the directory goes, e.g. to stop the editor. Returns an undo. */
  onInterrupt(hook: (signal: NodeJS.Signals) => void): () => void;
  remove(): void;
}

/** A file name that keeps the original's extension but cannot escape the directory. */
function safeName(original: string): string {
  const name = basename(original).replace(/[\0/]/g, '_');
  return name === '' || name === '.' || name === '..' ? 'secret' : name;
}

/** Create the private directory and write the plaintext into a 0600 file named like `original`. */
export function createPrivateTemp(original: string, plaintext: Uint8Array, host: TempHost): PrivateTemp {
  const base = chooseTempBase(host.env);
  // mkdtemp creates the directory with mode 0700 and a random suffix (no races, no reuse).
  const dir = mkdtempSync(join(base, `${TEMP_PREFIX}${process.pid}-`));
  const hooks = new Set<(signal: NodeJS.Signals) => void>();
  const removeSync = (): void => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: HandledSignal): void => {
    for (const hook of hooks) {
      try {
        hook(signal);
      } catch {
        // A failing hook must not keep the plaintext on disk.
      }
    }
    removeSync();
    host.stderr.write(`vault: interrupted (${signal}); the temporary plaintext was removed, nothing was written\n`);
    host.exit(128 + SIGNALS[signal]);
  };
  const signals = Object.keys(SIGNALS) as HandledSignal[];
  for (const signal of signals) host.signals.on(signal, onSignal);
  const cancelAtExit = host.atExit(removeSync);
  const temp: PrivateTemp = {
    dir,
    file: join(dir, safeName(original)),
    onInterrupt(hook) {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
    remove() {
      hooks.clear();
      for (const signal of signals) host.signals.off(signal, onSignal);
      cancelAtExit();
      removeSync();
    },
  };
  try {
    // O_EXCL|O_NOFOLLOW: a name planted in the directory (impossible at 0700, but cheap) fails.
    const fd = openSync(temp.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      let offset = 0;
      while (offset < plaintext.length) offset += writeSync(fd, plaintext, offset, plaintext.length - offset);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    temp.remove();
    throw new FileSystemError(`cannot write the temporary copy in ${quotePath(dir)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}; free space or set VAULTFILE_TMPDIR`, { cause: error });
  }
  return temp;
}

/** Run `body` with a private copy of `plaintext`; the directory is gone when the promise settles. */
export async function withPrivateTemp<T>(
  original: string,
  plaintext: Uint8Array,
  body: (temp: PrivateTemp) => Promise<T>,
  host: TempHost,
): Promise<T> {
  const temp = createPrivateTemp(original, plaintext, host);
  try {
    return await body(temp);
  } finally {
    temp.remove();
  }
}

