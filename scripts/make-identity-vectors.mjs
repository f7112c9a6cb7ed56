#!/usr/bin/env node
// Regenerates fixtures/identity-vectors/ (docs/FORMAT.md §11.1): keyrings whose entries are age,
// ssh and kms entries, each with an envelope sealed under it, made from a fixed seed. The
// identities in identities/ are fixed inputs (made once by age-keygen, ssh-keygen and
// `vault keygen --pq`). age-encryption draws its randomness from crypto.getRandomValues, which
// this script replaces with the seeded stream while it runs; RSA-OAEP's padding comes from OpenSSL
// and cannot be seeded, so the ssh-rsa vectors are checked by opening only.
// Usage: npm run build && node scripts/make-identity-vectors.mjs   (writes fixtures/identity-vectors/)
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyring, serializeKeyring } from '../dist/core/keyring.js';
import { addPublicEntry } from '../dist/core/keyring-public.js';
import { sealEnvelope } from '../dist/core/envelope.js';
import { parseSshPublicKey } from '../dist/core/ssh-key.js';
import { hmacSha256, keyringMacKey } from '../dist/core/derive.js';

export const SEED = 'vaultfile identity vectors v1';
export const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'identity-vectors');
export const KMS_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const PLAINTEXT = 'db_password: vector-secret\n';

/** @param {string} label */
export function seeded(label) {
  let counter = 0;
  return (/** @type {number} */ length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(`${SEED}/${label}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

/**
 * The vectors' stand-in for AWS KMS: AES-256-GCM under a key derived from the seed, the
 * encryption context as AAD (as KMS binds it), nonce from the seeded stream. Tests use the same.
 */
export function vectorKms(random = seeded('kms')) {
  const key = createHash('sha256').update(`${SEED}/kms key`).digest();
  const aad = (/** @type {Record<string, string>} */ context) => Buffer.from(JSON.stringify(Object.entries(context).sort()));
  return {
    async encrypt(/** @type {string} */ arn, /** @type {Uint8Array} */ plaintext, /** @type {Record<string, string>} */ context) {
      if (arn !== KMS_ARN) throw new Error(`unknown key ${arn}`);
      const iv = random(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(context));
      return new Uint8Array(Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    async decrypt(/** @type {string} */ arn, /** @type {Uint8Array} */ blob, /** @type {Record<string, string>} */ context) {
      const { AuthError } = await import('../dist/errors.js');
      if (arn !== KMS_ARN) throw new AuthError(`${arn}: IncorrectKeyException`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12)).setAAD(aad(context)).setAuthTag(blob.subarray(blob.length - 16));
        return new Uint8Array(Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]));
      } catch {
        throw new AuthError(`${arn}: InvalidCiphertextException`);
      }
    },
  };
}

/** Run FN with crypto.getRandomValues drawing from a seeded stream (age-encryption's randomness). */
async function withSeededWebCrypto(/** @type {string} */ label, /** @type {() => Promise<any>} */ fn) {
  const random = seeded(`webcrypto/${label}`);
  const original = crypto.getRandomValues.bind(crypto);
  // @ts-ignore: a test-vector generator pins the library's randomness on purpose.
  crypto.getRandomValues = (array) => {
    const bytes = random(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  };
  try {
    return await fn();
  } finally {
    crypto.getRandomValues = original;
  }
}

const recipientOf = (/** @type {string} */ file) => /# public key: (age1[a-z0-9]+)/.exec(readFileSync(join(DIR, 'identities', file), 'utf8'))?.[1] ?? '';
const sshKey = (/** @type {string} */ file) => parseSshPublicKey(readFileSync(join(DIR, 'identities', file), 'utf8'), file);

/** @returns {Promise<{ files: Map<string, Uint8Array>, manifest: any }>} */
export async function buildIdentityVectors() {
  // age-encryption's curves draw random bytes as they load (a probe of the random source): load
  // them before any seeded window, or the first build in a process comes out different.
  await Promise.all([import('age-encryption'), import('../dist/core/age-ssh.js')]);
  /** @type {Map<string, Uint8Array>} */
  const files = new Map();
  /** @type {any[]} */
  const vectors = [];
  /**
   * Adds the manifest's vector NAME: IDENTITY tried on the keyring and file of BASE (NAME's own
   * unless told), and the class EXPECT of the outcome.
   * @param {{ name: string, base?: string, identity: string, expect: string, comment: string }} vector
   */
  const addVector = ({ name, base = name, identity, expect, comment }) =>
    vectors.push({ name, keyring: `${base}.keyring`, file: `${base}.vault`, identity, expect, comment });
  /** @type {Map<string, Uint8Array>} */
  const dataKeys = new Map();
  /** @type {{ name: string, entry: any, identity: string, comment: string }[]} */
  const keyrings = [
    { name: 'age', entry: { kind: 'age', label: 'alice', recipient: recipientOf('alice.txt') }, identity: 'identities/alice.txt', comment: 'X25519 recipient; age -d -i alice.txt opens the entry' },
    { name: 'age-pq', entry: { kind: 'age', label: 'erin-pq', recipient: recipientOf('erin-pq.txt') }, identity: 'identities/erin-pq.txt', comment: 'post-quantum hybrid recipient (age1pq1…)' },
    { name: 'ssh-ed25519', entry: { kind: 'ssh', label: 'carol', key: sshKey('carol_ed25519.pub') }, identity: 'identities/carol_ed25519', comment: 'ssh-ed25519 stanza, as age\'s' },
    { name: 'ssh-rsa', entry: { kind: 'ssh', label: 'dave', key: sshKey('dave_rsa.pub') }, identity: 'identities/dave_rsa', comment: 'ssh-rsa stanza (RSA-OAEP-SHA-256); opening only' },
    { name: 'kms', entry: { kind: 'kms', label: 'ci', keyArn: KMS_ARN }, identity: 'kms', comment: 'KMS blob, encryption context {"vaultfile:keyring": "kms"}' },
  ];
  for (const { name, entry, identity, comment } of keyrings) {
    const random = seeded(name);
    const text = await withSeededWebCrypto(name, async () => {
      let unlocked = createKeyring(name, random);
      unlocked = await addPublicEntry(unlocked, entry, random, vectorKms(seeded(`kms/${name}`)));
      const keyring = serializeKeyring(unlocked);
      dataKeys.set(name, unlocked.dataKey);
      files.set(`${name}.vault`, sealEnvelope(new TextEncoder().encode(PLAINTEXT), unlocked, { random }));
      return keyring;
    });
    files.set(`${name}.keyring`, new TextEncoder().encode(text));
    addVector({ name, identity, expect: 'success', comment });
  }
  addVector({ name: 'age-wrong-identity', base: 'age', identity: 'identities/bob.txt', expect: 'no-key', comment: 'bob is no recipient of this keyring: nothing to try' });
  addVector({ name: 'ssh-ed25519-wrong-identity', base: 'ssh-ed25519', identity: 'identities/alice.txt', expect: 'no-key', comment: 'an age identity for an ssh entry' });

  /**
   * Adds VECTOR with a keyring of its own, FROM's keyring text after CHANGE, and FROM's file.
   * @param {string} from
   * @param {(text: string) => string} change
   * @param {{ name: string, identity: string, expect: string, comment: string }} vector
   */
  const addVariant = (from, change, vector) => {
    files.set(`${vector.name}.keyring`, new TextEncoder().encode(change(new TextDecoder().decode(files.get(`${from}.keyring`)))));
    files.set(`${vector.name}.vault`, /** @type {Uint8Array} */ (files.get(`${from}.vault`)));
    addVector(vector);
  };
  // A flipped byte inside the wrapped age file's stanza body (past the header line).
  const flipAge = (/** @type {string} */ text) => text.replace(/ age=([^ ]+)/, (_m, b64) => {
    const bytes = Buffer.from(b64, 'base64');
    const at = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    return ` age=${bytes.toString('base64')}`;
  });
  addVariant('age', flipAge, { name: 'age-tampered-stanza', identity: 'identities/alice.txt', expect: 'auth', comment: 'one bit of the stanza body flipped' });
  addVariant('ssh-ed25519', flipAge, { name: 'ssh-tampered-stanza', identity: 'identities/carol_ed25519', expect: 'auth', comment: 'one bit of the ssh-ed25519 stanza body flipped' });
  addVariant('kms', (t) => t.replace('name: kms', 'name: kms-other'), { name: 'kms-wrong-context', identity: 'kms', expect: 'auth', comment: 'the entry under another keyring name: KMS refuses the context' });
  addVariant('age', (t) => t.replace(/recipient=age1[a-z0-9]+/, 'recipient=age1notvalid'), { name: 'age-bad-recipient', identity: 'identities/alice.txt', expect: 'format', comment: 'recipient= is not an age recipient' });
  // A newer writer's entry, with the keyring MAC recomputed as that writer would (§5.5.5).
  const addFutureEntry = (/** @type {string} */ t) => {
    const signed = t.slice(0, t.indexOf('mac: ')).replace(/^(entry: .*)$/m, '$1\nentry: 0badc0de future-kind later opaque=1');
    const mac = hmacSha256(keyringMacKey(/** @type {Uint8Array} */ (dataKeys.get('age'))), new TextEncoder().encode(signed));
    return `${signed}mac: ${Buffer.from(mac).toString('base64')}\n`;
  };
  addVariant('age', addFutureEntry, { name: 'future-entry-type', identity: 'identities/alice.txt', expect: 'success', comment: 'an unknown entry type is kept and skipped; writing is refused' });
  const manifest = { seed: SEED, plaintext: PLAINTEXT, kmsArn: KMS_ARN, deterministic: ['age', 'age-pq', 'ssh-ed25519', 'kms'], vectors };
  files.set('manifest.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return { files, manifest };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files } = await buildIdentityVectors();
  for (const [name, bytes] of files) writeFileSync(join(DIR, name), bytes);
  process.stdout.write(`wrote ${files.size} files to ${DIR}\n`);
}
