// Project Wycheproof vectors (fixtures/wycheproof, Apache-2.0) against the exact primitives the core
// calls: node:crypto aes-256-gcm with 12-byte nonces and 16-byte tags, and the core's own AES-KW,
// HMAC-SHA-256 and HKDF-SHA-256 wrappers over node:crypto.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { aesKeyUnwrap, aesKeyWrap } from '../dist/core/aes-kw.js';
import { hmacSha256, hkdfSha256 } from '../dist/core/derive.js';
import { FIXTURES } from './helpers.mjs';

/** @param {string} name */
function load(name) {
  return JSON.parse(readFileSync(join(FIXTURES, 'wycheproof', `${name}.json`), 'utf8'));
}
const hex = (/** @type {string} */ text) => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString('hex');

test('AES-256-GCM (node:crypto, 96-bit nonce, 128-bit tag): every vector', () => {
  let ran = 0;
  for (const group of load('aes_gcm_test').testGroups) {
    if (group.keySize !== 256 || group.ivSize !== 96 || group.tagSize !== 128) continue;
    for (const t of group.tests) {
      ran++;
      const decipher = createDecipheriv('aes-256-gcm', hex(t.key), hex(t.iv), { authTagLength: 16 });
      decipher.setAAD(hex(t.aad));
      decipher.setAuthTag(hex(t.tag));
      let plaintext = null;
      try {
        const body = decipher.update(hex(t.ct));
        decipher.final();
        plaintext = toHex(body);
      } catch {
        plaintext = null;
      }
      if (t.result === 'invalid') {
        assert.is(plaintext, null, `tcId ${t.tcId} must fail`);
        continue;
      }
      if (t.result === 'acceptable' && plaintext === null) continue;
      assert.is(plaintext, t.msg, `tcId ${t.tcId} decrypts`);
      const cipher = createCipheriv('aes-256-gcm', hex(t.key), hex(t.iv), { authTagLength: 16 });
      cipher.setAAD(hex(t.aad));
      const ct = Buffer.concat([cipher.update(hex(t.msg)), cipher.final()]);
      assert.is(toHex(ct), t.ct, `tcId ${t.tcId} ciphertext`);
      assert.is(toHex(cipher.getAuthTag()), t.tag, `tcId ${t.tcId} tag`);
    }
  }
  assert.ok(ran >= 50, `ran ${ran} AES-256-GCM vectors`);
});

test('AES-KW (RFC 3394, core aesKeyWrap over node:crypto): every vector, all key sizes', () => {
  let ran = 0;
  for (const group of load('aes_wrap_test').testGroups) {
    for (const t of group.tests) {
      ran++;
      let unwrapped = null;
      try {
        unwrapped = toHex(aesKeyUnwrap(hex(t.key), hex(t.ct)));
      } catch {
        unwrapped = null;
      }
      if (t.result === 'invalid') {
        assert.is(unwrapped, null, `tcId ${t.tcId} must fail to unwrap`);
        continue;
      }
      // "acceptable": 8-byte inputs are refused (RFC 3394 needs two blocks; we wrap 32 bytes).
      if (t.result === 'acceptable' && unwrapped === null) continue;
      assert.is(unwrapped, t.msg, `tcId ${t.tcId} unwraps`);
      assert.is(toHex(aesKeyWrap(hex(t.key), hex(t.msg))), t.ct, `tcId ${t.tcId} wraps`);
    }
  }
  assert.is(ran, 165);
});

test('HMAC-SHA-256 (core hmacSha256): every vector, truncated tags by prefix', () => {
  let ran = 0;
  for (const group of load('hmac_sha256_test').testGroups) {
    for (const t of group.tests) {
      ran++;
      const tag = toHex(hmacSha256(hex(t.key), hex(t.msg))).slice(0, group.tagSize / 4);
      if (t.result === 'invalid') assert.is.not(tag, t.tag, `tcId ${t.tcId}`);
      else assert.is(tag, t.tag, `tcId ${t.tcId}`);
    }
  }
  assert.is(ran, 174);
});

test('HKDF-SHA-256 (core hkdfSha256 over node:crypto): every vector', () => {
  let ran = 0;
  for (const group of load('hkdf_sha256_test').testGroups) {
    for (const t of group.tests) {
      ran++;
      let okm = null;
      try {
        okm = toHex(hkdfSha256(hex(t.ikm), hex(t.salt), hex(t.info), t.size));
      } catch {
        okm = null;
      }
      if (t.result === 'invalid') assert.is(okm, null, `tcId ${t.tcId} must be refused`);
      else assert.is(okm, t.okm, `tcId ${t.tcId}`);
    }
  }
  assert.is(ran, 86);
  // A string label is its UTF-8 bytes as info.
  const ikm = hex('00'.repeat(32));
  assert.equal(hkdfSha256(ikm, new Uint8Array(0), 'label', 32), hkdfSha256(ikm, new Uint8Array(0), new TextEncoder().encode('label'), 32));
});

test.run();
