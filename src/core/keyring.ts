/**
 * Keyrings (DESIGN.md §3, docs/FORMAT.md §5): a random data key, the entries that wrap it for each
 * way in, and the previous data keys (after rotation) wrapped under the current one. A keyring is a
 * committed, line-based, diffable text file with no secret in the clear; a MAC keyed from the data
 * key over every line detects hand edits once the keyring is unlocked. Pure: text in, text out;
 * every function returns a new value and never mutates its arguments.
 */
import { aeskw } from '@noble/ciphers/aes.js';
import { AuthError, FormatError, NoKeyError, UsageError, quotePath } from '../errors.js';
import type { Credential } from './credential.js';
import type { RandomSource } from './random.js';
import { copyBytes, equalBytes, toHex, utf8, wipe } from './bytes.js';
import { damaged } from './damage.js';
import { decodeBase64, encodeBase64 } from './armour.js';
import {
  DATA_KEY_ID_LENGTH, DATA_KEY_LENGTH, dataKeyIdOf, hmacSha256, keyFileId, keyFileKek, keyringMacKey,
  previousKeyWrapKey,
} from './derive.js';
import {
  ENTRY_SALT_LENGTH, LABEL_PATTERN, WRAPPED_LENGTH, formatEntry, openEntry, parseEntry, sealEntry,
  type KeyFileEntry, type KeyringEntry, type PasswordEntry,
} from './entry.js';
import { DEFAULT_SCRYPT, checkWriteParams, type KdfCache, type ScryptParams } from './kdf.js';

export type { KeyringEntry, PasswordEntry, KeyFileEntry } from './entry.js';

export const KEYRING_HEADER = 'vaultfile-keyring v1';
export const MAX_ENTRIES = 64;
export const MAX_INLINE_ENTRIES = 8;
export const MAX_PREVIOUS = 1000;
const MAC_LENGTH = 32;

/** An old data key, kept after `vault rotate` so history stays readable. */
export interface PreviousKey {
  dataKeyId: Uint8Array;
  /** AES-KW of the old data key under HKDF(current data key, "vaultfile/v1 previous key"). */
  wrapped: Uint8Array;
}

export interface Keyring {
  /** [A-Za-z0-9._@-]{1,64}; '' for a keyring carried inline in an envelope. */
  name: string;
  dataKeyId: Uint8Array;
  entries: KeyringEntry[];
  previous: PreviousKey[];
  /** The MAC read from the file; null for a keyring not read from a file (new or inline). */
  mac: Uint8Array | null;
  /** Where it came from, for messages: a path, or the envelope holding an inline keyring. */
  origin: string;
}

export interface UnlockedKeyring {
  keyring: Keyring;
  dataKey: Uint8Array;
  /** Hex data key id -> data key: the current key and every previous one. */
  dataKeys: Map<string, Uint8Array>;
}

export function isInlineKeyring(keyring: Keyring): boolean {
  return keyring.name === '';
}

function checkName(name: string): void {
  if (name !== '' && !LABEL_PATTERN.test(name)) {
    throw new UsageError(`keyring name "${name}" is not allowed; use 1 to 64 of A-Z a-z 0-9 . _ @ -`);
  }
}

/** A new keyring with a fresh data key and no entries yet; name '' makes an inline keyring. */
export function createKeyring(name: string, random: RandomSource): UnlockedKeyring {
  checkName(name);
  const dataKey = copyBytes(random(DATA_KEY_LENGTH));
  const dataKeyId = dataKeyIdOf(dataKey);
  const origin = name === '' ? 'inline keyring' : `keyring ${name}`;
  return {
    keyring: { name, dataKeyId, entries: [], previous: [], mac: null, origin },
    dataKey,
    dataKeys: new Map([[toHex(dataKeyId), dataKey]]),
  };
}

function newEntryId(keyring: Keyring, random: RandomSource): string {
  for (;;) {
    const id = toHex(random(4));
    if (!keyring.entries.some((entry) => entry.id === id)) return id;
  }
}

/** Add a way in for `credential`; runs scrypt once for a password (through `kdf`). */
export async function addEntry(
  unlocked: UnlockedKeyring, credential: Credential, label: string, kdf: KdfCache,
  random: RandomSource, params: ScryptParams = DEFAULT_SCRYPT,
): Promise<UnlockedKeyring> {
  const { keyring, dataKey } = unlocked;
  if (!LABEL_PATTERN.test(label)) {
    throw new UsageError(`entry label "${label}" is not allowed; use 1 to 64 of A-Z a-z 0-9 . _ @ -`);
  }
  if (keyring.entries.some((entry) => entry.label === label)) {
    throw new UsageError(`keyring "${keyring.name}" already has an entry labelled "${label}"; choose another --label`);
  }
  if (keyring.entries.length >= (keyring.name === '' ? MAX_INLINE_ENTRIES : MAX_ENTRIES)) {
    throw new UsageError(`keyring "${keyring.name}" already has ${keyring.entries.length} entries, the most allowed`);
  }
  const id = newEntryId(keyring, random);
  const salt = copyBytes(random(ENTRY_SALT_LENGTH));
  let entry: KeyringEntry;
  if (credential.kind === 'password') {
    checkWriteParams(params);
    if (credential.password.length === 0) throw new UsageError(`${credential.origin}: empty password refused`);
    const kek = await kdf.derive(credential.password, salt, params, keyring.origin);
    try {
      entry = sealEntry<PasswordEntry>({ kind: 'password', id, label, scrypt: { ...params }, salt }, kek, dataKey);
    } finally {
      wipe(kek);
    }
  } else {
    const keyId = keyFileId(credential.key);
    if (keyring.entries.some((e) => e.kind === 'key-file' && equalBytes(e.keyId, keyId))) {
      throw new UsageError(`${credential.origin}: this key file is already in keyring "${keyring.name}"`);
    }
    const kek = keyFileKek(credential.key, salt);
    try {
      entry = sealEntry<KeyFileEntry>({ kind: 'key-file', id, label, keyId, salt }, kek, dataKey);
    } finally {
      wipe(kek);
    }
  }
  return { ...unlocked, keyring: { ...keyring, entries: [...keyring.entries, entry], mac: null } };
}

/** Drop the entry with this id or label. Follow with rotateKeyring: the member could read everything so far. */
export function removeEntry(unlocked: UnlockedKeyring, idOrLabel: string): UnlockedKeyring {
  const { keyring } = unlocked;
  const index = keyring.entries.findIndex((entry) => entry.id === idOrLabel || entry.label === idOrLabel);
  if (index < 0) {
    throw new UsageError(`keyring "${keyring.name}" has no entry "${idOrLabel}"; run "vault keys list"`);
  }
  if (keyring.entries.length === 1) {
    throw new UsageError(`refusing to remove the last entry of keyring "${keyring.name}": nobody could open it; add another entry first`);
  }
  const entries = keyring.entries.filter((_, i) => i !== index);
  return { ...unlocked, keyring: { ...keyring, entries, mac: null } };
}

/** The KEK that `credential` gives for `entry`, or null when it cannot apply. Caller zeroes it. */
async function kekFor(entry: KeyringEntry, credential: Credential, kdf: KdfCache, origin: string): Promise<Uint8Array | null> {
  if (entry.kind === 'key-file') {
    if (credential.kind !== 'key-file' || !equalBytes(keyFileId(credential.key), entry.keyId)) return null;
    return keyFileKek(credential.key, entry.salt);
  }
  if (credential.kind !== 'password') return null;
  return kdf.derive(credential.password, entry.salt, entry.scrypt, origin);
}

/** Candidate (entry, credential) pairs: key files first (cheap), then passwords, matching labels first. */
function attempts(keyring: Keyring, credentials: Credential[]): [KeyringEntry, Credential][] {
  const pairs: [KeyringEntry, Credential][] = [];
  for (const credential of credentials.filter((c) => c.kind === 'key-file')) {
    for (const entry of keyring.entries) {
      if (entry.kind === 'key-file') pairs.push([entry, credential]);
    }
  }
  const passwords = credentials.filter((c) => c.kind === 'password');
  const ranked = (c: Credential) => keyring.entries.filter((e) => e.kind === 'password')
    .sort((a, b) => Number(b.label === (c as { label?: string }).label) - Number(a.label === (c as { label?: string }).label));
  for (const credential of passwords) for (const entry of ranked(credential)) pairs.push([entry, credential]);
  return pairs;
}

/**
 * Unlock with the first credential that opens an entry. AuthError when credentials were given and
 * none opens an entry (wrong password, a key file that matches no entry, or tampering: one class
 * on purpose); NoKeyError when no credential was given at all. Then verifies the keyring MAC.
 */
export async function openKeyring(keyring: Keyring, credentials: Credential[], kdf: KdfCache): Promise<UnlockedKeyring> {
  const q = quotePath(keyring.origin);
  const origins = credentials.map((c) => c.origin).join(', ');
  if (credentials.length === 0) {
    throw new NoKeyError(`${q}: no key given; pass --password-file, --key-file or set VAULTFILE_PASSWORD_FILE`);
  }
  let tried = false;
  let dataKey: Uint8Array | null = null;
  for (const [entry, credential] of attempts(keyring, credentials)) {
    const kek = await kekFor(entry, credential, kdf, keyring.origin);
    if (kek === null) continue;
    tried = true;
    try {
      dataKey = openEntry(entry, kek, keyring.dataKeyId);
    } finally {
      wipe(kek);
    }
    if (dataKey !== null) break;
  }
  if (dataKey === null) {
    if (!tried) {
      // A key source was given but is the wrong key: class 4 like a wrong password (errors.ts);
      // the key id that did not match is public, so saying "matches no entry" leaks nothing.
      throw new AuthError(`${q}: no keyring entry matches ${origins}; use a key that was added with "vault keys add"`);
    }
    throw new AuthError(`${q}: no keyring entry opens with ${origins}; check the password or key file, or run "vault keys list"`);
  }
  if (keyring.mac !== null) {
    const key = keyringMacKey(dataKey);
    const ok = equalBytes(hmacSha256(key, utf8(signedText(keyring))), keyring.mac);
    wipe(key);
    if (!ok) {
      wipe(dataKey);
      throw new AuthError(`${q}: keyring ${keyring.name} was modified outside vaultfile; restore it from version control`);
    }
  }
  return { keyring, dataKey, dataKeys: unwrapPrevious(keyring, dataKey) };
}

function unwrapPrevious(keyring: Keyring, dataKey: Uint8Array): Map<string, Uint8Array> {
  const dataKeys = new Map<string, Uint8Array>([[toHex(keyring.dataKeyId), dataKey]]);
  if (keyring.previous.length === 0) return dataKeys;
  const wrapKey = previousKeyWrapKey(dataKey);
  try {
    for (const previous of keyring.previous) {
      let old: Uint8Array;
      try {
        old = aeskw(wrapKey).decrypt(previous.wrapped);
      } catch {
        throw new AuthError(`${quotePath(keyring.origin)}: a previous data key does not unwrap; restore the keyring from version control`);
      }
      if (!equalBytes(dataKeyIdOf(old), previous.dataKeyId)) {
        throw new AuthError(`${quotePath(keyring.origin)}: a previous data key does not match its id; restore the keyring from version control`);
      }
      dataKeys.set(toHex(previous.dataKeyId), old);
    }
  } finally {
    wipe(wrapKey);
  }
  return dataKeys;
}

/**
 * A new data key for the keyring; every previous key (and the current one) is kept wrapped under
 * it. Entries are re-wrapped for the credentials given (their KEKs come from `kdf`, normally
 * already cached by openKeyring); entries no credential opens are dropped and returned in
 * `dropped`, so the caller can refuse or confirm before writing anything.
 */
export async function rotateKeyring(
  unlocked: UnlockedKeyring, credentials: Credential[], kdf: KdfCache, random: RandomSource,
): Promise<{ unlocked: UnlockedKeyring; dropped: KeyringEntry[] }> {
  const { keyring } = unlocked;
  const fresh = createKeyring(keyring.name, random);
  const entries: KeyringEntry[] = [];
  const dropped: KeyringEntry[] = [];
  for (const entry of keyring.entries) {
    let rewrapped: KeyringEntry | null = null;
    for (const credential of credentials) {
      const kek = await kekFor(entry, credential, kdf, keyring.origin);
      if (kek === null) continue;
      try {
        const old = openEntry(entry, kek, keyring.dataKeyId);
        if (old !== null) {
          wipe(old);
          const { wrapped: _w, commit: _c, ...fields } = entry;
          rewrapped = sealEntry<KeyringEntry>(fields as Omit<KeyringEntry, 'wrapped' | 'commit'>, kek, fresh.dataKey);
        }
      } finally {
        wipe(kek);
      }
      if (rewrapped) break;
    }
    if (rewrapped) entries.push(rewrapped);
    else dropped.push(entry);
  }
  const wrapKey = previousKeyWrapKey(fresh.dataKey);
  const previous: PreviousKey[] = [];
  const dataKeys = new Map(fresh.dataKeys);
  // The current key is carried even if the caller's map lacks it (a keyring built by hand).
  const old = new Map(unlocked.dataKeys).set(toHex(keyring.dataKeyId), unlocked.dataKey);
  try {
    for (const [hexId, key] of old) {
      previous.push({ dataKeyId: dataKeyIdOf(key), wrapped: aeskw(wrapKey).encrypt(key) });
      dataKeys.set(hexId, key);
    }
  } finally {
    wipe(wrapKey);
  }
  // Newest first: the key that was current until now leads the list.
  previous.sort((a, b) => Number(equalBytes(b.dataKeyId, keyring.dataKeyId)) - Number(equalBytes(a.dataKeyId, keyring.dataKeyId)));
  if (previous.length > MAX_PREVIOUS) throw new UsageError(`keyring "${keyring.name}" has been rotated ${MAX_PREVIOUS} times, the most allowed`);
  return {
    unlocked: { keyring: { ...fresh.keyring, entries, previous, origin: keyring.origin }, dataKey: fresh.dataKey, dataKeys },
    dropped,
  };
}

/** Every line above the `mac:` line, each ending with `\n`: what the keyring MAC covers. */
function signedText(keyring: Keyring): string {
  const lines = [KEYRING_HEADER, `name: ${keyring.name}`, `data-key-id: ${encodeBase64(keyring.dataKeyId)}`];
  for (const entry of keyring.entries) lines.push(`entry: ${formatEntry(entry)}`);
  for (const old of keyring.previous) lines.push(`previous: ${encodeBase64(old.dataKeyId)} ${encodeBase64(old.wrapped)}`);
  return lines.map((line) => `${line}\n`).join('');
}

/** The keyring file text (ends with `\n`), its MAC recomputed under the data key. */
export function serializeKeyring(unlocked: UnlockedKeyring): string {
  const { keyring, dataKey } = unlocked;
  if (isInlineKeyring(keyring)) throw new UsageError('an inline keyring has no keyring file');
  if (keyring.entries.length === 0) throw new UsageError(`keyring "${keyring.name}" has no entries; add one before writing it`);
  const text = signedText(keyring);
  const key = keyringMacKey(dataKey);
  const mac = hmacSha256(key, utf8(text));
  wipe(key);
  return `${text}mac: ${encodeBase64(mac)}\n`;
}

/** Parse a keyring file strictly (the reader's checks of docs/FORMAT.md §5.4); no key needed. */
export function parseKeyring(text: string, origin: string): Keyring {
  const bad = (detail: string): FormatError => damaged(origin, detail);
  if (text.includes('\r')) throw bad('the keyring has CR line endings (restore LF endings; check core.autocrlf)');
  if (!text.endsWith('\n')) throw bad('truncated (the last line has no newline)');
  const lines = text.slice(0, -1).split('\n');
  const first = lines[0] as string;
  if (first !== KEYRING_HEADER) {
    const version = /^vaultfile-keyring v([0-9]+)$/.exec(first)?.[1];
    if (version !== undefined && /^[1-9][0-9]*$/.test(version) && Number(version) > 1) {
      throw new FormatError(`${quotePath(origin)}: written by a newer vaultfile (keyring version ${version}); upgrade vaultfile`);
    }
    throw new FormatError(`${quotePath(origin)}: not a vaultfile keyring (the first line is not "${KEYRING_HEADER}")`);
  }
  let n = 1;
  const field = (prefix: string): string => {
    const line = lines[n];
    if (line === undefined || !line.startsWith(prefix)) throw bad(`line ${n + 1} must start with "${prefix}"`);
    n++;
    return line.slice(prefix.length);
  };
  const name = field('name: ');
  if (!LABEL_PATTERN.test(name)) throw bad('line 2: the keyring name may hold only A-Z a-z 0-9 . _ @ - (1 to 64)');
  const dataKeyId = decodeBase64(field('data-key-id: '));
  if (dataKeyId === null || dataKeyId.length !== DATA_KEY_ID_LENGTH) throw bad(`line 3: data-key-id must be ${DATA_KEY_ID_LENGTH} bytes of canonical base64`);
  const entries: KeyringEntry[] = [];
  while (lines[n]?.startsWith('entry: ')) {
    if (entries.length >= MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
    const entry = parseEntry((lines[n] as string).slice(7), origin, `line ${n + 1}`);
    if (entries.some((e) => e.id === entry.id || e.label === entry.label)) throw bad(`line ${n + 1}: duplicate entry id or label`);
    entries.push(entry);
    n++;
  }
  const previous: PreviousKey[] = [];
  while (lines[n]?.startsWith('previous: ')) {
    if (previous.length >= MAX_PREVIOUS) throw bad(`more than ${MAX_PREVIOUS} previous keys`);
    const parts = (lines[n] as string).slice(10).split(' ');
    const id = parts.length === 2 ? decodeBase64(parts[0] as string) : null;
    const wrapped = parts.length === 2 ? decodeBase64(parts[1] as string) : null;
    if (id === null || id.length !== DATA_KEY_ID_LENGTH || wrapped === null || wrapped.length !== WRAPPED_LENGTH) {
      throw bad(`line ${n + 1}: a previous key is a ${DATA_KEY_ID_LENGTH}-byte id and a ${WRAPPED_LENGTH}-byte wrapped key in canonical base64`);
    }
    previous.push({ dataKeyId: id, wrapped });
    n++;
  }
  const mac = decodeBase64(field('mac: '));
  if (mac === null || mac.length !== MAC_LENGTH) throw bad(`line ${n}: mac must be ${MAC_LENGTH} bytes of canonical base64`);
  if (n !== lines.length) throw bad(`line ${n + 1}: nothing may follow the mac line`);
  if (entries.length === 0) throw bad('the keyring has no entries');
  return { name, dataKeyId, entries, previous, mac, origin };
}

/** Inline keyrings (inside an envelope): the entry lines only, each ending with `\n`. */
export function serializeInlineEntries(keyring: Keyring): string {
  return keyring.entries.map((entry) => `entry: ${formatEntry(entry)}\n`).join('');
}

export function parseInlineEntries(text: string, origin: string): KeyringEntry[] {
  if (!text.endsWith('\n')) throw damaged(origin, 'the inline keyring does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  // A hostile file could list many slow scrypt entries; an inline keyring is made by one run of
  // the tool for the few credentials it was given (DESIGN.md §3), so a small cap costs nothing.
  if (lines.length > MAX_INLINE_ENTRIES) throw damaged(origin, `more than ${MAX_INLINE_ENTRIES} inline keyring entries`);
  const entries = lines.map((line, i) => {
    if (!line.startsWith('entry: ')) throw damaged(origin, `inline keyring line ${i + 1} is not an entry`);
    return parseEntry(line.slice(7), origin, `inline keyring line ${i + 1}`);
  });
  return entries;
}
