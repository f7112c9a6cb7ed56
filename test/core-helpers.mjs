// Shared fixtures for the core unit tests: a seeded random source, cheap scrypt parameters and
// ready-made credentials. Imports the BUILT core from dist/.
import { createHash } from 'node:crypto';
import { createKeyring, addEntry } from '../dist/core/keyring.js';
import { KdfCache } from '../dist/core/kdf.js';
import { sealEnvelope } from '../dist/core/envelope.js';
import { systemRandom } from '../dist/core/random.js';

/** scrypt at the minimum cost so tests stay fast (the format allows logN 10..20 on write). */
export const FAST = { logN: 10, r: 8, p: 1 };

/**
 * A deterministic RandomSource: SHA-256(seed || counter) blocks. Same seed, same bytes.
 * @param {string} seed
 * @returns {(length: number) => Uint8Array}
 */
export function seededRandom(seed) {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

/**
 * @param {string} text
 * @param {string} [origin]
 * @returns {import('../dist/core/credential.js').Credential}
 */
export function password(text, origin = '--password-file "pw.txt"') {
  return { kind: 'password', password: new TextEncoder().encode(text), origin };
}

/**
 * @param {Uint8Array} key
 * @param {string} [origin]
 * @returns {import('../dist/core/credential.js').Credential}
 */
export function keyFile(key, origin = '--key-file "ci.key"') {
  return { kind: 'key-file', key, origin };
}

/**
 * A keyring named `name` ('' = inline) with one password entry per given password.
 * @param {string} name
 * @param {string[]} passwords
 * @param {string} [seed]
 */
export async function makeKeyring(name, passwords, seed = 'keyring') {
  const random = seededRandom(seed);
  const kdf = new KdfCache();
  let unlocked = createKeyring(name, random);
  for (const [i, text] of passwords.entries()) {
    unlocked = await addEntry(unlocked, password(text), `member${i}`, kdf, random, FAST);
  }
  return { unlocked, kdf, random };
}

export const enc = (/** @type {string} */ text) => new TextEncoder().encode(text);
export const dec = (/** @type {Uint8Array} */ bytes) => new TextDecoder().decode(bytes);

/**
 * The error thrown by fn (sync or async), or a failure when none is thrown.
 * @param {() => unknown} fn
 * @returns {Promise<any>}
 */
export async function thrown(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * What `vault encrypt --password-file` writes outside a repository (an envelope carrying its
 * inline keyring, one password entry), made in process with the entry at scrypt 2^10 instead of
 * the default 2^17: for tests that need such a file as input and do not test the password's work
 * factor. Each open costs one scrypt of the entry's own factor, so 2^10 saves about 0.4 s (idle)
 * per process that opens the file.
 * @param {string} plaintext
 * @param {string} passwordText the password as read from its file (without the newline)
 * @returns {Promise<Uint8Array>}
 */
export async function sealForPassword(plaintext, passwordText) {
  const inline = await addEntry(createKeyring('', systemRandom), password(passwordText), 'password-1', new KdfCache(), systemRandom, FAST);
  return sealEnvelope(new TextEncoder().encode(plaintext), inline);
}
