/**
 * OpenSSH keys as age's ssh recipients use them (age spec, "ssh-ed25519" and "ssh-rsa" stanzas):
 * public keys from `authorized_keys` lines and their SSH wire encoding (RFC 4253 §6.6, RFC 8709),
 * and private keys from the `openssh-key-v1` container that ssh-keygen writes (PROTOCOL.key).
 * Pure: bytes in, bytes out. An encrypted private key is reported as such with its public key
 * (which the container holds in the clear), so a caller can match entries before asking for a
 * passphrase; decrypting it is the caller's business.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { FormatError } from '../errors.js';
import { concatBytes, utf8 } from './bytes.js';
import { decodeBase64 } from './armour.js';
import { sha256Bytes } from './derive.js';

export type SshKeyType = 'ssh-ed25519' | 'ssh-rsa';
export const SSH_KEY_TYPES: readonly SshKeyType[] = ['ssh-ed25519', 'ssh-rsa'];
/** age refuses RSA keys under 2048 bits (agessh.NewRSARecipient); so do we. */
const MIN_RSA_BYTES = 256;

export interface SshPublicKey {
  type: SshKeyType;
  /** The SSH wire encoding of the key: what `authorized_keys` carries in base64. */
  wire: Uint8Array;
  /** 32-byte Ed25519 point (ssh-ed25519) or the RSA key as a node KeyObject (ssh-rsa). */
  ed25519?: Uint8Array;
  rsa?: KeyObject;
}

/** Reads SSH wire fields (uint32-length-prefixed strings); throws on any overrun. */
class WireReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array, private readonly what: string) {}
  uint32(): number {
    if (this.offset + 4 > this.bytes.length) throw new FormatError(`${this.what} is truncated`);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, 4);
    this.offset += 4;
    return view.getUint32(0);
  }
  string(): Uint8Array {
    const length = this.uint32();
    if (this.offset + length > this.bytes.length) throw new FormatError(`${this.what} is truncated`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.string());
  }
  get done(): boolean {
    return this.offset === this.bytes.length;
  }
  rest(): Uint8Array {
    return this.bytes.subarray(this.offset);
  }
}

function b64url(bytes: Uint8Array): string {
  // mpints carry a leading zero byte when the high bit is set; JWK wants the bare magnitude.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start)).toString('base64url');
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function fromBigInt(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Parse the SSH wire encoding of an ssh-ed25519 or ssh-rsa public key. */
export function parseSshWire(wire: Uint8Array, what: string): SshPublicKey {
  const reader = new WireReader(wire, what);
  const type = reader.text();
  if (type === 'ssh-ed25519') {
    const point = reader.string();
    // The point itself is checked where it is used (age-ssh.ts), so that parsing a keyring loads
    // no curve code: every command parses keyrings, few seal for an SSH key.
    if (point.length !== 32 || !reader.done) throw new FormatError(`${what}: an ssh-ed25519 key is 32 bytes`);
    return { type, wire: wire.slice(), ed25519: point.slice() };
  }
  if (type === 'ssh-rsa') {
    const e = reader.string();
    const n = reader.string();
    if (!reader.done) throw new FormatError(`${what}: trailing bytes after the RSA key`);
    let rsa: KeyObject;
    try {
      rsa = createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' });
    } catch {
      throw new FormatError(`${what}: not a valid RSA public key`);
    }
    if (((rsa.asymmetricKeyDetails?.modulusLength ?? 0) + 7) / 8 < MIN_RSA_BYTES) {
      throw new FormatError(`${what}: RSA keys under 2048 bits are refused; make one with "ssh-keygen -t ed25519"`);
    }
    return { type, wire: wire.slice(), rsa };
  }
  throw new FormatError(`${what}: unsupported SSH key type "${type}"; use ssh-ed25519 or ssh-rsa`);
}

/** Parse one `authorized_keys`-style line: `[options] TYPE BASE64 [comment]`. */
export function parseSshPublicKey(line: string, what: string): SshPublicKey {
  const fields = line.trim().split(/\s+/);
  const index = fields.findIndex((field) => (SSH_KEY_TYPES as readonly string[]).includes(field));
  if (index < 0) {
    const type = fields.find((field) => field.startsWith('ssh-') || field.startsWith('ecdsa-') || field.startsWith('sk-'));
    if (type) throw new FormatError(`${what}: unsupported SSH key type "${type}"; use ssh-ed25519 or ssh-rsa`);
    throw new FormatError(`${what}: not an SSH public key (expected "ssh-ed25519 AAAA…" or "ssh-rsa AAAA…")`);
  }
  const wire = decodeBase64(fields[index + 1] ?? '') ?? decodeLoose(fields[index + 1] ?? '');
  if (wire === null) throw new FormatError(`${what}: the key is not valid base64`);
  const key = parseSshWire(wire, what);
  if (key.type !== fields[index]) throw new FormatError(`${what}: the key type does not match its encoding`);
  return key;
}

function decodeLoose(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** `ssh-ed25519 AAAA…` without a comment: the canonical form stored in a keyring entry. */
export function formatSshPublicKey(key: SshPublicKey): string {
  return `${key.type} ${Buffer.from(key.wire).toString('base64')}`;
}

/** age's stanza tag: the first 4 bytes of SHA-256 of the wire key, unpadded base64. */
export function sshTag(key: SshPublicKey): string {
  return Buffer.from(sha256Bytes(key.wire).subarray(0, 4)).toString('base64').replace(/=+$/, '');
}

/** The public fingerprint OpenSSH prints: `SHA256:` and unpadded base64 of SHA-256(wire). */
export function sshFingerprint(key: SshPublicKey): string {
  return `SHA256:${Buffer.from(sha256Bytes(key.wire)).toString('base64').replace(/=+$/, '')}`;
}

export type SshPrivateKey =
  | { encrypted: false; publicKey: SshPublicKey; ed25519Seed?: Uint8Array; rsa?: KeyObject }
  | { encrypted: true; publicKey: SshPublicKey; cipher: string; kdf: string; kdfOptions: Uint8Array; sealed: Uint8Array };

const PEM_BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const PEM_END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = utf8('openssh-key-v1\0');

export function isOpenSshPrivateKey(text: string): boolean {
  return text.trimStart().startsWith(PEM_BEGIN);
}

/** Parse an `openssh-key-v1` private key (PROTOCOL.key); the private part only when not encrypted. */
export function parseOpenSshPrivateKey(text: string, what: string): SshPrivateKey {
  const start = text.indexOf(PEM_BEGIN);
  const end = text.indexOf(PEM_END);
  if (start < 0 || end < start) throw new FormatError(`${what}: not an OpenSSH private key`);
  const blob = decodeLoose(text.slice(start + PEM_BEGIN.length, end).replace(/\s+/g, ''));
  if (blob === null || blob.length < MAGIC.length || !MAGIC.every((b, i) => blob[i] === b)) {
    throw new FormatError(`${what}: not an OpenSSH private key (bad container)`);
  }
  const reader = new WireReader(blob.subarray(MAGIC.length), what);
  const cipher = reader.text();
  const kdf = reader.text();
  const kdfOptions = reader.string();
  if (reader.uint32() !== 1) throw new FormatError(`${what}: holds more than one key`);
  const publicKey = parseSshWire(reader.string(), what);
  const sealed = reader.string();
  if (cipher !== 'none') return { encrypted: true, publicKey, cipher, kdf, kdfOptions: kdfOptions.slice(), sealed: sealed.slice() };
  return { encrypted: false, publicKey, ...parsePrivateSection(sealed, publicKey, what) };
}

/** The decrypted private section: two equal check words, then the key (PROTOCOL.key). */
export function parsePrivateSection(
  section: Uint8Array, publicKey: SshPublicKey, what: string,
): { ed25519Seed?: Uint8Array; rsa?: KeyObject } {
  const reader = new WireReader(section, what);
  if (reader.uint32() !== reader.uint32()) throw new FormatError(`${what}: wrong passphrase or damaged key`);
  const type = reader.text();
  if (type !== publicKey.type) throw new FormatError(`${what}: the private key does not match its public key`);
  if (type === 'ssh-ed25519') {
    const pub = reader.string();
    const secret = reader.string();
    if (secret.length !== 64 || !secret.subarray(32).every((b, i) => b === pub[i]) || !pub.every((b, i) => b === publicKey.ed25519![i])) {
      throw new FormatError(`${what}: the Ed25519 private key does not match its public key`);
    }
    return { ed25519Seed: secret.slice(0, 32) };
  }
  const n = reader.string();
  const e = reader.string();
  const d = reader.string();
  const iqmp = reader.string();
  const p = reader.string();
  const q = reader.string();
  const dBig = toBigInt(d);
  const jwk = {
    kty: 'RSA', n: b64url(n), e: b64url(e), d: b64url(d), p: b64url(p), q: b64url(q), qi: b64url(iqmp),
    dp: b64url(fromBigInt(dBig % (toBigInt(p) - 1n))), dq: b64url(fromBigInt(dBig % (toBigInt(q) - 1n))),
  };
  const pub = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
  if (!pub.equals(publicKey.rsa!)) throw new FormatError(`${what}: the RSA private key does not match its public key`);
  try {
    return { rsa: createPrivateKey({ key: jwk, format: 'jwk' }) };
  } catch {
    throw new FormatError(`${what}: not a valid RSA private key`);
  }
}

/** The wire encoding for a public key given as type + fields (used by tests and fixtures). */
export function sshWire(type: SshKeyType, ...fields: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of [utf8(type), ...fields]) {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, field.length);
    parts.push(length, field);
  }
  return concatBytes(...parts);
}
