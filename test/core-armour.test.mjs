// The envelope armour: exact line rules, canonical base64, streaming with line-sized memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArmourEncoder, ArmourDecoder, decodeBase64, encodeBase64, ENVELOPE_MAGIC } from '../dist/core/armour.js';
import { isEnvelope, inspectEnvelope } from '../dist/core/envelope.js';
import { FormatError } from '../dist/errors.js';
import { seededRandom, enc, dec, thrown } from './core-helpers.mjs';

/** @param {Uint8Array} binary @param {number} step */
function encode(binary, step) {
  const encoder = new ArmourEncoder();
  const parts = [];
  for (let i = 0; i < binary.length; i += step) parts.push(...encoder.push(binary.subarray(i, i + step)));
  parts.push(...encoder.finish());
  return new Uint8Array(Buffer.concat(parts));
}
/** @param {Uint8Array} text @param {number} step */
function decode(text, step) {
  const decoder = new ArmourDecoder('f.vault');
  const parts = [];
  for (let i = 0; i < text.length; i += step) parts.push(...decoder.push(text.subarray(i, i + step)));
  parts.push(...decoder.finish());
  return new Uint8Array(Buffer.concat(parts));
}

test('encode then decode in any push sizes, lines of exactly 76 columns', () => {
  const random = seededRandom('armour');
  for (const size of [1, 2, 3, 56, 57, 58, 114, 1000, 10000]) {
    const binary = random(size);
    const text = encode(binary, 13);
    assert.equal(text, encode(binary, size), 'independent of push sizes');
    const lines = dec(text).split('\n');
    assert.is(lines[0], ENVELOPE_MAGIC);
    assert.is(lines.pop(), '');
    assert.is(lines.slice(1).join(''), Buffer.from(binary).toString('base64'));
    for (const line of lines.slice(1, -1)) assert.is(line.length, 76);
    for (const step of [1, 7, 77, 100000]) assert.equal(decode(text, step), binary, `size ${size} step ${step}`);
  }
});

test('canonical base64 only', () => {
  assert.equal(decodeBase64('AAEC'), new Uint8Array([0, 1, 2]));
  assert.is(encodeBase64(new Uint8Array([0, 1])), 'AAE=');
  for (const bad of ['AAF=', 'AAE', 'AA==AA==', 'AAE= ', ' AAE=', 'AA-_', 'AAE==', '====']) {
    assert.is(decodeBase64(bad), null, bad);
  }
  assert.equal(decodeBase64(''), new Uint8Array(0));
});

test('the first line decides: not a vault file, newer version, damaged header line', async () => {
  const cases = [
    ['hello\n', /not a vault file/],
    ['', /not a vault file \(empty\)/],
    ['$VAULTFILE;3;AES256\nAAAA\n', /written by a newer vaultfile \(envelope version 3\); upgrade vaultfile/],
    ['$VAULTFILE;1;AES128\nAAAA\n', /unsupported envelope header/],
    ['$VAULTFILE;01;AES256\nAAAA\n', /unsupported envelope header/],
    ['$VAULTFILE;1;AES256\r\nAAAA\r\n', /CR line endings/],
    ['$VAULTFILE;1;AES256', /not a vault file|unsupported/],
    [`${'x'.repeat(100)}`, /not a vault file/],
    [`$VAULTFILE;1;AES256${'x'.repeat(100)}`, /unsupported envelope header/],
    ['$VAULTFILE;1;AES256\n', /truncated \(no payload/],
    [`$VAULTFILE;1;AES256\n${'A'.repeat(80)}`, /line 2 is longer than 76/],
    ['$VAULTFILE;1;AES256\nAA=A\n', /not base64/],
    ['$VAULTFILE;1;AES256\nAAA\n', /not canonical/],
  ];
  for (const [text, pattern] of cases) {
    const error = await thrown(() => decode(enc(/** @type {string} */ (text)), 5));
    assert.instance(error, FormatError, JSON.stringify(text));
    assert.match(error.message, /** @type {RegExp} */ (pattern), JSON.stringify(text));
    assert.match(error.message, /^"f\.vault": /);
  }
});

test('isEnvelope looks at the prefix only; inspectEnvelope reads only the header', async () => {
  assert.ok(isEnvelope(enc('$VAULTFILE;2;AES256\n')));
  assert.ok(isEnvelope(enc('$VAULTFILE;1;AES256\ngarbage')));
  assert.not.ok(isEnvelope(enc('$VAULTFIL')));
  assert.not.ok(isEnvelope(enc('$ANSIBLE_VAULT;1.1;AES256\n')));
  assert.instance(await thrown(() => inspectEnvelope(enc('$VAULTFILE;1;AES256\nAQAEdGVh\n'), 'f')), FormatError);
  assert.instance(await thrown(() => inspectEnvelope(enc('$VAULTFILE;1;AES256\n'), 'f')), FormatError);
});

test('a run of full lines is checked in bulk; any bad character still names its line', async () => {
  const text = dec(encode(seededRandom('bulk')(57 * 40 + 10), 1000));
  const lines = text.split('\n');
  // Line numbers count the magic line as 1; body line i is lines[i - 1].
  const cases = [
    [(/** @type {string} */ l) => `${l.slice(0, 10)}-${l.slice(11)}`, /line 7 holds a character that is not base64/],
    [(/** @type {string} */ l) => `${l.slice(0, 10)}_${l.slice(11)}`, /line 7 holds a character that is not base64/],
    [(/** @type {string} */ l) => `${l.slice(0, 10)} ${l.slice(11)}`, /line 7 holds a character that is not base64/],
    [(/** @type {string} */ l) => `${l.slice(0, 10)}=${l.slice(11)}`, /line 7 holds a character that is not base64/],
    [(/** @type {string} */ l) => `${l.slice(0, 75)}\u00e9`, /line 7 holds a character that is not base64/],
  ];
  for (const [mutate, message] of cases) {
    const damaged = [...lines];
    damaged[6] = /** @type {(l: string) => string} */ (mutate)(/** @type {string} */ (damaged[6]));
    const bytes = new Uint8Array(Buffer.from(damaged.join('\n'), 'latin1'));
    for (const step of [77 * 3, 100000]) {
      const error = await thrown(() => decode(bytes, step));
      assert.instance(error, FormatError);
      assert.match(/** @type {Error} */ (error).message, /** @type {RegExp} */ (message));
    }
  }
});

test.run();
