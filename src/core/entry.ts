/**
 * Keyring entries (docs/FORMAT.md §5.2): one way in to a data key. Each entry is one text line;
 * the data key is wrapped with AES-KW (RFC 3394, node:crypto) under a key derived from the entry's
 * KEK, and a commitment (HMAC-SHA-256 under a second derived key) is checked in constant time
 * before unwrapping, so no entry opens under two passwords (partitioning oracles, SECURITY.md §3.3).
 * This module computes no KDF itself: the caller passes the KEK.
 */
import { aesKeyUnwrap, aesKeyWrap } from './aes-kw.js';
import { concatBytes, equalBytes, utf8, wipe } from './bytes.js';
import { damaged } from './damage.js';
import { decodeBase64, encodeBase64 } from './armour.js';
import { DATA_KEY_LENGTH, KEY_ID_LENGTH, LABELS, dataKeyIdOf, entryKeys, hmacSha256 } from './derive.js';
import type { ScryptParams } from './kdf.js';
import {
  ENTRY_TYPE_PATTERN, PUBLIC_KINDS, formatPublicEntry, parsePublicEntry, type PublicEntry, type UnknownEntry,
} from './public-entry.js';

export const WRAPPED_LENGTH = DATA_KEY_LENGTH + 8;
export const ENTRY_SALT_LENGTH = 16;
export const COMMIT_LENGTH = 32;
export const LABEL_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const ID_PATTERN = /^[0-9a-f]{8}$/;

interface EntryBase {
  /** 8 lower-case hex characters, unique in the keyring; what `vault keys remove` takes. */
  id: string;
  label: string;
  salt: Uint8Array;
  wrapped: Uint8Array;
  commit: Uint8Array;
}
export interface PasswordEntry extends EntryBase {
  kind: 'password';
  scrypt: ScryptParams;
}
export interface KeyFileEntry extends EntryBase {
  kind: 'key-file';
  /** 16 bytes: HMAC-SHA-256(key file key, "vaultfile/v1 key id"), public. */
  keyId: Uint8Array;
}
export type SecretEntry = PasswordEntry | KeyFileEntry;
export type KeyringEntry = SecretEntry | PublicEntry | UnknownEntry;

export function isSecretEntry(entry: KeyringEntry): entry is SecretEntry {
  return entry.kind === 'password' || entry.kind === 'key-file';
}

/** The entry's line without `entry: ` and without ` commit=...`: what the commitment covers. */
function entryBody(entry: SecretEntry): string {
  const tail = `salt=${encodeBase64(entry.salt)} wrapped=${encodeBase64(entry.wrapped)}`;
  if (entry.kind === 'password') {
    const { logN, r, p } = entry.scrypt;
    return `${entry.id} password ${entry.label} scrypt logN=${logN} r=${r} p=${p} ${tail}`;
  }
  return `${entry.id} key-file ${entry.label} key-id=${encodeBase64(entry.keyId)} ${tail}`;
}

/** The text after `entry: ` on the entry's line. */
export function formatEntry(entry: KeyringEntry): string {
  if (!isSecretEntry(entry)) return formatPublicEntry(entry);
  return `${entryBody(entry)} commit=${encodeBase64(entry.commit)}`;
}

const PASSWORD_LINE =
  /^([^ ]+) password ([^ ]+) scrypt logN=(0|[1-9][0-9]{0,2}) r=(0|[1-9][0-9]{0,5}) p=(0|[1-9][0-9]{0,5}) salt=([^ ]+) wrapped=([^ ]+) commit=([^ ]+)$/;
const KEY_FILE_LINE = /^([^ ]+) key-file ([^ ]+) key-id=([^ ]+) salt=([^ ]+) wrapped=([^ ]+) commit=([^ ]+)$/;

/** Parse the text after `entry: `; FormatError naming `origin` and `where` on any deviation. */
export function parseEntry(text: string, origin: string, where: string): KeyringEntry {
  const bad = (detail: string) => damaged(origin, `${where}: ${detail}`);
  const bytes = (value: string, length: number, name: string): Uint8Array => {
    const decoded = decodeBase64(value);
    if (decoded === null) throw bad(`${name} is not canonical base64`);
    if (decoded.length !== length) throw bad(`${name} must be ${length} bytes, not ${decoded.length}`);
    return decoded;
  };
  const other = /^([^ ]+) ([^ ]+) ([^ ]+) (.*)$/.exec(text);
  if (other && other[2] !== 'password' && other[2] !== 'key-file') {
    const [, id, type, label, rest] = other as unknown as [string, string, string, string, string];
    if (!ID_PATTERN.test(id)) throw bad('the entry id must be 8 lower-case hex digits');
    if (!LABEL_PATTERN.test(label)) throw bad('the label may hold only A-Z a-z 0-9 . _ @ - (1 to 64)');
    if ((PUBLIC_KINDS as readonly string[]).includes(type)) {
      return parsePublicEntry(id, type as PublicEntry['kind'], label, rest, bad);
    }
    // A type from a newer vaultfile: kept verbatim so the keyring can still be opened through
    // the entries this version knows, but never rewritten by it (FORMAT.md §5.5.5).
    if (ENTRY_TYPE_PATTERN.test(type)) return { kind: 'unknown', id, label, type, text };
  }
  const password = PASSWORD_LINE.exec(text);
  const keyFile = password ? null : KEY_FILE_LINE.exec(text);
  const match = password ?? keyFile;
  if (!match) throw bad('not a valid entry line');
  const [, id, label] = match as unknown as [string, string, string];
  if (!ID_PATTERN.test(id)) throw bad('the entry id must be 8 lower-case hex digits');
  if (!LABEL_PATTERN.test(label)) throw bad('the label may hold only A-Z a-z 0-9 . _ @ - (1 to 64)');
  if (password) {
    const [, , , logN, r, p, salt, wrapped, commit] = password as unknown as string[];
    return {
      kind: 'password', id, label,
      scrypt: { logN: Number(logN), r: Number(r), p: Number(p) },
      salt: bytes(salt as string, ENTRY_SALT_LENGTH, 'salt'),
      wrapped: bytes(wrapped as string, WRAPPED_LENGTH, 'wrapped key'),
      commit: bytes(commit as string, COMMIT_LENGTH, 'commit'),
    };
  }
  const [, , , keyId, salt, wrapped, commit] = keyFile as unknown as string[];
  return {
    kind: 'key-file', id, label,
    keyId: bytes(keyId as string, KEY_ID_LENGTH, 'key-id'),
    salt: bytes(salt as string, ENTRY_SALT_LENGTH, 'salt'),
    wrapped: bytes(wrapped as string, WRAPPED_LENGTH, 'wrapped key'),
    commit: bytes(commit as string, COMMIT_LENGTH, 'commit'),
  };
}

/** HMAC-SHA-256(commitKey, label || 0x0a || dataKeyId || 0x0a || entry body). */
function commitment(commitKey: Uint8Array, dataKeyId: Uint8Array, entry: SecretEntry): Uint8Array {
  const message = concatBytes(
    utf8(`${LABELS.entryCommit}\n`), dataKeyId, utf8(`\n${entryBody(entry)}`),
  );
  return hmacSha256(commitKey, message);
}

/**
 * Complete an entry whose id, label, salt and kind fields are set: wrap `dataKey` under `kek`
 * and compute the commitment. `kek` is not zeroed here (the caller owns it).
 */
export function sealEntry<T extends SecretEntry>(
  fields: Omit<T, 'wrapped' | 'commit'>, kek: Uint8Array, dataKey: Uint8Array,
): T {
  const { wrapKey, commitKey } = entryKeys(kek);
  try {
    const wrapped = aesKeyWrap(wrapKey, dataKey);
    const entry = { ...fields, wrapped, commit: new Uint8Array(COMMIT_LENGTH) } as unknown as T;
    entry.commit = commitment(commitKey, dataKeyIdOf(dataKey), entry);
    return entry;
  } finally {
    wipe(wrapKey, commitKey);
  }
}

/**
 * The data key if `kek` opens this entry of a keyring whose data key id is `dataKeyId`, else null.
 * The commitment is checked first (constant time); the unwrapped key must match `dataKeyId`.
 */
export function openEntry(entry: SecretEntry, kek: Uint8Array, dataKeyId: Uint8Array): Uint8Array | null {
  const { wrapKey, commitKey } = entryKeys(kek);
  try {
    if (!equalBytes(commitment(commitKey, dataKeyId, entry), entry.commit)) return null;
    let dataKey: Uint8Array;
    try {
      dataKey = aesKeyUnwrap(wrapKey, entry.wrapped);
    } catch {
      return null;
    }
    if (dataKey.length !== DATA_KEY_LENGTH || !equalBytes(dataKeyIdOf(dataKey), dataKeyId)) {
      wipe(dataKey);
      return null;
    }
    return dataKey;
  } finally {
    wipe(wrapKey, commitKey);
  }
}
