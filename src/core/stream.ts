/**
 * The envelope payload as a stream (docs/FORMAT.md §3.3): plaintext in 64 KiB chunks, each sealed
 * with AES-256-GCM (node:crypto) under the per-file payload key, nonce = 11-byte big-endian chunk
 * counter || last-chunk flag, AAD = SHA-256(header). Memory stays bounded by one chunk plus one
 * armour line; the opener releases a chunk only after its tag verified and fails on a missing last
 * chunk. No I/O: bytes in, bytes out.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AuthError, UsageError, quotePath } from '../errors.js';
import { ArmourDecoder, ArmourEncoder } from './armour.js';
import { concatBytes, equalBytes, toHex, wipe } from './bytes.js';
import { damaged } from './damage.js';
import { FILE_SALT_LENGTH, deterministicSalt, fileKeys, sha256Bytes } from './derive.js';
import {
  FLAG_DETERMINISTIC, FLAG_INLINE_KEYRING, encodeHeader, expectedHeaderMac, parseHeader, type EnvelopeHeader,
} from './header.js';
import { isInlineKeyring, serializeInlineEntries, type UnlockedKeyring } from './keyring.js';
import { systemRandom, type RandomSource } from './random.js';

export const CHUNK_SIZE = 65536;
export const TAG_LENGTH = 16;
const SEALED_CHUNK = CHUNK_SIZE + TAG_LENGTH;
const NONCE_LENGTH = 12;

function nonceFor(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(NONCE_LENGTH);
  let counter = index;
  for (let i = 10; i >= 0 && counter > 0; i--) {
    nonce[i] = counter % 256;
    counter = Math.floor(counter / 256);
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function sealChunk(key: Uint8Array, index: number, last: boolean, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, nonceFor(index, last), { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return concatBytes(body, final, cipher.getAuthTag());
}

/** The plaintext if the tag verifies, else null; nothing is returned before verification. */
function openChunk(key: Uint8Array, index: number, last: boolean, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const decipher = createDecipheriv('aes-256-gcm', key, nonceFor(index, last), { authTagLength: TAG_LENGTH });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
  try {
    decipher.final();
  } catch {
    body.fill(0);
    return null;
  }
  // Copy out of the Buffer (possibly pooled) into memory we own, then wipe the original.
  const out = concatBytes(body);
  body.fill(0);
  return out;
}

/**
 * Does the chunk verify with the other last-chunk flag? Tells truncation and appended data (format
 * errors) from tampering; the plaintext is wiped, never released.
 */
function verifies(key: Uint8Array, index: number, last: boolean, aad: Uint8Array, sealed: Uint8Array): boolean {
  const plaintext = openChunk(key, index, last, aad, sealed);
  plaintext?.fill(0);
  return plaintext !== null;
}

export interface SealerOptions {
  random?: RandomSource;
}

/**
 * The key under which sealDeterministic hands its salt to the constructor. The symbol is not
 * exported, so no other code can pin a file salt; the salt travels in the argument itself.
 */
const PINNED_SALT = Symbol('pinned file salt');
interface PinnedSaltOptions extends SealerOptions {
  [PINNED_SALT]?: Uint8Array;
}

/** Plaintext in, armoured envelope text out, in bounded memory. Random mode only. */
export class EnvelopeSealer {
  readonly #armour = new ArmourEncoder();
  readonly #header: EnvelopeHeader;
  readonly #payloadKey: Uint8Array;
  readonly #aad: Uint8Array;
  /** The chunk being filled; grows up to CHUNK_SIZE, so a small file never allocates 64 KiB. */
  #buffer = new Uint8Array(0);
  #buffered = 0;
  #index = 0;
  #started = false;
  #finished = false;

  constructor(unlocked: UnlockedKeyring, options: SealerOptions = {}) {
    const { keyring, dataKey } = unlocked;
    const inline = isInlineKeyring(keyring);
    if (inline && keyring.entries.length === 0) {
      throw new UsageError('the inline keyring has no entries; nobody could open the file');
    }
    const pinned = (options as PinnedSaltOptions)[PINNED_SALT];
    const fileSalt = pinned ?? (options.random ?? systemRandom)(FILE_SALT_LENGTH);
    if (fileSalt.length !== FILE_SALT_LENGTH) throw new UsageError('the random source returned the wrong length');
    const { payloadKey, macKey } = fileKeys(dataKey, fileSalt);
    this.#payloadKey = payloadKey;
    this.#header = encodeHeader({
      flags: (pinned ? FLAG_DETERMINISTIC : 0) | (inline ? FLAG_INLINE_KEYRING : 0),
      keyringName: keyring.name,
      dataKeyId: keyring.dataKeyId,
      fileSalt: new Uint8Array(fileSalt),
      inlineEntries: inline ? serializeInlineEntries(keyring) : null,
    }, macKey);
    wipe(macKey);
    this.#aad = sha256Bytes(this.#header.bytes);
  }

  push(plaintext: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new UsageError('the envelope is already finished');
    const out = this.#start();
    let offset = 0;
    while (offset < plaintext.length) {
      if (this.#buffered === CHUNK_SIZE) {
        // A full buffer is sealed as a non-last chunk only once more plaintext arrives.
        out.push(...this.#armour.push(sealChunk(this.#payloadKey, this.#index++, false, this.#aad, this.#buffer)));
        this.#buffered = 0;
      }
      const n = Math.min(CHUNK_SIZE - this.#buffered, plaintext.length - offset);
      this.#reserve(this.#buffered + n);
      this.#buffer.set(plaintext.subarray(offset, offset + n), this.#buffered);
      this.#buffered += n;
      offset += n;
    }
    return out;
  }

  finish(): Uint8Array[] {
    if (this.#finished) throw new UsageError('the envelope is already finished');
    const out = this.#start();
    this.#finished = true;
    try {
      const last = sealChunk(this.#payloadKey, this.#index, true, this.#aad, this.#buffer.subarray(0, this.#buffered));
      out.push(...this.#armour.push(last), ...this.#armour.finish());
      return out;
    } finally {
      wipe(this.#buffer, this.#payloadKey);
    }
  }

  #reserve(size: number): void {
    if (size <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.min(CHUNK_SIZE, Math.max(size, this.#buffer.length * 2)));
    grown.set(this.#buffer.subarray(0, this.#buffered));
    wipe(this.#buffer);
    this.#buffer = grown;
  }

  #start(): Uint8Array[] {
    if (this.#started) return [];
    this.#started = true;
    return this.#armour.push(this.#header.bytes);
  }
}

/**
 * Deterministic mode (git clean filter only): the file salt is derived from the whole plaintext,
 * so this takes it all at once. See deterministicSalt for what the mode leaks.
 */
export function sealDeterministic(plaintext: Uint8Array, unlocked: UnlockedKeyring): Uint8Array[] {
  // The salt covers only the plaintext, so the header must be a function of the data key alone:
  // an inline keyring's entries can change under one data key, and two headers with one salt
  // would reuse GCM nonces under different AADs (docs/FORMAT.md §6).
  if (isInlineKeyring(unlocked.keyring)) {
    throw new UsageError('deterministic mode needs a repository keyring, not an inline one');
  }
  const options: PinnedSaltOptions = { [PINNED_SALT]: deterministicSalt(unlocked.dataKey, plaintext) };
  const sealer = new EnvelopeSealer(unlocked, options);
  return [...sealer.push(plaintext), ...sealer.finish()];
}

/** Look up the data key an envelope names: the current key or a previous one. */
export function dataKeyFor(unlocked: UnlockedKeyring, dataKeyId: Uint8Array): Uint8Array | undefined {
  const found = unlocked.dataKeys.get(toHex(dataKeyId));
  if (found) return found;
  return equalBytes(unlocked.keyring.dataKeyId, dataKeyId) ? unlocked.dataKey : undefined;
}

/** Armoured envelope text in, plaintext out, each chunk only after its tag verified. */
export class EnvelopeOpener {
  readonly #origin: string;
  readonly #unlocked: UnlockedKeyring;
  readonly #armour: ArmourDecoder;
  #pending: Uint8Array = new Uint8Array(0);
  #header: EnvelopeHeader | null = null;
  #payloadKey: Uint8Array | null = null;
  #aad: Uint8Array = new Uint8Array(0);
  #index = 0;
  #finished = false;

  constructor(unlocked: UnlockedKeyring, origin: string) {
    this.#unlocked = unlocked;
    this.#origin = origin;
    this.#armour = new ArmourDecoder(origin);
  }

  /** The parsed header, once enough input has arrived. */
  get header(): EnvelopeHeader | null {
    return this.#header;
  }

  push(text: Uint8Array): Uint8Array[] {
    if (this.#finished) throw new UsageError('the envelope is already finished');
    try {
      const out: Uint8Array[] = [];
      for (const binary of this.#armour.push(text)) this.#take(binary, out);
      return out;
    } catch (error) {
      this.#abort();
      throw error;
    }
  }

  finish(): Uint8Array[] {
    if (this.#finished) throw new UsageError('the envelope is already finished');
    this.#finished = true;
    try {
      this.#armour.finish();
      if (this.#header === null || this.#payloadKey === null) throw damaged(this.#origin, 'truncated header');
      const rest = this.#pending;
      if (rest.length === 0) {
        throw damaged(this.#origin, this.#index === 0 ? 'truncated (no payload)' : 'truncated (the last chunk is missing)');
      }
      if (rest.length < TAG_LENGTH) throw damaged(this.#origin, 'truncated (a chunk is shorter than its tag)');
      if (rest.length === TAG_LENGTH && this.#index > 0) throw damaged(this.#origin, 'an empty last chunk follows other chunks');
      const plaintext = openChunk(this.#payloadKey, this.#index, true, this.#aad, rest);
      if (plaintext !== null) return [plaintext];
      if (rest.length === SEALED_CHUNK && verifies(this.#payloadKey, this.#index, false, this.#aad, rest)) {
        throw damaged(this.#origin, 'truncated (the last chunk is missing)');
      }
      throw this.#tampered();
    } finally {
      this.#abort();
    }
  }

  #take(binary: Uint8Array, out: Uint8Array[]): void {
    this.#pending = this.#pending.length > 0 ? concatBytes(this.#pending, binary) : binary;
    if (this.#header === null) {
      const parsed = parseHeader(this.#pending, this.#origin);
      if (parsed === null) return;
      this.#begin(parsed.header);
      this.#pending = this.#pending.slice(parsed.length);
    }
    const key = this.#payloadKey as Uint8Array;
    let offset = 0;
    // Keep at least one byte beyond a full chunk: only the input's end says which chunk is last.
    while (this.#pending.length - offset > SEALED_CHUNK) {
      const sealed = this.#pending.subarray(offset, offset + SEALED_CHUNK);
      const plaintext = openChunk(key, this.#index, false, this.#aad, sealed);
      if (plaintext === null) {
        if (verifies(key, this.#index, true, this.#aad, sealed)) throw damaged(this.#origin, 'data after the last chunk');
        throw this.#tampered();
      }
      out.push(plaintext);
      this.#index++;
      offset += SEALED_CHUNK;
    }
    if (offset > 0) this.#pending = this.#pending.slice(offset);
  }

  /** Header parsed: find the data key, verify the header MAC, derive the payload key. */
  #begin(header: EnvelopeHeader): void {
    const q = quotePath(this.#origin);
    const dataKey = dataKeyFor(this.#unlocked, header.dataKeyId);
    if (dataKey === undefined) {
      const name = header.keyringName === '' ? 'its inline keyring' : `keyring ${header.keyringName}`;
      throw new AuthError(`${q}: encrypted with a data key of ${name} that this keyring does not hold (wrong keyring or tampered); check the key or run "vault status"`);
    }
    const { payloadKey, macKey } = fileKeys(dataKey, header.fileSalt);
    const ok = equalBytes(expectedHeaderMac(header, macKey), header.mac);
    wipe(macKey);
    if (!ok) {
      wipe(payloadKey);
      throw new AuthError(`${q}: authentication failed: the header was modified or damaged; restore the file from version control`);
    }
    this.#header = header;
    this.#payloadKey = payloadKey;
    this.#aad = sha256Bytes(header.bytes);
  }

  #tampered(): AuthError {
    return new AuthError(`${quotePath(this.#origin)}: authentication failed in chunk ${this.#index}: the file was modified or damaged; restore it from version control`);
  }

  #abort(): void {
    this.#finished = true;
    if (this.#payloadKey) wipe(this.#payloadKey);
  }
}

