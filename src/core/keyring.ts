/**
 * Keyrings (DESIGN.md §3, docs/FORMAT.md §5): a random data key, the entries that wrap it for each
 * way in, and the previous data keys (after rotation) wrapped under the current one. A keyring is a
 * committed, line-based, diffable text file with no secret in the clear; a MAC keyed from the data
 * key over every line detects hand edits once the keyring is unlocked. Pure: text in, text out;
 * every function returns a new value and never mutates its arguments.
 */
import { aesKeyUnwrap, aesKeyWrap } from './aes-kw.js';
import { AuthError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { isSecretCredential, type Credential } from './credential.js';
import type { RandomSource } from './random.js';
import { copyBytes, equalBytes, toHex, utf8, wipe } from './bytes.js';
import { MAX_ENTRIES, MAX_INLINE_ENTRIES, MAX_PREVIOUS, refuseUnknownEntries, signedText } from './keyring-text.js';
import {
  DATA_KEY_LENGTH, dataKeyIdOf, hmacSha256, keyFileId, keyFileKek, keyringMacKey,
  previousKeyWrapKey,
} from './derive.js';
import {
  ENTRY_SALT_LENGTH, LABEL_PATTERN, isSecretEntry, openEntry, sealEntry,
  type KeyFileEntry, type KeyringEntry, type PasswordEntry, type SecretEntry,
} from './entry.js';
import { appliesTo, noEntryOpens, openPublicEntry, type OpenNote } from './public-open.js';
import { sealPublicEntry, type PublicEntry, type PublicEntryFields } from './public-entry.js';
import { KEYRING_NAME_RULE, isKeyringName } from './keyring-name.js';
import { DEFAULT_SCRYPT, checkWriteParams, type KdfCache, type ScryptParams } from './kdf.js';

export type { KeyringEntry, PasswordEntry, KeyFileEntry } from './entry.js';
export type { PublicEntry, KmsAccess } from './public-entry.js';

export {
  KEYRING_HEADER, MAX_ENTRIES, MAX_INLINE_ENTRIES, MAX_PREVIOUS, parseInlineEntries, parseKeyring,
  serializeInlineEntries, serializeKeyring,
} from './keyring-text.js';

/** An old data key, kept after `vault rotate` so history stays readable. */
export interface PreviousKey {
  dataKeyId: Uint8Array;
  /** AES-KW of the old data key under HKDF(current data key, "vaultfile/v1 previous key"). */
  wrapped: Uint8Array;
}

export interface Keyring {
  /** A name by the rule of keyring-name.ts; '' for a keyring carried inline in an envelope. */
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
  if (name !== '' && !isKeyringName(name)) {
    throw new UsageError(`keyring name "${name}" is not allowed; use ${KEYRING_NAME_RULE}`);
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

export function newEntryId(keyring: Keyring, random: RandomSource): string {
  for (;;) {
    const id = toHex(random(4));
    if (!keyring.entries.some((entry) => entry.id === id)) return id;
  }
}

export function checkAddable(keyring: Keyring, label: string): void {
  if (!LABEL_PATTERN.test(label)) {
    throw new UsageError(`entry label "${label}" is not allowed; use 1 to 64 of A-Z a-z 0-9 . _ @ -`);
  }
  if (keyring.entries.some((entry) => entry.label === label)) {
    throw new UsageError(`keyring "${keyring.name}" already has an entry labelled "${label}"; choose another --label`);
  }
  if (keyring.entries.length >= (keyring.name === '' ? MAX_INLINE_ENTRIES : MAX_ENTRIES)) {
    throw new UsageError(`keyring "${keyring.name}" already has ${keyring.entries.length} entries, the most allowed`);
  }
}

/** Add a way in for `credential`; runs scrypt once for a password (through `kdf`). */
export async function addEntry(
  unlocked: UnlockedKeyring, credential: Credential, label: string, kdf: KdfCache,
  random: RandomSource, params: ScryptParams = DEFAULT_SCRYPT,
): Promise<UnlockedKeyring> {
  const { keyring, dataKey } = unlocked;
  checkAddable(keyring, label);
  if (credential.kind === 'identity' || credential.kind === 'kms') {
    throw new UsageError(`${credential.origin}: add its public recipient with "vault keys add --recipient" instead`);
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
async function kekFor(entry: SecretEntry, credential: Credential, kdf: KdfCache, origin: string): Promise<Uint8Array | null> {
  if (entry.kind === 'key-file') {
    if (credential.kind !== 'key-file' || !equalBytes(keyFileId(credential.key), entry.keyId)) return null;
    return keyFileKek(credential.key, entry.salt);
  }
  if (credential.kind !== 'password') return null;
  return kdf.derive(credential.password, entry.salt, entry.scrypt, origin);
}

/**
 * Candidate (entry, credential) pairs: key files first (cheap), then identities on the entries
 * of their recipients, then passwords (matching labels first), then KMS (a network call).
 */
function attempts(keyring: Keyring, credentials: Credential[]): [KeyringEntry, Credential][] {
  const pairs: [KeyringEntry, Credential][] = [];
  for (const credential of credentials.filter((c) => c.kind === 'key-file')) {
    for (const entry of keyring.entries) {
      if (entry.kind === 'key-file') pairs.push([entry, credential]);
    }
  }
  const publicEntries = keyring.entries.filter((e): e is PublicEntry => e.kind === 'age' || e.kind === 'ssh' || e.kind === 'kms');
  for (const credential of credentials.filter((c) => c.kind === 'identity')) {
    for (const entry of publicEntries) if (appliesTo(entry, credential)) pairs.push([entry, credential]);
  }
  const passwords = credentials.filter((c) => c.kind === 'password');
  const ranked = (c: Credential) => keyring.entries.filter((e) => e.kind === 'password')
    .sort((a, b) => Number(b.label === (c as { label?: string }).label) - Number(a.label === (c as { label?: string }).label));
  for (const credential of passwords) for (const entry of ranked(credential)) pairs.push([entry, credential]);
  for (const credential of credentials.filter((c) => c.kind === 'kms')) {
    for (const entry of publicEntries) if (appliesTo(entry, credential)) pairs.push([entry, credential]);
  }
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
  const notes: OpenNote[] = [];
  for (const [entry, credential] of attempts(keyring, credentials)) {
    if (!isSecretEntry(entry)) {
      tried = true;
      dataKey = await openPublicEntry(entry as PublicEntry, credential, keyring.name, keyring.dataKeyId, notes);
      if (dataKey !== null) break;
      continue;
    }
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
    if (credentials.every((c) => !isSecretCredential(c))) throw noEntryOpens(keyring, credentials, notes, tried);
    if (!tried) {
      // A key source was given but is the wrong key: class 4 like a wrong password (errors.ts);
      // the key id that did not match is public, so saying "matches no entry" leaks nothing.
      throw new AuthError(`${q}: no keyring entry matches ${origins}; use a key that was added with "vault keys add"`);
    }
    throw new AuthError(`${q}: no keyring entry opens with ${origins}; check the password or key file, or run "vault keys list"`);
  }
  return unlockWithDataKey(keyring, dataKey);
}

/**
 * Unlock KEYRING with a data key already known (stored by `vault unlock` for the git filters):
 * the key must match the keyring's data key id, and the keyring MAC must verify under it.
 */
export function unlockWithDataKey(keyring: Keyring, dataKey: Uint8Array): UnlockedKeyring {
  const q = quotePath(keyring.origin);
  if (!equalBytes(dataKeyIdOf(dataKey), keyring.dataKeyId)) {
    throw new AuthError(`${q}: the stored data key is not this keyring's; run "vault unlock" again`);
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
        old = aesKeyUnwrap(wrapKey, previous.wrapped);
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
  refuseUnknownEntries(keyring);
  const fresh = createKeyring(keyring.name, random);
  const entries: KeyringEntry[] = [];
  const dropped: KeyringEntry[] = [];
  const kms = credentials.find((c) => c.kind === 'kms')?.kms;
  for (const entry of keyring.entries) {
    if (!isSecretEntry(entry)) {
      // Public-key and KMS entries are re-wrapped from public data alone (DESIGN.md §3), so
      // rotating after a member leaves never needs the other members' secrets.
      const { wrapped: _w, commit: _c, ...fields } = entry as PublicEntry;
      entries.push(await sealPublicEntry(fields as PublicEntryFields, fresh.dataKey, { keyringName: keyring.name, random, ...(kms ? { kms } : {}) }));
      continue;
    }
    let rewrapped: KeyringEntry | null = null;
    for (const credential of credentials) {
      const kek = await kekFor(entry, credential, kdf, keyring.origin);
      if (kek === null) continue;
      try {
        const old = openEntry(entry, kek, keyring.dataKeyId);
        if (old !== null) {
          wipe(old);
          const { wrapped: _w, commit: _c, ...fields } = entry;
          rewrapped = sealEntry<SecretEntry>(fields as Omit<SecretEntry, 'wrapped' | 'commit'>, kek, fresh.dataKey);
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
      previous.push({ dataKeyId: dataKeyIdOf(key), wrapped: aesKeyWrap(wrapKey, key) });
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
