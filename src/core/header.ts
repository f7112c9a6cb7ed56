/**
 * The binary envelope header (docs/FORMAT.md §3): version, flags, keyring name, data key id, file
 * salt, optional inline keyring, header MAC. Encodes and parses with exact lengths; parsing needs
 * no key, and verifying the MAC is the caller's job once it holds the data key.
 */
import { FormatError, quotePath } from '../errors.js';
import { concatBytes, decodeUtf8, utf8 } from './bytes.js';
import { damaged } from './damage.js';
import { DATA_KEY_ID_LENGTH, FILE_SALT_LENGTH, hmacSha256 } from './derive.js';
import { isKeyringName } from './keyring-name.js';

export const FORMAT_VERSION = 1;
export const FLAG_DETERMINISTIC = 0x01;
export const FLAG_INLINE_KEYRING = 0x02;
const KNOWN_FLAGS = FLAG_DETERMINISTIC | FLAG_INLINE_KEYRING;
export const HEADER_MAC_LENGTH = 32;
const MAX_INLINE_LENGTH = 0xffff;

export interface EnvelopeHeader {
  flags: number;
  /** '' when the keyring is inline. */
  keyringName: string;
  dataKeyId: Uint8Array;
  fileSalt: Uint8Array;
  /** The inline keyring's entry lines (UTF-8 text), or null. */
  inlineEntries: string | null;
  mac: Uint8Array;
  /** Every header byte, MAC included (the payload's AAD is its SHA-256). */
  bytes: Uint8Array;
}

/** Header bytes up to the MAC, then HMAC-SHA-256(macKey, those bytes). */
export function encodeHeader(
  fields: Omit<EnvelopeHeader, 'mac' | 'bytes'>, macKey: Uint8Array,
): EnvelopeHeader {
  const name = utf8(fields.keyringName);
  const parts = [
    Uint8Array.of(FORMAT_VERSION, fields.flags, name.length), name, fields.dataKeyId, fields.fileSalt,
  ];
  if (fields.inlineEntries !== null) {
    const inline = utf8(fields.inlineEntries);
    if (inline.length > MAX_INLINE_LENGTH) throw new FormatError('the inline keyring is too large for an envelope');
    parts.push(Uint8Array.of(inline.length >> 8, inline.length & 0xff), inline);
  }
  const signed = concatBytes(...parts);
  const mac = hmacSha256(macKey, signed);
  return { ...fields, mac, bytes: concatBytes(signed, mac) };
}

/** The MAC the header should carry under `macKey` (compare in constant time). */
export function expectedHeaderMac(header: EnvelopeHeader, macKey: Uint8Array): Uint8Array {
  return hmacSha256(macKey, header.bytes.subarray(0, header.bytes.length - HEADER_MAC_LENGTH));
}

/**
 * Parse a header from the start of `binary`: null when more bytes are needed, else the header and
 * its length. FormatError on anything a v1 writer would not produce.
 */
export function parseHeader(binary: Uint8Array, origin: string): { header: EnvelopeHeader; length: number } | null {
  if (binary.length < 3) return null;
  const version = binary[0] as number;
  if (version !== FORMAT_VERSION) {
    if (version > FORMAT_VERSION) {
      throw new FormatError(`${quotePath(origin)}: written by a newer vaultfile (header version ${version}); upgrade vaultfile`);
    }
    throw damaged(origin, `unknown header version ${version}`);
  }
  const flags = binary[1] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw damaged(origin, `unknown header flags 0x${flags.toString(16).padStart(2, '0')}`);
  }
  const inline = (flags & FLAG_INLINE_KEYRING) !== 0;
  const nameLength = binary[2] as number;
  if (inline !== (nameLength === 0)) {
    throw damaged(origin, inline ? 'an inline keyring envelope names a keyring' : 'the keyring name is empty');
  }
  let offset = 3;
  const take = (length: number): Uint8Array | null => {
    if (binary.length < offset + length) return null;
    const bytes = binary.slice(offset, offset + length);
    offset += length;
    return bytes;
  };
  const nameBytes = take(nameLength);
  if (nameBytes === null) return null;
  const keyringName = decodeUtf8(nameBytes);
  if (keyringName === null || (!inline && !isKeyringName(keyringName))) {
    throw damaged(origin, 'the keyring name is not valid');
  }
  const dataKeyId = take(DATA_KEY_ID_LENGTH);
  const fileSalt = dataKeyId && take(FILE_SALT_LENGTH);
  if (!dataKeyId || !fileSalt) return null;
  let inlineEntries: string | null = null;
  if (inline) {
    const lengthBytes = take(2);
    if (lengthBytes === null) return null;
    const length = ((lengthBytes[0] as number) << 8) | (lengthBytes[1] as number);
    if (length === 0) throw damaged(origin, 'the inline keyring is empty');
    const text = take(length);
    if (text === null) return null;
    inlineEntries = decodeUtf8(text);
    if (inlineEntries === null) throw damaged(origin, 'the inline keyring is not UTF-8');
  }
  const mac = take(HEADER_MAC_LENGTH);
  if (mac === null) return null;
  return {
    header: { flags, keyringName, dataKeyId, fileSalt, inlineEntries, mac, bytes: binary.slice(0, offset) },
    length: offset,
  };
}
