/**
 * Finds the files sealed under one keyring of a repository, by reading envelope headers (no key
 * needed): every regular file under the root whose first line is the envelope magic and whose
 * header names the keyring. Skips .git/, .vaultfile/ and symlinks (the target is found where it
 * lives). The temp files of interrupted atomic writes are never rotated but are listed, so that
 * commands can report them: one left by `vault decrypt` may hold plaintext (SECURITY.md §3.10).
 * Reads only; prints nothing.
 */
import { promises as fs, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { inspectEnvelope, isEnvelope, type EnvelopeInfo } from '../core/envelope.js';
import { VaultError, quotePath } from '../errors.js';

const SKIP_DIRS = new Set(['.git', '.vaultfile']);
/** `.name.vaultfile-<hex>.tmp`: left only by a write killed before its rename. */
const ATOMIC_TEMP = /^\..+\.vaultfile-[0-9a-f]+\.tmp$/;
const MAGIC_PREFIX_LENGTH = 16;

export interface KeyringFile {
  /** Path relative to the repository root, with '/' separators. */
  path: string;
  info: EnvelopeInfo;
}

export interface KeyringScan {
  files: KeyringFile[];
  /** Files that look like envelopes but whose header does not parse: reported, never rewritten. */
  damaged: string[];
  /** Temp files of atomic writes killed before their rename (relative paths): reported. */
  leftovers: string[];
}

async function startsLikeEnvelope(path: string): Promise<boolean> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(path, 'r');
    const head = new Uint8Array(MAGIC_PREFIX_LENGTH);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isEnvelope(head.subarray(0, bytesRead));
  } catch {
    return false; // unreadable or vanished: not ours to rotate
  } finally {
    await handle?.close();
  }
}

/** Calls VISIT with each regular file under ROOT (relative path, full path), skipping .git/ and .vaultfile/. */
export async function walkFiles(root: string, visit: (rel: string, path: string, name: string) => Promise<void>): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path);
      } else if (entry.isFile()) {
        await visit(relative(root, path).split('\\').join('/'), path, entry.name);
      }
    }
  };
  await walk(root);
}

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every file under ROOT sealed under keyring NAME, sorted by path. */
export async function findKeyringFiles(root: string, name: string): Promise<KeyringScan> {
  const scan: KeyringScan = { files: [], damaged: [], leftovers: [] };
  await walkFiles(root, async (rel, path, entryName) => {
    if (ATOMIC_TEMP.test(entryName)) {
      scan.leftovers.push(rel);
      return;
    }
    if (!(await startsLikeEnvelope(path))) return;
    try {
      const info = inspectEnvelope(new Uint8Array(await fs.readFile(path)), rel);
      if (info.keyringName === name) scan.files.push({ path: rel, info });
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      scan.damaged.push(rel);
    }
  });
  scan.files.sort((a, b) => byPath(a.path, b.path));
  scan.leftovers.sort(byPath);
  return scan;
}

/** Temp files of interrupted atomic writes anywhere under ROOT (relative paths, sorted). */
export async function findLeftoverTemps(root: string): Promise<string[]> {
  const found: string[] = [];
  await walkFiles(root, async (rel, _path, entryName) => {
    if (ATOMIC_TEMP.test(entryName)) found.push(rel);
  });
  return found.sort(byPath);
}

/** Temp files an interrupted atomic write of FILE left beside it (paths joined to FILE's directory). */
export function leftoverTempsOf(file: string): string[] {
  const prefix = `.${basename(file)}.vaultfile-`;
  try {
    return readdirSync(dirname(file))
      .filter((name) => name.startsWith(prefix) && ATOMIC_TEMP.test(name))
      .sort(byPath)
      .map((name) => join(dirname(file), name));
  } catch {
    return [];
  }
}

/** The one-line warning for a leftover temp file (a decrypt's may hold plaintext). */
export function leftoverTempWarning(path: string): string {
  return `vault: warning: ${quotePath(path)} is a temp file left by an interrupted write and may hold plaintext (from a decrypt); remove it`;
}
