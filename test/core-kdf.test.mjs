// scrypt parameters and the per-process KDF cache.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scryptSync } from 'node:crypto';
import { KdfCache, DEFAULT_SCRYPT, MAX_READ_LOG_N, checkWriteParams } from '../dist/core/kdf.js';
import { FormatError, UsageError } from '../dist/errors.js';
import { FAST, enc, thrown } from './core-helpers.mjs';

const salt = new Uint8Array(16).fill(7);

test('defaults: logN 17, r 8, p 1; read cap 2^20', () => {
  assert.equal({ ...DEFAULT_SCRYPT }, { logN: 17, r: 8, p: 1 });
  assert.is(MAX_READ_LOG_N, 20);
  assert.is(new KdfCache().maxLogN, 20);
});

test('derive is scrypt over "vaultfile/v1 scrypt" || salt, cached per password, salt and params', async () => {
  const kdf = new KdfCache();
  const key = await kdf.derive(enc('pw'), salt, FAST);
  const expected = scryptSync('pw', Buffer.concat([Buffer.from('vaultfile/v1 scrypt'), salt]), 32, { N: 1024, r: 8, p: 1 });
  assert.equal(key, new Uint8Array(expected));
  key.fill(0);
  const again = await kdf.derive(enc('pw'), salt, FAST);
  assert.equal(again, new Uint8Array(expected), 'the caller zeroing its copy does not poison the cache');
  await Promise.all([kdf.derive(enc('pw'), salt, FAST), kdf.derive(enc('pw'), salt, FAST)]);
  assert.is(kdf.runs, 1);
  await kdf.derive(enc('pw2'), salt, FAST);
  await kdf.derive(enc('pw'), new Uint8Array(16), FAST);
  await kdf.derive(enc('pw'), salt, { logN: 11, r: 8, p: 1 });
  assert.is(kdf.runs, 4);
  await kdf.wipe();
  await kdf.derive(enc('pw'), salt, FAST);
  assert.is(kdf.runs, 5, 'wipe forgets the cache');
});

test('reader limits: work factor above the cap is refused before running, with the option to raise it', async () => {
  const kdf = new KdfCache();
  const error = await thrown(() => kdf.derive(enc('pw'), salt, { logN: 21, r: 8, p: 1 }, 'secrets.yml'));
  assert.instance(error, FormatError);
  assert.is(error.message, '"secrets.yml": work factor 2^21 exceeds the limit 2^20; pass --max-work-factor 21 if you trust this file');
  assert.is(kdf.runs, 0);
  for (const params of [{ logN: 9, r: 8, p: 1 }, { logN: 10, r: 1, p: 1 }, { logN: 10, r: 8, p: 2 }, { logN: 10.5, r: 8, p: 1 }]) {
    assert.instance(await thrown(() => kdf.derive(enc('pw'), salt, params)), FormatError);
  }
  assert.instance(await thrown(() => kdf.derive(enc('pw'), new Uint8Array(8), FAST)), FormatError);
  const raised = new KdfCache({ maxLogN: 22 });
  assert.is(raised.maxLogN, 22);
  assert.instance(await thrown(() => raised.derive(enc('pw'), salt, { logN: 23, r: 8, p: 1 })), FormatError);
});

test('cache options and write parameters are checked', async () => {
  assert.instance(await thrown(() => new KdfCache({ maxLogN: 5 })), UsageError);
  assert.instance(await thrown(() => new KdfCache({ maxLogN: 31 })), UsageError);
  checkWriteParams(DEFAULT_SCRYPT);
  checkWriteParams({ logN: 20, r: 8, p: 1 });
  for (const params of [{ logN: 21, r: 8, p: 1 }, { logN: 9, r: 8, p: 1 }, { logN: 17, r: 16, p: 1 }, { logN: 17, r: 8, p: 2 }]) {
    assert.instance(await thrown(() => checkWriteParams(params)), UsageError);
  }
});

test.run();
