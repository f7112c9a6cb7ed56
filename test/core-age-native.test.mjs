// The node:crypto reader of entry age files (src/core/age-native.ts) against age-encryption and the
// ssh recipients that write them: X25519, ssh-ed25519 and ssh-rsa files open to the same bytes,
// another identity opens nothing, every bit flip of the file fails, a post-quantum file is left to
// the library, and the recipient derived from an identity is the one age-keygen prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encrypter, generateHybridIdentity, identityToRecipient } from 'age-encryption';
import { nativeAgeIdentity, nativeSshIdentity, openAgeNative } from '../dist/core/age-native.js';
import { SshRecipient } from '../dist/core/age-ssh.js';
import { parseOpenSshPrivateKey } from '../dist/core/ssh-key.js';
import { systemRandom } from '../dist/core/random.js';
import { FIXTURES } from './helpers.mjs';

const ids = join(FIXTURES, 'identity-vectors', 'identities');
const ageLine = (/** @type {string} */ name) => /** @type {string} */ (readFileSync(join(ids, name), 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-')));
const sshKey = (/** @type {string} */ name) => parseOpenSshPrivateKey(readFileSync(join(ids, name), 'utf8'), name);

/** @param {string | import('age-encryption').Recipient} recipient @param {Uint8Array} plaintext */
async function seal(recipient, plaintext) {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return encrypter.encrypt(plaintext);
}

test('X25519: the recipient is age-keygen\'s and files made by age-encryption open', async () => {
  const alice = nativeAgeIdentity(ageLine('alice.txt'));
  assert.ok(alice);
  assert.is(alice.recipient, /# public key: (age1[a-z0-9]+)/.exec(readFileSync(join(ids, 'alice.txt'), 'utf8'))?.[1]);
  assert.is(alice.recipient, await identityToRecipient(ageLine('alice.txt')));
  const bob = nativeAgeIdentity(ageLine('bob.txt'));
  for (let i = 0; i < 5; i++) {
    const key = new Uint8Array(randomBytes(32));
    const file = await seal(alice.recipient, key);
    assert.equal(openAgeNative(file, alice.identity), key);
    assert.is(openAgeNative(file, /** @type {any} */ (bob).identity), null);
  }
  assert.is(nativeAgeIdentity('AGE-SECRET-KEY-1NOTBECH32'), null);
  assert.is(nativeAgeIdentity(ageLine('erin-pq.txt')), null, 'post-quantum identities go to the library');
});

test('ssh-ed25519 and ssh-rsa files written by SshRecipient open; another key opens nothing', async () => {
  const carol = sshKey('carol_ed25519');
  const dave = sshKey('dave_rsa');
  if (carol.encrypted || dave.encrypted) throw new Error('fixture keys are not protected');
  for (const key of [carol, dave]) {
    const other = key === carol ? dave : carol;
    const data = new Uint8Array(randomBytes(32));
    const file = await seal(new SshRecipient(key.publicKey, systemRandom), data);
    assert.equal(openAgeNative(file, nativeSshIdentity(key.publicKey, key)), data);
    assert.is(openAgeNative(file, nativeSshIdentity(other.publicKey, /** @type {any} */ (other))), null);
  }
});

test('every bit flip of an X25519 and an ssh-ed25519 file fails', async () => {
  const alice = /** @type {NonNullable<ReturnType<typeof nativeAgeIdentity>>} */ (nativeAgeIdentity(ageLine('alice.txt')));
  const carol = sshKey('carol_ed25519');
  if (carol.encrypted) throw new Error('unexpected');
  const cases = [
    { file: await seal(alice.recipient, new Uint8Array(32).fill(7)), identity: alice.identity },
    { file: await seal(new SshRecipient(carol.publicKey, systemRandom), new Uint8Array(32).fill(7)), identity: nativeSshIdentity(carol.publicKey, carol) },
  ];
  for (const { file, identity } of cases) {
    for (let offset = 0; offset < file.length; offset++) {
      for (const bit of [0, 5]) {
        const bad = file.slice();
        bad[offset] ^= 1 << bit;
        const out = openAgeNative(bad, identity);
        // Flipping bit 5 of a base64 letter may change only its case... which changes the bytes: still fails.
        assert.is(out, null, `offset ${offset} bit ${bit}`);
      }
    }
    assert.is(openAgeNative(file.subarray(0, file.length - 1), identity), null, 'truncated');
  }
});

test('a post-quantum file has no stanza for a native identity', async () => {
  const pq = await generateHybridIdentity();
  const file = await seal(await identityToRecipient(pq), new Uint8Array(32));
  const alice = /** @type {NonNullable<ReturnType<typeof nativeAgeIdentity>>} */ (nativeAgeIdentity(ageLine('alice.txt')));
  assert.is(openAgeNative(file, alice.identity), null);
  assert.is(openAgeNative(new TextEncoder().encode('not an age file'), alice.identity), null);
});

test.run();
