// The identity entry vectors (fixtures/identity-vectors, docs/FORMAT.md §11.1): each opens with its
// identity or KMS stand-in to the plaintext, or fails with exactly its class (wrong identity,
// tampered stanza, wrong KMS context, malformed recipient); regenerating them from the seed gives
// the committed bytes; the real age 1.1.1 opens the wrapped X25519 and SSH entries; a keyring
// with an entry type from a newer version opens but is never rewritten.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyring, parseKeyring, rotateKeyring, serializeKeyring } from '../dist/core/keyring.js';
import { openEnvelope } from '../dist/core/envelope.js';
import { KdfCache } from '../dist/core/kdf.js';
import { systemRandom } from '../dist/core/random.js';
import { AuthError, FormatError, NoKeyError, UsageError } from '../dist/errors.js';
import { identityFromFile } from '../dist/keys/identities.js';
import { DIR, buildIdentityVectors, vectorKms } from '../scripts/make-identity-vectors.mjs';

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const read = (/** @type {string} */ name) => new Uint8Array(readFileSync(join(DIR, name)));

/** @param {string} identity */
async function credentialsFor(identity) {
  /** @type {any[]} */
  const kms = [{ kind: 'kms', kms: vectorKms(), origin: 'vector kms' }];
  if (identity === 'kms') return kms;
  return identityFromFile(join(DIR, identity), identity, null);
}

/** @param {any} vector */
async function open(vector) {
  const keyring = parseKeyring(new TextDecoder().decode(read(vector.keyring)), vector.keyring);
  const unlocked = await openKeyring(keyring, await credentialsFor(vector.identity), new KdfCache());
  return { keyring, unlocked, plaintext: openEnvelope(read(vector.file), unlocked, vector.file) };
}

/** @param {unknown} error */
function classOf(error) {
  if (error instanceof FormatError) return 'format';
  if (error instanceof AuthError) return 'auth';
  if (error instanceof NoKeyError) return 'no-key';
  return `unexpected ${String(error)}`;
}

test('the manifest covers success, format, auth and no-key', () => {
  const classes = new Set(manifest.vectors.map((/** @type {any} */ v) => v.expect));
  assert.equal([...classes].sort(), ['auth', 'format', 'no-key', 'success']);
});

for (const vector of manifest.vectors) {
  test(`identity vector ${vector.name}: ${vector.expect}`, async () => {
    let outcome;
    let plaintext;
    try {
      plaintext = (await open(vector)).plaintext;
      outcome = 'success';
    } catch (error) {
      outcome = classOf(error);
    }
    assert.is(outcome, vector.expect, vector.comment);
    if (outcome === 'success') assert.is(new TextDecoder().decode(plaintext), manifest.plaintext);
  });
}

test('regenerating from the seed gives the committed bytes (ssh-rsa: OpenSSL pads OAEP)', async () => {
  const { files } = await buildIdentityVectors();
  for (const [name, bytes] of files) {
    if (name.startsWith('ssh-rsa')) continue;
    assert.equal(Buffer.from(bytes).toString('utf8'), readFileSync(join(DIR, name), 'utf8'), name);
  }
  // And on the first build of a fresh process, as `node scripts/make-identity-vectors.mjs` runs it
  // (age-encryption draws random bytes as it loads: it must load outside the seeded stream).
  const script = `import { readFileSync } from 'node:fs';
    import { join } from 'node:path';
    import { DIR, buildIdentityVectors } from ${JSON.stringify(new URL('../scripts/make-identity-vectors.mjs', import.meta.url).href)};
    const { files } = await buildIdentityVectors();
    const differ = [...files].filter(([name, bytes]) => !name.startsWith('ssh-rsa') && !Buffer.from(bytes).equals(readFileSync(join(DIR, name))));
    process.stdout.write(differ.map(([name]) => name).join(' '));`;
  const fresh = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(fresh.status, 0, fresh.stderr);
  assert.is(fresh.stdout, '', 'files a fresh process builds otherwise');
});

test('the real age opens the wrapped entries of the X25519, ssh-ed25519 and ssh-rsa vectors', () => {
  for (const [keyring, identity] of [['age', 'alice.txt'], ['ssh-ed25519', 'carol_ed25519'], ['ssh-rsa', 'dave_rsa']]) {
    const text = new TextDecoder().decode(read(`${keyring}.keyring`));
    const wrapped = Buffer.from(/ age=([^ ]+)/.exec(text)?.[1] ?? '', 'base64');
    const result = spawnSync('age', ['-d', '-i', join(DIR, 'identities', identity)], { input: wrapped });
    assert.is(result.status, 0, `${keyring}: ${result.stderr}`);
    assert.is(result.stdout.length, 32);
  }
});

test('an entry type from a newer vaultfile: the keyring opens through the others, but is never rewritten', async () => {
  const vector = manifest.vectors.find((/** @type {any} */ v) => v.name === 'future-entry-type');
  const { keyring, unlocked } = await open(vector);
  assert.equal(keyring.entries.map((/** @type {any} */ e) => e.kind), ['age', 'unknown']);
  assert.throws(() => serializeKeyring(unlocked), (/** @type {Error} */ e) => e instanceof UsageError && /has type "future-kind", written by a newer vaultfile; upgrade vaultfile/.test(e.message));
  try {
    await rotateKeyring(unlocked, [], new KdfCache(), systemRandom);
    assert.unreachable('rotation must refuse');
  } catch (error) {
    assert.instance(error, UsageError);
  }
});

test.run();
