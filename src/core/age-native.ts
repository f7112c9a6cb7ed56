/**
 * Opening the age files of `age` and `ssh` entries on node:crypto alone (age spec: header, the
 * X25519, ssh-ed25519 and ssh-rsa stanzas, the header MAC, the STREAM payload), so that reading a
 * keyring through an identity loads no JavaScript curve code: age-encryption and @noble take
 * 100-200 ms to import, more than the whole view of 200 files costs with a key file (bench/).
 * Writing, and stanzas this module does not read (post-quantum), stay with age-encryption
 * (public-entry.ts); tests check both against each other and against the real age.
 * Pure: bytes in, bytes out.
 */
import {
  createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, privateDecrypt, constants, createHash,
  timingSafeEqual, type KeyObject,
} from 'node:crypto';
import { bech32 } from '@scure/base';
import { hkdfSha256, hmacSha256 } from './derive.js';
import { utf8, wipe } from './bytes.js';
import { sshTag, type SshPublicKey } from './ssh-key.js';

const INTRO = 'age-encryption.org/v1\n';
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const SSH_ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const SSH_RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const ZERO_NONCE = new Uint8Array(12);

/** An identity this module can use: an X25519 scalar, or an OpenSSH key. */
export type NativeIdentity =
  | { kind: 'X25519'; secret: KeyObject; ours: Uint8Array }
  | { kind: 'ssh-ed25519'; secret: KeyObject; ours: Uint8Array; tweak: KeyObject; tag: string }
  | { kind: 'ssh-rsa'; secret: KeyObject; tag: string };

function x25519Private(scalar: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, scalar]), format: 'der', type: 'pkcs8' });
}
function x25519Public(point: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, point]), format: 'der', type: 'spki' });
}
function publicBytes(secret: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(secret).export({ type: 'spki', format: 'der' }).subarray(SPKI_X25519.length));
}
/** X25519(scalar of `secret`, point); null for a low-order point (all-zero output). */
function x25519(secret: KeyObject, point: Uint8Array): Uint8Array | null {
  try {
    const shared = new Uint8Array(diffieHellman({ privateKey: secret, publicKey: x25519Public(point) }));
    return shared.every((b) => b === 0) ? null : shared;
  } catch {
    return null;
  }
}

/** An `AGE-SECRET-KEY-1…` identity and its `age1…` recipient; null if it is not one. */
export function nativeAgeIdentity(text: string): { identity: NativeIdentity; recipient: string } | null {
  if (!text.startsWith('AGE-SECRET-KEY-1')) return null;
  let decoded: { prefix: string; bytes: Uint8Array };
  try {
    decoded = bech32.decodeToBytes(text);
  } catch {
    return null;
  }
  if (decoded.prefix.toUpperCase() !== 'AGE-SECRET-KEY-' || decoded.bytes.length !== 32) return null;
  const secret = x25519Private(decoded.bytes);
  wipe(decoded.bytes);
  const ours = publicBytes(secret);
  return { identity: { kind: 'X25519', secret, ours }, recipient: bech32.encodeFromBytes('age', ours) };
}

/** An OpenSSH private key (already decrypted) as a native identity. */
export function nativeSshIdentity(key: SshPublicKey, secret: { ed25519Seed?: Uint8Array; rsa?: KeyObject }): NativeIdentity {
  const tag = sshTag(key);
  if (key.type === 'ssh-rsa') return { kind: 'ssh-rsa', secret: secret.rsa as KeyObject, tag };
  // The X25519 scalar of an Ed25519 key is the first half of SHA-512(seed) (RFC 8032 §5.1.5).
  const hash = new Uint8Array(createHash('sha512').update(secret.ed25519Seed as Uint8Array).digest());
  const x = x25519Private(hash.subarray(0, 32));
  wipe(hash);
  const tweak = x25519Private(hkdfSha256(new Uint8Array(0), key.wire, SSH_ED25519_LABEL, 32));
  return { kind: 'ssh-ed25519', secret: x, ours: publicBytes(x), tweak, tag };
}

function decodeRaw(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) return null;
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '') === text ? bytes : null;
}

function chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]));
  } catch {
    return null;
  }
}

interface Stanza { args: string[]; body: Uint8Array }

/** Split an age file into stanzas, the bytes the MAC covers, the MAC and the payload; null if malformed. */
function parse(file: Uint8Array): { stanzas: Stanza[]; signed: Uint8Array; mac: Uint8Array; payload: Uint8Array } | null {
  const text = Buffer.from(file.subarray(0, Math.min(file.length, 8192))).toString('latin1');
  if (!text.startsWith(INTRO)) return null;
  const end = text.indexOf('\n---', INTRO.length - 1);
  if (end < 0) return null;
  const macLineEnd = text.indexOf('\n', end + 4);
  if (macLineEnd < 0 || text[end + 4] !== ' ') return null;
  const mac = decodeRaw(text.slice(end + 5, macLineEnd));
  if (mac === null || mac.length !== 32) return null;
  const stanzas: Stanza[] = [];
  const lines = text.slice(INTRO.length, end + 1).split('\n').slice(0, -1);
  for (let i = 0; i < lines.length;) {
    const line = lines[i++] as string;
    if (!line.startsWith('-> ')) return null;
    let body = '';
    for (;;) {
      const part = lines[i++];
      if (part === undefined || part.length > 64) return null;
      body += part;
      if (part.length < 64) break;
    }
    const bytes = decodeRaw(body);
    if (bytes === null) return null;
    stanzas.push({ args: line.slice(3).split(' '), body: bytes });
  }
  return { stanzas, signed: file.subarray(0, end + 4), mac, payload: file.subarray(macLineEnd + 1) };
}

function unwrap(stanza: Stanza, identity: NativeIdentity): Uint8Array | null {
  const [type, a1, a2] = stanza.args;
  if (identity.kind === 'X25519') {
    if (type !== 'X25519' || stanza.args.length !== 2 || stanza.body.length !== 32) return null;
    const share = decodeRaw(a1 as string);
    if (share === null || share.length !== 32) return null;
    const shared = x25519(identity.secret, share);
    if (shared === null) return null;
    const key = hkdfSha256(shared, Buffer.concat([share, identity.ours]), X25519_LABEL, 32);
    return chachaOpen(key, ZERO_NONCE, stanza.body);
  }
  if (type !== identity.kind || a1 !== identity.tag) return null;
  if (identity.kind === 'ssh-rsa') {
    try {
      return new Uint8Array(privateDecrypt(
        { key: identity.secret, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: utf8(SSH_RSA_LABEL) }, stanza.body,
      ));
    } catch {
      return null;
    }
  }
  const share = stanza.args.length === 3 ? decodeRaw(a2 as string) : null;
  if (share === null || share.length !== 32 || stanza.body.length !== 32) return null;
  const first = x25519(identity.secret, share);
  const shared = first === null ? null : x25519(identity.tweak, first);
  if (shared === null) return null;
  const key = hkdfSha256(shared, Buffer.concat([share, identity.ours]), SSH_ED25519_LABEL, 32);
  return chachaOpen(key, ZERO_NONCE, stanza.body);
}

/**
 * The plaintext of a single-chunk age file (at most 64 KiB, what an entry holds) for `identity`;
 * null when no stanza is its own or the file does not verify.
 */
export function openAgeNative(file: Uint8Array, identity: NativeIdentity): Uint8Array | null {
  const parsed = parse(file);
  if (parsed === null) return null;
  let fileKey: Uint8Array | null = null;
  for (const stanza of parsed.stanzas) {
    fileKey = unwrap(stanza, identity);
    if (fileKey !== null) break;
  }
  if (fileKey === null || fileKey.length !== 16) return null;
  const macKey = hkdfSha256(fileKey, new Uint8Array(0), 'header', 32);
  const ok = timingSafeEqual(hmacSha256(macKey, parsed.signed), parsed.mac);
  if (!ok || parsed.payload.length < 16 + 16 || parsed.payload.length > 16 + 65536 + 16) return null;
  const payloadKey = hkdfSha256(fileKey, parsed.payload.subarray(0, 16), 'payload', 32);
  // One chunk: counter 0 with the last-chunk flag (STREAM, age spec "Payload").
  const nonce = new Uint8Array(12);
  nonce[11] = 1;
  const plaintext = chachaOpen(payloadKey, nonce, parsed.payload.subarray(16));
  wipe(fileKey, macKey, payloadKey);
  return plaintext;
}
