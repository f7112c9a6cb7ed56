/**
 * Finds the files sealed under one keyring of a repository, by reading envelope headers (no key
 * needed): every regular file under the root whose first line is the envelope magic and whose
 * header names the keyring. Skips .git/, .vaultfile/, symlinks (the target is found where it
 * lives) and the temp files of interrupted atomic writes. Reads only; prints nothing.
 */
import { promises as fs } from 'node:fs';
import { join, relative } from 'node:path';
import { inspectEnvelope, isEnvelope, type EnvelopeInfo } from '../core/envelope.js';
import { VaultError } from '../errors.js';

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

/** Every file under ROOT sealed under keyring NAME, sorted by path. */
export async function findKeyringFiles(root: string, name: string): Promise<KeyringScan> {
  const scan: KeyringScan = { files: [], damaged: [] };
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path);
        continue;
      }
      if (!entry.isFile() || ATOMIC_TEMP.test(entry.name) || !(await startsLikeEnvelope(path))) continue;
      const rel = relative(root, path).split('\\').join('/');
      try {
        const info = inspectEnvelope(new Uint8Array(await fs.readFile(path)), rel);
        if (info.keyringName === name) scan.files.push({ path: rel, info });
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        scan.damaged.push(rel);
      }
    }
  };
  await walk(root);
  scan.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return scan;
}
