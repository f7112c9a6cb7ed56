// The hostile-repository vectors (fixtures/hostile/hostile.json, docs/FORMAT.md §3.4, §5.6, §5.7):
// keyless envelope validation, keyring standing against a clone's history, the placement record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKeyring, parseKeyring } from '../dist/core/keyring.js';
import { openEnvelope } from '../dist/core/envelope.js';
import { checkEnvelopeShape } from '../dist/core/envelope-shape.js';
import { KdfCache } from '../dist/core/kdf.js';
import { AuthError, FormatError } from '../dist/errors.js';
import { keyringStanding, standingError, parseKeyringHistory, serializeKeyringHistory } from '../dist/repo/keyring-history.js';
import { parsePlacement } from '../dist/repo/placement.js';
import { FIXTURES } from './helpers.mjs';

const dir = join(FIXTURES, 'vectors');
// Paths in hostile.json are relative to fixtures/vectors, whose files the seed regenerates.
const doc = JSON.parse(readFileSync(join(FIXTURES, 'hostile', 'hostile.json'), 'utf8'));
const kdf = new KdfCache();
const password = { kind: 'password', password: new TextEncoder().encode('correct horse battery staple'), origin: 'vector password' };

/** @param {string} file */
async function unlock(file) {
  return openKeyring(parseKeyring(readFileSync(join(dir, file), 'utf8'), file), [/** @type {any} */ (password)], kdf);
}

test('appended plaintext: a format error with the key, and keyless', async () => {
  const bytes = new Uint8Array(readFileSync(join(dir, doc.appended.file)));
  const unlocked = await unlock(doc.appended.keyring);
  assert.throws(() => openEnvelope(bytes, unlocked, doc.appended.file), (/** @type {unknown} */ e) => e instanceof FormatError);
  assert.throws(() => checkEnvelopeShape(bytes, doc.appended.file), (/** @type {unknown} */ e) => e instanceof FormatError);
});

test('keyless validation of every envelope vector', () => {
  for (const [file, expect] of Object.entries(doc.shape.expect)) {
    let outcome = 'success';
    try {
      checkEnvelopeShape(new Uint8Array(readFileSync(join(dir, file))), file);
    } catch (error) {
      assert.ok(error instanceof FormatError, `${file}: ${error}`);
      outcome = 'format';
    }
    assert.is(outcome, expect, file);
  }
});

test('keyring standing against the clone history', async () => {
  for (const vector of doc.standing.cases) {
    const history = vector.history === null ? null : parseKeyringHistory(
      serializeKeyringHistory({ current: vector.history.current, retired: new Set(vector.history.retired) }), vector.name,
    );
    let outcome;
    try {
      const unlocked = await unlock(vector.keyring);
      const standing = keyringStanding(history, unlocked);
      assert.is(standing, vector.standing, vector.name);
      const error = standingError(standing, 'team', vector.keyring);
      if (error) throw error;
      outcome = 'success';
    } catch (error) {
      assert.ok(error instanceof AuthError, `${vector.name}: ${error}`);
      outcome = 'auth';
    }
    assert.is(outcome, vector.expect, vector.name);
  }
});

test('a damaged history file is refused, not ignored', () => {
  assert.throws(() => parseKeyringHistory('current zz\n', 'h'), (/** @type {unknown} */ e) => e instanceof AuthError);
  assert.throws(() => parseKeyringHistory('retired 00\n', 'h'), (/** @type {unknown} */ e) => e instanceof AuthError);
});

test('the placement record: last line wins, damaged lines skipped', () => {
  assert.equal(Object.fromEntries(parsePlacement(doc.placement.text)), doc.placement.expect);
});

test.run();
