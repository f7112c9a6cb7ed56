/**
 * What a clone remembers of each keyring (docs/FORMAT.md §5.6, docs/SECURITY.md): the data key id
 * of the newest keyring it has accepted and the ids that keyring retired, in
 * `<common git dir>/vaultfile/history/<keyring>` (not secret; survives `vault lock`). A keyring
 * committed by someone else is accepted for sealing only when it is that keyring or descends from
 * it by `vault rotate` (its previous keys hold ours, unwrapped and checked under its MAC): a
 * replayed older keyring, or one made from scratch by an attacker, never receives a new secret.
 * Reads and writes only its own small files; never prints.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../core/bytes.js';
import type { UnlockedKeyring } from '../core/keyring.js';
import { AuthError, FileSystemError, quotePath } from '../errors.js';
import { readBoundedFile } from '../fs/safe-read.js';
import { assertKeyringName, readStoredKeys, type GitDirs } from './key-store.js';

export interface KeyringHistory {
  /** Hex id of the newest data key this clone has accepted. */
  current: string;
  /** Hex ids of the data keys that keyring retired (its previous keys). */
  retired: Set<string>;
}

/** How a keyring stands against the clone's memory. */
export type KeyringStanding = 'unknown' | 'same' | 'newer' | 'rolled-back' | 'foreign';

const HEX_ID = /^[0-9a-f]{2,128}$/;
const MAX_HISTORY_BYTES = 256 * 1024;

export function historyPath(commonDir: string, name: string): string {
  assertKeyringName(name);
  return join(commonDir, 'vaultfile', 'history', name);
}

export function parseKeyringHistory(text: string, origin: string): KeyringHistory {
  let current: string | null = null;
  const retired = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [kind, id, extra] = line.split(' ');
    if (extra !== undefined || id === undefined || !HEX_ID.test(id) || (kind !== 'current' && kind !== 'retired') || (kind === 'current' && current !== null)) {
      throw new AuthError(`${quotePath(origin)}: damaged keyring history; remove it and run "vault unlock" again`);
    }
    if (kind === 'current') current = id;
    else retired.add(id);
  }
  if (current === null) throw new AuthError(`${quotePath(origin)}: damaged keyring history; remove it and run "vault unlock" again`);
  return { current, retired };
}

/**
 * The clone's memory of keyring NAME: its history file, else the keys `vault unlock` stored (a
 * clone unlocked before histories existed), else null (nothing seen yet).
 */
export function readKeyringHistory(commonDir: string, name: string): KeyringHistory | null {
  const path = historyPath(commonDir, name);
  const text = readBoundedFile(path, MAX_HISTORY_BYTES, 'the keyring history');
  if (text !== null) return parseKeyringHistory(text.toString('utf8'), path);
  const stored = readStoredKeys(commonDir, name);
  if (!stored) return null;
  return { current: stored.currentId, retired: new Set([...stored.keys.keys()].filter((id) => id !== stored.currentId)) };
}

/** Where UNLOCKED stands against HISTORY: only 'unknown', 'same' and 'newer' may be sealed under. */
export function keyringStanding(history: KeyringHistory | null, unlocked: UnlockedKeyring): KeyringStanding {
  if (history === null) return 'unknown';
  const id = toHex(unlocked.keyring.dataKeyId);
  if (id === history.current) return 'same';
  // dataKeys holds the previous keys unwrapped under this keyring's key and checked against their
  // ids (unlockWithDataKey): only whoever held our current key could have put it there.
  if (unlocked.dataKeys.has(history.current)) return 'newer';
  return history.retired.has(id) ? 'rolled-back' : 'foreign';
}

/** The one-line refusal for a keyring that may not be sealed under, or null when it may. */
export function standingError(standing: KeyringStanding, name: string, path: string): AuthError | null {
  const q = quotePath(path);
  if (standing === 'rolled-back') {
    return new AuthError(
      `keyring ${quotePath(name)} in the work tree is older than this clone's (rolled back, or this branch predates "vault rotate"): nothing is encrypted under its retired key; merge the branch that rotated it, or restore ${q} with "git checkout <that-branch> -- ${path}"`,
    );
  }
  if (standing === 'foreign') {
    return new AuthError(
      `keyring ${quotePath(name)} in the work tree does not descend from the one this clone knows (it was not made from it by "vault rotate"): nothing is encrypted under it; restore ${q} from version control and ask who changed it`,
    );
  }
  return null;
}

export function serializeKeyringHistory(history: KeyringHistory): string {
  const lines = ['# vaultfile keyring history: the newest data key this clone has accepted; not secret', `current ${history.current}`];
  for (const id of [...history.retired].sort()) if (id !== history.current) lines.push(`retired ${id}`);
  return `${lines.join('\n')}\n`;
}

/** Remember UNLOCKED as the newest keyring of its name (after a verified unlock, init or rotate). */
export function recordKeyring(commonDir: string, unlocked: UnlockedKeyring): void {
  const name = unlocked.keyring.name;
  const current = toHex(unlocked.keyring.dataKeyId);
  const retired = new Set([...unlocked.dataKeys.keys()].filter((id) => id !== current));
  const path = historyPath(commonDir, name);
  try {
    mkdirSync(join(commonDir, 'vaultfile', 'history'), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, serializeKeyringHistory({ current, retired }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    throw new FileSystemError(`cannot write the keyring history ${quotePath(path)}; check permissions on the git directory`, { cause: error });
  }
}

/**
 * Before sealing under UNLOCKED (read from PATH in the clone DIRS): refuse a rolled-back or foreign
 * keyring; remember a first-seen or newer one. Outside git there is no clone to remember anything.
 */
export function acceptKeyringForSealing(dirs: GitDirs | null, unlocked: UnlockedKeyring, path: string): void {
  if (dirs === null || unlocked.keyring.name === '') return;
  const standing = keyringStanding(readKeyringHistory(dirs.commonDir, unlocked.keyring.name), unlocked);
  const error = standingError(standing, unlocked.keyring.name, path);
  if (error) throw error;
  if (standing === 'unknown' || standing === 'newer') recordKeyring(dirs.commonDir, unlocked);
}

/** For `vault status`: a line when the work tree's keyring (data key CURRENT, hex) was rolled back. */
export function rollbackNotice(commonDir: string, name: string, current: string | null): string | null {
  const history = current === null ? null : readKeyringHistory(commonDir, name);
  if (history === null || current === history.current || !history.retired.has(current!)) return null;
  return `keyring ${quotePath(name)} in the work tree is older than this clone's (rolled back, or this branch predates "vault rotate"); merge the branch that rotated it before encrypting anything`;
}
