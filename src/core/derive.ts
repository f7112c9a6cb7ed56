/**
 * Every key derivation of format v1 in one place, with its exact label string (docs/FORMAT.md §4).
 * HKDF-SHA-256, HMAC-SHA-256 and SHA-256 come from node:crypto (OpenSSL; tested against
 * Wycheproof), which has them natively, so no JavaScript hash is loaded at start-up. Callers own
 * and zero the returned keys. The one state kept is a cache of OpenSSL key objects per data key
 * array (see keyObjectOf); it changes no result.
 */
import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { concatBytes, utf8 } from './bytes.js';

export const DATA_KEY_LENGTH = 32;
export const DATA_KEY_ID_LENGTH = 16;
export const FILE_SALT_LENGTH = 32;
export const KEY_ID_LENGTH = 16;

export const LABELS = {
  dataKeyId: 'vaultfile/v1 data key id',
  file: 'vaultfile/v1 file',
  deterministicSalt: 'vaultfile/v1 deterministic salt',
  keyFileKek: 'vaultfile/v1 key file',
  keyFileId: 'vaultfile/v1 key id',
  entryKeys: 'vaultfile/v1 entry keys',
  entryCommit: 'vaultfile/v1 entry commit',
  keyringMac: 'vaultfile/v1 keyring mac',
  previousKey: 'vaultfile/v1 previous key',
  publicEntryCommit: 'vaultfile/v1 public entry commit',
  ansiblePassword: 'vaultfile/v1 ansible password',
} as const;

const EMPTY = new Uint8Array(0);

/** Copy a Buffer result into memory of our own and wipe the Buffer. */
function owned(buffer: Buffer): Uint8Array {
  const out = concatBytes(buffer);
  buffer.fill(0);
  return out;
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return owned(createHmac('sha256', key).update(message).digest());
}

export function hkdfSha256(ikm: Uint8Array | KeyObject, salt: Uint8Array, info: string | Uint8Array, length: number): Uint8Array {
  // hkdfSync returns a fresh ArrayBuffer of its own (never pooled), so it needs no copy.
  return new Uint8Array(hkdfSync('sha256', ikm, salt, typeof info === 'string' ? utf8(info) : info, length));
}

/**
 * Node turns raw key bytes into an OpenSSL key object on every call, which was half the cost of
 * deriving a file's keys; a bulk command or the git filter derives thousands from one data key.
 * Keyed by the array's identity, so a data key is converted once per process. Callers never
 * derive from a key after wiping it, so a cached object cannot outlive its use.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();
function keyObjectOf(key: Uint8Array): KeyObject {
  let object = keyObjects.get(key);
  if (!object) {
    object = createSecretKey(key);
    keyObjects.set(key, object);
  }
  return object;
}

/** HKDF(dataKey, "", "vaultfile/v1 deterministic salt") per data key, as a key object (see above). */
const saltKeys = new WeakMap<Uint8Array, KeyObject>();

/** The public name of a data key: first 16 bytes of HMAC-SHA-256(dataKey, label); commits to the key. */
export function dataKeyIdOf(dataKey: Uint8Array): Uint8Array {
  return hmacSha256(dataKey, utf8(LABELS.dataKeyId)).slice(0, DATA_KEY_ID_LENGTH);
}

/** Per-file keys: HKDF(dataKey, fileSalt, "vaultfile/v1 file", 64) = payload key || header MAC key. */
export function fileKeys(dataKey: Uint8Array, fileSalt: Uint8Array): { payloadKey: Uint8Array; macKey: Uint8Array } {
  const okm = hkdfSha256(keyObjectOf(dataKey), fileSalt, LABELS.file, 64);
  const keys = { payloadKey: okm.slice(0, 32), macKey: okm.slice(32) };
  okm.fill(0);
  return keys;
}

/**
 * Deterministic mode's file salt: HMAC(HKDF(dataKey, "vaultfile/v1 deterministic salt"), plaintext).
 * Leaks by design: equal plaintexts under one data key give byte-identical envelopes, so readers
 * of the repository learn which files and versions are equal, the length, and can confirm a guess
 * of the plaintext if they can get it sealed (docs/FORMAT.md §6). Git clean filter only.
 */
export function deterministicSalt(dataKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  let saltKey = saltKeys.get(dataKey);
  if (!saltKey) {
    const key = hkdfSha256(keyObjectOf(dataKey), EMPTY, LABELS.deterministicSalt, 32);
    saltKey = createSecretKey(key);
    key.fill(0);
    saltKeys.set(dataKey, saltKey);
  }
  return owned(createHmac('sha256', saltKey).update(plaintext).digest());
}

/** KEK for a key-file entry: HKDF(keyFileKey, entrySalt, "vaultfile/v1 key file", 32); no stretching. */
export function keyFileKek(key: Uint8Array, entrySalt: Uint8Array): Uint8Array {
  return hkdfSha256(key, entrySalt, LABELS.keyFileKek, 32);
}

/** The key-id a key-file entry carries, so the opener tries only matching entries. */
export function keyFileId(key: Uint8Array): Uint8Array {
  return hmacSha256(key, utf8(LABELS.keyFileId)).slice(0, KEY_ID_LENGTH);
}

/** From a KEK: the AES-KW wrap key and the commitment key, HKDF(kek, "", "vaultfile/v1 entry keys", 64). */
export function entryKeys(kek: Uint8Array): { wrapKey: Uint8Array; commitKey: Uint8Array } {
  const okm = hkdfSha256(kek, EMPTY, LABELS.entryKeys, 64);
  const keys = { wrapKey: okm.slice(0, 32), commitKey: okm.slice(32) };
  okm.fill(0);
  return keys;
}

export function keyringMacKey(dataKey: Uint8Array): Uint8Array {
  return hkdfSha256(dataKey, EMPTY, LABELS.keyringMac, 32);
}

export function previousKeyWrapKey(dataKey: Uint8Array): Uint8Array {
  return hkdfSha256(dataKey, EMPTY, LABELS.previousKey, 32);
}

export function sha256Bytes(data: Uint8Array): Uint8Array {
  return owned(createHash('sha256').update(data).digest());
}

/**
 * A keyring's Ansible Vault password (docs/FORMAT.md §13): base64url, unpadded, of
 * HKDF(dataKey, "", "vaultfile/v1 ansible password" || 0x00 || keyring name, 32), as ASCII bytes.
 * Only holders of the data key can compute it, and a new data key (rotate) gives a new password.
 */
export function ansiblePasswordFor(dataKey: Uint8Array, keyringName: string): Uint8Array {
  const info = concatBytes(utf8(LABELS.ansiblePassword), new Uint8Array([0]), utf8(keyringName));
  const key = hkdfSha256(dataKey, EMPTY, info, 32);
  const password = utf8(Buffer.from(key).toString('base64url'));
  key.fill(0);
  return password;
}
