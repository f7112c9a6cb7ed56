/**
 * The data keys `vault unlock` leaves in the repository's git directory for the filters:
 * `<common git dir>/vaultfile/keys/<keyring>.key` (file 0600, directories 0700), one small text
 * file per keyring holding the current data key and the previous ones (rotation keeps history
 * readable). Also finds the git directory without spawning git (GIT_DIR, or walking up for `.git`,
 * a `gitdir:` file for worktrees, then `commondir`), because the filter hot path may not spawn
 * processes. Never prompts, never runs a KDF, never prints a key.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, chmodSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { toHex } from '../core/bytes.js';
import { KEYRING_NAME_RULE, isKeyringName } from '../core/keyring-name.js';
import { FileSystemError, FormatError, quotePath } from '../errors.js';

export interface GitDirs {
  /** This worktree's git directory (`.git`, or `.git/worktrees/<name>`). */
  gitDir: string;
  /** The directory shared by all worktrees: where keys, hooks and config live. */
  commonDir: string;
}

export interface StoredKeys {
  keyring: string;
  /** Hex id of the data key new envelopes are sealed with. */
  currentId: string;
  /** Hex id -> data key: the current key and every previous one. */
  keys: Map<string, Uint8Array>;
}

const HEADER = '# vaultfile data keys: written by "vault unlock", removed by "vault lock"; never commit or share this file';
const HEX_ID = /^[0-9a-f]{2,128}$/;

/** Keyring names become file names: refuse anything that could leave the keys directory. */
export function assertKeyringName(name: string): void {
  if (!isKeyringName(name)) {
    throw new FormatError(`invalid keyring name ${quotePath(name)}; a keyring name is ${KEYRING_NAME_RULE}`);
  }
}

/** Follow a `.git` file (`gitdir: <path>`) as git does for worktrees and submodules. */
function readGitFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  const match = /^gitdir: (.+?)\r?\n?$/m.exec(text);
  if (!match) throw new FormatError(`${quotePath(path)} is not a valid .git file; run "git worktree repair"`);
  return resolve(dirname(path), match[1]!);
}

function commonDirOf(gitDir: string): string {
  const file = join(gitDir, 'commondir');
  if (!existsSync(file)) return gitDir;
  const target = readFileSync(file, 'utf8').trim();
  return isAbsolute(target) ? target : resolve(gitDir, target);
}

/**
 * Locate the git directories for `startDir` without running git: GIT_DIR (as git sets it for hooks
 * and some filters) wins, else the nearest `.git` upwards. Null outside a repository.
 */
export function findGitDirs(startDir: string, env: NodeJS.ProcessEnv): GitDirs | null {
  if (env.GIT_DIR) {
    const gitDir = resolve(startDir, env.GIT_DIR);
    const commonDir = env.GIT_COMMON_DIR ? resolve(startDir, env.GIT_COMMON_DIR) : commonDirOf(gitDir);
    return { gitDir, commonDir };
  }
  let dir = resolve(startDir);
  for (;;) {
    const dotGit = join(dir, '.git');
    let stat;
    try {
      stat = statSync(dotGit);
    } catch {
      stat = null;
    }
    if (stat?.isDirectory()) return { gitDir: dotGit, commonDir: commonDirOf(dotGit) };
    if (stat?.isFile()) {
      const gitDir = readGitFile(dotGit);
      return { gitDir, commonDir: commonDirOf(gitDir) };
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function keysDir(commonDir: string): string {
  return join(commonDir, 'vaultfile', 'keys');
}

export function keyFilePath(commonDir: string, keyring: string): string {
  assertKeyringName(keyring);
  return join(keysDir(commonDir), `${keyring}.key`);
}

/** Text form: a comment, `keyring NAME`, then `current ID KEY` and `previous ID KEY` lines. */
export function serializeStoredKeys(stored: StoredKeys): string {
  assertKeyringName(stored.keyring);
  const current = stored.keys.get(stored.currentId);
  if (!current) throw new RangeError('stored keys lack their current key');
  const lines = [HEADER, `keyring ${stored.keyring}`, `current ${stored.currentId} ${Buffer.from(current).toString('base64')}`];
  for (const [id, key] of stored.keys) {
    if (id !== stored.currentId) lines.push(`previous ${id} ${Buffer.from(key).toString('base64')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseStoredKeys(text: string, origin: string): StoredKeys {
  const bad = (why: string) =>
    new FormatError(`${quotePath(origin)}: ${why}; run "vault lock" then "vault unlock" to rewrite it`);
  let keyring: string | null = null;
  let currentId: string | null = null;
  const keys = new Map<string, Uint8Array>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(' ');
    if (fields[0] === 'keyring' && fields.length === 2 && keyring === null) {
      keyring = fields[1]!;
      if (!isKeyringName(keyring)) throw bad('bad keyring name');
      continue;
    }
    if ((fields[0] === 'current' || fields[0] === 'previous') && fields.length === 3) {
      const id = fields[1]!;
      const key = Buffer.from(fields[2]!, 'base64');
      if (!HEX_ID.test(id) || key.length !== 32 || key.toString('base64') !== fields[2]) throw bad('bad key line');
      if (keys.has(id)) throw bad('duplicate key id');
      if (fields[0] === 'current') {
        if (currentId !== null) throw bad('two current keys');
        currentId = id;
      }
      keys.set(id, new Uint8Array(key));
      continue;
    }
    throw bad('unexpected line');
  }
  if (keyring === null || currentId === null) throw bad('incomplete');
  return { keyring, currentId, keys };
}

/** The stored keys of one keyring, or null when it is locked (no file). */
export function readStoredKeys(commonDir: string, keyring: string): StoredKeys | null {
  const path = keyFilePath(commonDir, keyring);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FileSystemError(`cannot read ${quotePath(path)}; check its permissions`, { cause: error });
  }
  const stored = parseStoredKeys(text, path);
  if (stored.keyring !== keyring) throw new FormatError(`${quotePath(path)} holds keys of another keyring; run "vault unlock" again`);
  return stored;
}

/** Names of every keyring with stored keys. */
export function listStoredKeyrings(commonDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(keysDir(commonDir));
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.key') && isKeyringName(name.slice(0, -4))).map((name) => name.slice(0, -4)).sort();
}

function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask and leaves existing directories alone.
  chmodSync(path, 0o700);
}

/** Write one keyring's keys atomically: a 0600 temp file beside the target, fsync, rename. */
export function writeStoredKeys(commonDir: string, stored: StoredKeys): string {
  const path = keyFilePath(commonDir, stored.keyring);
  const text = serializeStoredKeys(stored);
  try {
    ensurePrivateDir(join(commonDir, 'vaultfile'));
    ensurePrivateDir(keysDir(commonDir));
    const temp = `${path}.${process.pid}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (error) {
    throw new FileSystemError(`cannot write the key store ${quotePath(path)}; check permissions on the git directory`, { cause: error });
  }
  return path;
}

/** Remove stored keys: one keyring, or all of them (and the empty directories). */
export function removeStoredKeys(commonDir: string, keyring?: string): string[] {
  const names = keyring === undefined ? listStoredKeyrings(commonDir) : [keyring];
  const removed: string[] = [];
  for (const name of names) {
    const path = keyFilePath(commonDir, name);
    try {
      unlinkSync(path);
      removed.push(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new FileSystemError(`cannot remove ${quotePath(path)}; check its permissions`, { cause: error });
      }
    }
  }
  // The keyring history beside them is not secret and must outlive a lock (docs/SECURITY.md §2).
  if (listStoredKeyrings(commonDir).length === 0) rmSync(keysDir(commonDir), { recursive: true, force: true });
  return removed;
}

/**
 * For `vault init` and `vault rotate`: when START is inside a git repository, store the keys of a
 * keyring just created or rotated (it is unlocked in memory anyway), so the filters work without a
 * separate `vault unlock`. Returns the key file written, or null outside git.
 */
export function storeUnlockedKeyring(
  start: string,
  unlocked: { keyring: { name: string; dataKeyId: Uint8Array }; dataKey: Uint8Array; dataKeys: Map<string, Uint8Array> },
  env: NodeJS.ProcessEnv,
): string | null {
  const dirs = findGitDirs(start, env);
  if (!dirs) return null;
  const currentId = toHex(unlocked.keyring.dataKeyId);
  const keys = new Map(unlocked.dataKeys);
  keys.set(currentId, unlocked.dataKey);
  return writeStoredKeys(dirs.commonDir, { keyring: unlocked.keyring.name, currentId, keys });
}
