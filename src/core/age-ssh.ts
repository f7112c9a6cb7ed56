/**
 * age's ssh-ed25519 and ssh-rsa recipient types (age spec, "SSH keys"; agessh in age's source), as
 * age-encryption Recipient objects (reading them is age-native.ts's), so the wrapped key of an `ssh` entry is an age
 * file that `age -d -i ~/.ssh/id_ed25519` opens. The library ships neither type, so this follows
 * the spec: ssh-rsa is RSA-OAEP-SHA-256 with the label "age-encryption.org/v1/ssh-rsa";
 * ssh-ed25519 is X25519 on the Montgomery form of the Ed25519 key, tweaked by a scalar derived
 * from the SSH key, with the file key sealed by ChaCha20-Poly1305. Randomness: the caller's.
 * Loaded on demand (public-entry.ts, identities.ts): the curve code costs start-up time.
 */
import { constants, publicEncrypt, type KeyObject } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { Recipient, Stanza } from 'age-encryption';
import { FormatError } from '../errors.js';
import type { RandomSource } from './random.js';
import { concatBytes, utf8, wipe } from './bytes.js';
import { hkdfSha256 } from './derive.js';
import { formatSshPublicKey, sshTag, type SshPublicKey } from './ssh-key.js';

const ED25519_LABEL = 'age-encryption.org/v1/ssh-ed25519';
const RSA_LABEL = 'age-encryption.org/v1/ssh-rsa';
const ZERO_NONCE = new Uint8Array(12);
const EMPTY = new Uint8Array(0);

/** age's stanza encoding: standard base64 without padding, canonical only. */
function encodeRaw(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

/** The per-key tweak scalar: HKDF-SHA-256(ikm = "", salt = SSH wire key, info = label). */
function tweakOf(key: SshPublicKey): Uint8Array {
  return hkdfSha256(EMPTY, key.wire, ED25519_LABEL, 32);
}

function wrapKeyOf(shared: Uint8Array, ephemeralShare: Uint8Array, recipientShare: Uint8Array): Uint8Array {
  return hkdfSha256(shared, concatBytes(ephemeralShare, recipientShare), ED25519_LABEL, 32);
}

export class SshRecipient implements Recipient {
  constructor(private readonly key: SshPublicKey, private readonly random: RandomSource) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const { Stanza } = await import('age-encryption');
    const tag = sshTag(this.key);
    if (this.key.type === 'ssh-rsa') {
      const body = publicEncrypt(
        { key: this.key.rsa as KeyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: utf8(RSA_LABEL) },
        fileKey,
      );
      return [new Stanza(['ssh-rsa', tag], new Uint8Array(body))];
    }
    let theirs: Uint8Array;
    try {
      theirs = ed25519.utils.toMontgomery(this.key.ed25519 as Uint8Array);
    } catch {
      throw new FormatError(`${formatSshPublicKey(this.key).slice(0, 40)}…: not a valid Ed25519 public key`);
    }
    const ephemeral = this.random(32);
    const share = x25519.scalarMultBase(ephemeral);
    const shared = x25519.scalarMult(tweakOf(this.key), x25519.scalarMult(ephemeral, theirs));
    const wrapKey = wrapKeyOf(shared, share, theirs);
    const body = chacha20poly1305(wrapKey, ZERO_NONCE).encrypt(fileKey);
    wipe(ephemeral, shared, wrapKey);
    return [new Stanza(['ssh-ed25519', tag, encodeRaw(share)], body)];
  }
}
