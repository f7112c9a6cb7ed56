/**
 * git-crypt's formats, read only (docs/FORMAT.md §git-crypt): the key file `git-crypt export-key`
 * writes (format 2, and the legacy raw one) and the blob its clean filter commits:
 * "\0GITCRYPT\0", a 12-byte nonce, then AES-256-CTR of the plaintext, where the nonce is the first
 * 12 bytes of HMAC-SHA1(hmac key, plaintext) and doubles as the integrity check (a synthetic IV).
 * vaultfile reads these to migrate a repository and to show its history; it never writes them.
 * Pure: bytes in, bytes out. Nothing is released before the nonce check passed.
 */
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError, FormatError, quotePath } from '../errors.js';

/** "\0GITCRYPT\0": the first 10 bytes of every encrypted blob. */
export const GIT_CRYPT_MAGIC = Uint8Array.from([0x00, 0x47, 0x49, 0x54, 0x43, 0x52, 0x59, 0x50, 0x54, 0x00]);
export const GIT_CRYPT_NONCE_LENGTH = 12;
export const GIT_CRYPT_HEADER_LENGTH = GIT_CRYPT_MAGIC.length + GIT_CRYPT_NONCE_LENGTH;
/** "\0GITCRYPTKEY": the first 12 bytes of a key file of format 1 or later. */
export const GIT_CRYPT_KEY_MAGIC = Uint8Array.from([0x00, 0x47, 0x49, 0x54, 0x43, 0x52, 0x59, 0x50, 0x54, 0x4b, 0x45, 0x59]);
export const GIT_CRYPT_KEY_FORMAT = 2;
export const GIT_CRYPT_AES_KEY_LENGTH = 32;
export const GIT_CRYPT_HMAC_KEY_LENGTH = 64;
/** A key file's fields: header field 1 is the key name; entry fields 1 version, 3 AES key, 5 HMAC key; 0 ends. */
const FIELD = { END: 0, KEY_NAME: 1, VERSION: 1, AES_KEY: 3, HMAC_KEY: 5 } as const;
/** git-crypt skips an unknown even field up to this length; an odd one is critical. */
const MAX_FIELD_LENGTH = 1 << 20;
const MAX_KEY_NAME_LENGTH = 128;

/** One version of a git-crypt key: the AES-256 key and the HMAC-SHA1 key. */
export interface GitCryptKeyEntry {
  version: number;
  aesKey: Uint8Array;
  hmacKey: Uint8Array;
}

export interface GitCryptKey {
  /** Null for the default key; else the name given to `git-crypt init -k NAME`. */
  name: string | null;
  entries: GitCryptKeyEntry[];
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** True when BYTES begin like a blob git-crypt's clean filter wrote. */
export function isGitCryptFile(bytes: Uint8Array): boolean {
  return bytes.length >= GIT_CRYPT_HEADER_LENGTH && startsWith(bytes, GIT_CRYPT_MAGIC);
}

/** A big-endian reader that names the key file in every complaint. */
class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array, private readonly origin: string) {}
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
  fail(why: string): FormatError {
    return new FormatError(`${quotePath(this.origin)}: not a git-crypt key file (${why}); give the file "git-crypt export-key" wrote`);
  }
  u32(): number {
    if (this.offset + 4 > this.bytes.length) throw this.fail('truncated');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 4);
    this.offset += 4;
    return view.getUint32(0, false);
  }
  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw this.fail('truncated');
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}

/** Read one field's length and value, checking the length the field must have. */
function fixedField(reader: Reader, length: number, what: string): Uint8Array {
  const got = reader.u32();
  if (got !== length) throw reader.fail(`${what} of ${got} bytes, expected ${length}`);
  return reader.take(length);
}

/** Skip an unknown field as git-crypt does: even ids are optional, odd ids are critical. */
function skipField(reader: Reader, id: number): void {
  if (id % 2 === 1) throw reader.fail(`unknown critical field ${id}, written by a newer git-crypt`);
  const length = reader.u32();
  if (length > MAX_FIELD_LENGTH) throw reader.fail(`field ${id} is too long`);
  reader.take(length);
}

/** Parse a git-crypt key file: format 2 ("\0GITCRYPTKEY", header fields, key entries) or legacy (96 raw bytes). */
export function parseGitCryptKey(input: Uint8Array, origin: string): GitCryptKey {
  // A copy of our own: a Node Buffer's slice() is a view into a shared pool, not a copy.
  const bytes = Uint8Array.from(input);
  if (!startsWith(bytes, GIT_CRYPT_KEY_MAGIC)) {
    // Before git-crypt 0.4 a key file was the AES key and the HMAC key, nothing else.
    if (bytes.length === GIT_CRYPT_AES_KEY_LENGTH + GIT_CRYPT_HMAC_KEY_LENGTH) {
      return { name: null, entries: [{ version: 0, aesKey: bytes.slice(0, 32), hmacKey: bytes.slice(32) }] };
    }
    throw new FormatError(`${quotePath(origin)}: not a git-crypt key file; give the file "git-crypt export-key" wrote`);
  }
  const reader = new Reader(bytes, origin);
  reader.take(GIT_CRYPT_KEY_MAGIC.length);
  const format = reader.u32();
  if (format !== GIT_CRYPT_KEY_FORMAT) throw reader.fail(`key file format ${format}; only format ${GIT_CRYPT_KEY_FORMAT} is read`);
  let name: string | null = null;
  for (let id = reader.u32(); id !== FIELD.END; id = reader.u32()) {
    if (id !== FIELD.KEY_NAME) {
      skipField(reader, id);
      continue;
    }
    const length = reader.u32();
    if (length > MAX_KEY_NAME_LENGTH) throw reader.fail('key name too long');
    name = new TextDecoder().decode(reader.take(length));
    if (!/^[A-Za-z0-9_-]+$/.test(name) || name === 'default') throw reader.fail('invalid key name');
  }
  const entries: GitCryptKeyEntry[] = [];
  while (!reader.done) {
    let version: number | null = null;
    let aesKey: Uint8Array | null = null;
    let hmacKey: Uint8Array | null = null;
    for (let id = reader.u32(); id !== FIELD.END; id = reader.u32()) {
      if (id === FIELD.VERSION) version = fixedField(reader, 4, 'version').reduce((n, byte) => n * 256 + byte, 0);
      else if (id === FIELD.AES_KEY) aesKey = fixedField(reader, GIT_CRYPT_AES_KEY_LENGTH, 'AES key');
      else if (id === FIELD.HMAC_KEY) hmacKey = fixedField(reader, GIT_CRYPT_HMAC_KEY_LENGTH, 'HMAC key');
      else skipField(reader, id);
    }
    if (version === null || aesKey === null || hmacKey === null) throw reader.fail('a key entry lacks its version or keys');
    entries.push({ version, aesKey, hmacKey });
  }
  if (entries.length === 0) throw reader.fail('no key entry');
  return { name, entries };
}

/** The key entry git-crypt encrypts with: it always uses the latest version it holds. */
export function latestEntry(key: GitCryptKey): GitCryptKeyEntry {
  return key.entries.reduce((latest, entry) => (entry.version > latest.version ? entry : latest));
}

/**
 * The plaintext of a git-crypt blob. Tries each key version (the blob does not say which one
 * sealed it); the recomputed HMAC-SHA1 nonce must match in constant time before anything is
 * returned. AuthError when no version verifies: wrong key or tampered, one class on purpose.
 */
export function openGitCrypt(bytes: Uint8Array, key: GitCryptKey, origin: string): Uint8Array {
  if (!isGitCryptFile(bytes)) throw new FormatError(`${quotePath(origin)}: not a git-crypt file (no "\\0GITCRYPT\\0" header)`);
  const nonce = bytes.subarray(GIT_CRYPT_MAGIC.length, GIT_CRYPT_HEADER_LENGTH);
  const ciphertext = bytes.subarray(GIT_CRYPT_HEADER_LENGTH);
  // The CTR block is nonce || be32(block number) from 0: the 128-bit counter AES-CTR increments.
  const iv = new Uint8Array(16);
  iv.set(nonce);
  for (const entry of [...key.entries].sort((a, b) => b.version - a.version)) {
    const decipher = createDecipheriv('aes-256-ctr', entry.aesKey, iv);
    const plaintext = new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
    const mac = createHmac('sha1', entry.hmacKey).update(plaintext).digest().subarray(0, GIT_CRYPT_NONCE_LENGTH);
    if (timingSafeEqual(mac, nonce)) return plaintext;
    plaintext.fill(0);
  }
  throw new AuthError(`${quotePath(origin)}: the git-crypt key does not open it (wrong key, or the file was tampered with); check --git-crypt-key`);
}
