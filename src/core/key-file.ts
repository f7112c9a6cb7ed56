/**
 * Key files made by `vault keygen` (docs/FORMAT.md §8): optional `# ` comment lines, then one line
 * `VAULTFILE-KEY-1` + RFC 4648 base32 (upper case, no padding) of 32 key bytes and a 4-byte
 * checksum, then one newline. The checksum and the strict parser turn truncation, a stray
 * character or an extra line into an error, never into a different key. No file access here.
 */
import { sha256Bytes } from './derive.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { concatBytes, equalBytes, utf8, wipe } from './bytes.js';

export const KEY_FILE_PREFIX = 'VAULTFILE-KEY-1';
export const KEY_LENGTH = 32;
const CHECKSUM_LENGTH = 4;
const CHECKSUM_LABEL = utf8('vaultfile/v1 key file');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** 36 bytes = 288 bits = 58 base32 characters, the last carrying 3 bits and 2 zero bits. */
const ENCODED_LENGTH = Math.ceil(((KEY_LENGTH + CHECKSUM_LENGTH) * 8) / 5);

export interface KeyFileOptions {
  /** When the key was made (ISO 8601, given by the shell: the core has no clock). */
  created?: string;
}

export function serializeKeyFile(key: Uint8Array, options: KeyFileOptions = {}): string {
  if (key.length !== KEY_LENGTH) throw new UsageError(`a key file holds exactly ${KEY_LENGTH} bytes`);
  const created = options.created;
  if (created !== undefined && /[\r\n]/.test(created)) throw new UsageError('the key file date must be one line');
  const body = concatBytes(key, checksum(key));
  const lines = [
    `# vaultfile key file${created === undefined ? '' : `, created ${created}`}`,
    '# keep it secret: anyone holding this file can open the keyrings it was added to',
    `${KEY_FILE_PREFIX}${encodeBase32(body)}`,
  ];
  wipe(body);
  return `${lines.join('\n')}\n`;
}

/** The 32 key bytes; FormatError naming `origin` (a path) on any damage. */
export function parseKeyFile(text: string, origin: string): Uint8Array {
  const q = quotePath(origin);
  const damagedKey = (): FormatError =>
    new FormatError(
      `${q}: the key file is damaged: truncated, edited or has extra characters; use the original file from vault keygen`,
    );
  let body = text;
  if (body.endsWith('\r\n')) body = body.slice(0, -2);
  else if (body.endsWith('\n')) body = body.slice(0, -1);
  const lines = body.split('\n');
  const keyLine = lines.pop() as string;
  if (!lines.every((line) => line.startsWith('#')) || !keyLine.startsWith(KEY_FILE_PREFIX)) {
    if (!/VAULTFILE-KEY/i.test(text)) {
      throw new FormatError(`${q}: not a vaultfile key file (no ${KEY_FILE_PREFIX} line); make one with "vault keygen"`);
    }
    throw damagedKey();
  }
  const encoded = keyLine.slice(KEY_FILE_PREFIX.length);
  const decoded = encoded.length === ENCODED_LENGTH ? decodeBase32(encoded) : null;
  if (decoded === null) throw damagedKey();
  const key = decoded.slice(0, KEY_LENGTH);
  const ok = equalBytes(decoded.subarray(KEY_LENGTH), checksum(key));
  wipe(decoded);
  if (!ok) {
    wipe(key);
    throw damagedKey();
  }
  return key;
}

function checksum(key: Uint8Array): Uint8Array {
  const input = concatBytes(CHECKSUM_LABEL, key);
  const digest = sha256Bytes(input);
  wipe(input);
  return digest.slice(0, CHECKSUM_LENGTH);
}

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Strict: upper-case alphabet only, and the unused low bits of the last character must be zero. */
function decodeBase32(text: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[o++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
