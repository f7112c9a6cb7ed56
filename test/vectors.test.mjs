// The committed test vectors (fixtures/vectors, docs/FORMAT.md "Test vectors"): each one opens to
// its plaintext or fails with exactly its expected class; and regenerating them with the script's
// seed gives the committed bytes, so the code and the spec's vectors agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseKeyring, openKeyring } from '../dist/core/keyring.js';
import { openEnvelope, openInlineEnvelope } from '../dist/core/envelope.js';
import { parseKeyFile } from '../dist/core/key-file.js';
import { KdfCache } from '../dist/core/kdf.js';
import { AuthError, FormatError, NoKeyError } from '../dist/errors.js';
import { buildVectors } from '../scripts/make-vectors.mjs';
import { FIXTURES } from './helpers.mjs';

const dir = join(FIXTURES, 'vectors');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const read = (/** @type {string} */ path) => new Uint8Array(readFileSync(join(dir, path)));

/** @param {any} vector */
async function open(vector) {
  const bytes = read(vector.file);
  const credential = vector.credential === null ? null : vector.credential.password !== undefined
    ? { kind: 'password', password: new TextEncoder().encode(vector.credential.password), origin: 'vector password' }
    : { kind: 'key-file', key: parseKeyFile(readFileSync(join(dir, vector.credential.keyFile), 'utf8'), vector.credential.keyFile), origin: vector.credential.keyFile };
  const kdf = new KdfCache();
  /** @type {any[]} */
  const credentials = credential === null ? [] : [credential];
  if (vector.keyring === null) return openInlineEnvelope(bytes, credentials, kdf, vector.file);
  const keyring = parseKeyring(readFileSync(join(dir, vector.keyring), 'utf8'), vector.keyring);
  const unlocked = await openKeyring(keyring, credentials, kdf);
  return openEnvelope(bytes, unlocked, vector.file);
}

/** @param {unknown} error */
function classOf(error) {
  if (error instanceof FormatError) return 'format';
  if (error instanceof AuthError) return 'auth';
  if (error instanceof NoKeyError) return 'no-key';
  return `unexpected ${String(error)}`;
}

test('the manifest covers every class and names existing files', () => {
  const classes = new Set(manifest.vectors.map((/** @type {any} */ v) => v.expect));
  for (const name of ['success', 'format', 'auth', 'no-key']) assert.ok(classes.has(name), name);
  assert.ok(manifest.vectors.length >= 40);
});

for (const vector of manifest.vectors) {
  test(`vector ${vector.name}: ${vector.expect}`, async () => {
    let outcome;
    let plaintext;
    try {
      plaintext = await open(vector);
      outcome = 'success';
    } catch (error) {
      outcome = classOf(error);
      if (error instanceof Error) assert.match(error.message, /^"[^"]+": /, 'messages name the file');
    }
    assert.is(outcome, vector.expect, vector.comment);
    if (vector.expect === 'success') assert.equal(plaintext, read(vector.plaintext));
  });
}

test('regenerating with the seed gives the committed bytes, and nothing else is committed', async () => {
  const { files } = await buildVectors();
  /** @type {string[]} */
  const onDisk = [];
  const walk = (/** @type {string} */ path) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else onDisk.push(relative(dir, full));
    }
  };
  walk(dir);
  assert.equal(onDisk.sort(), [...files.keys()].sort());
  for (const [path, bytes] of files) assert.ok(Buffer.from(bytes).equals(readFileSync(join(dir, path))), `${path} differs`);
});

test.run();
