/**
 * Runs a CommonJS file of the npm package with V8's code cache for it: compiling the code and
 * each function on its first call is most of what `vault view` costs in JavaScript, and a code
 * cache made after a run holds them compiled (docs/benchmarks.md). Node 20 has no compile cache
 * for modules (module.enableCompileCache() came in 22.1), and a cache only runs in the Node build
 * that made it, so the package cannot ship one: the first run on a machine makes it, later runs
 * read it, as Node's own compile cache does.
 *
 * V8 runs cached bytecode as it finds it, so a cache is read only from a directory that is this
 * user's alone: $XDG_CACHE_HOME/vaultfile or ~/.cache/vaultfile (%LOCALAPPDATA%\vaultfile on
 * Windows), owned by the user and writable by nobody else, from a regular file the user owns,
 * opened without following a link. Its name carries the Node version and hashes of the file's
 * place and text, so an upgrade never meets an old cache. The cache holds compiled code and the
 * source's own constants, never a value the run read (test/quick-view.test.mjs looks for the
 * plaintext and the key in it). NODE_DISABLE_COMPILE_CACHE=1, Node's switch for its own cache,
 * turns it off. Any failure to read or write it only means a run without it.
 */
import { createHash } from 'node:crypto';
import {
  closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/** No cache of ours is near this; a larger file is not one. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;

export interface CachedModule {
  readonly exports: Record<string, unknown>;
  /** Write the cache now if none was taken (after the run, so that it holds what the run compiled). */
  saveCache(): void;
}

/**
 * The directory of this user's caches, or null when there is none to use: this one's and Node's
 * compile cache for the whole program (src/bin/compile-cache.ts).
 */
export function cacheDirectory(env: NodeJS.ProcessEnv): string | null {
  if (env.NODE_DISABLE_COMPILE_CACHE) return null;
  if (process.platform === 'win32') return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, 'vaultfile') : null;
  const base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : env.HOME ? join(env.HOME, '.cache') : null;
  return base === null ? null : join(base, 'vaultfile');
}

/** Whether PATH's status says this user alone can write it (always on Windows: no such bits). */
function ownedAlone(stat: { uid: number; mode: number }): boolean {
  if (process.platform === 'win32') return true;
  return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

/** Whether DIRECTORY is a directory, not a link to one, that this user alone can write. */
export function isPrivateDirectory(directory: string): boolean {
  try {
    const stat = lstatSync(directory);
    return stat.isDirectory() && ownedAlone(stat);
  } catch {
    return false;
  }
}

/** Make DIRECTORY (0700, with its parents) unless it is there; whether it is this user's alone. */
export function makePrivateDirectory(directory: string): boolean {
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  return isPrivateDirectory(directory);
}

/** The cache at PATH when it is one to trust (see above), else undefined. */
function readCache(directory: string, path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    if (!isPrivateDirectory(directory)) return undefined;
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stat = fstatSync(fd);
    if (!stat.isFile() || !ownedAlone(stat) || stat.size > MAX_CACHE_BYTES) return undefined;
    // Every byte is read over before use (a short read is cut off below): no need to zero it first.
    const data = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < data.length) {
      const read = readSync(fd, data, length, data.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return data.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write DATA at PATH through a temporary file, and remove the other caches named PREFIX... (older sources). */
function writeCache(directory: string, path: string, prefix: string, data: Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    if (!makePrivateDirectory(directory)) return;
    writeFileSync(temporary, data, { flag: 'wx', mode: 0o600 });
    renameSync(temporary, path);
    for (const name of readdirSync(directory)) {
      if (name.startsWith(prefix) && name.endsWith('.cache') && join(directory, name) !== path) rmSync(join(directory, name), { force: true });
    }
  } catch {
    // No cache this time; nor a half-written one left behind (a full disk).
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do
    }
  }
}

/**
 * Run FILE, a CommonJS bundle written as the function Node would wrap it in (exports, require,
 * module, __filename, __dirname; scripts/build-bundle.mjs), with its cache. LOAD is its require:
 * the caller's own, from FILE's directory (node:module's createRequire would load Node's module
 * loader for ES modules besides).
 */
export function runWithCodeCache(file: string, env: NodeJS.ProcessEnv, load: NodeJS.Require): CachedModule {
  const source = readFileSync(file, 'utf8');
  const directory = cacheDirectory(env);
  const name = basename(file).replace(/\.[cm]?js$/, '');
  const hash = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);
  // One file per Node version, architecture, installation (where FILE is) and source. The prefix
  // finds the older sources of this installation, which an upgrade leaves; another installation
  // (a global one beside a project's) keeps its own, or two in turn would evict each other's.
  const prefix = `${name}-${process.version}-${process.arch}-${hash(file, 8)}-`;
  const path = directory === null ? null : join(directory, `${prefix}${hash(source, 16)}.cache`);
  const cachedData = directory === null || path === null ? undefined : readCache(directory, path);
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  const body = script.runInThisContext() as (exports: object, load: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  body(module.exports, load, module, file, dirname(file));
  const taken = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    saveCache() {
      if (!taken && directory !== null && path !== null) writeCache(directory, path, prefix, script.createCachedData());
    },
  };
}

/**
 * Run FILE with its cache (runWithCodeCache), call the start(ARGS) it exports, and save the cache
 * once that has ended, so that the cache holds what the run compiled. The package's quick view
 * and git drivers start this way (src/bin/view-cached.ts, src/bin/git-filter-cached.ts).
 */
export async function startWithCodeCache<T>(file: string, args: string[], env: NodeJS.ProcessEnv, load: NodeJS.Require): Promise<T> {
  const loaded = runWithCodeCache(file, env, load);
  try {
    return await (loaded.exports.start as (args: string[]) => Promise<T>)(args);
  } finally {
    loaded.saveCache();
  }
}
