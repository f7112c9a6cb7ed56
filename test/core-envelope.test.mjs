// Envelope v1 round trips and failure classes, against the built core.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  sealEnvelope, openEnvelope, inspectEnvelope, isEnvelope, openInlineEnvelope, ENVELOPE_MAGIC,
  EnvelopeSealer, EnvelopeOpener,
} from '../dist/core/envelope.js';
import { AuthError, FormatError } from '../dist/errors.js';
import { makeKeyring, seededRandom, password, enc, dec, thrown } from './core-helpers.mjs';

const { unlocked } = await makeKeyring('default', ['correct horse']);
const { unlocked: other } = await makeKeyring('default', ['other'], 'other');

test('random mode round trips at every size around the chunk boundary', () => {
  const random = seededRandom('sizes');
  for (const size of [0, 1, 15, 16, 17, 56, 57, 58, 65535, 65536, 65537, 131072, 131073, 200000]) {
    const plaintext = random(size);
    const sealed = sealEnvelope(plaintext, unlocked);
    assert.ok(isEnvelope(sealed));
    assert.equal(dec(sealed.subarray(0, ENVELOPE_MAGIC.length + 1)), `${ENVELOPE_MAGIC}\n`);
    const lines = dec(sealed).split('\n');
    assert.is(lines.pop(), '', 'ends with a newline');
    for (const line of lines.slice(1, -1)) assert.is(line.length, 76);
    assert.ok((lines.at(-1) ?? '').length <= 76);
    assert.equal(openEnvelope(sealed, unlocked, 'f.yml'), plaintext, `size ${size}`);
  }
});

test('random mode gives a different envelope each time', () => {
  const a = sealEnvelope(enc('same'), unlocked);
  const b = sealEnvelope(enc('same'), unlocked);
  assert.not.equal(a, b);
});

test('deterministic mode: same input and key give the same bytes; another key differs', () => {
  const a = sealEnvelope(enc('token: x\n'), unlocked, { deterministic: true });
  const b = sealEnvelope(enc('token: x\n'), unlocked, { deterministic: true });
  const c = sealEnvelope(enc('token: y\n'), unlocked, { deterministic: true });
  const d = sealEnvelope(enc('token: x\n'), other, { deterministic: true });
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.not.equal(a, d);
  assert.ok(inspectEnvelope(a, 'a').deterministic);
  assert.is(dec(openEnvelope(a, unlocked, 'a')), 'token: x\n');
});

test('inspectEnvelope reports the keyring and data key id without a key', () => {
  const sealed = sealEnvelope(enc('x'), unlocked);
  const info = inspectEnvelope(sealed, 'f');
  assert.is(info.keyringName, 'default');
  assert.equal(info.dataKeyId, unlocked.keyring.dataKeyId);
  assert.is(info.deterministic, false);
  assert.is(info.inlineKeyring, undefined);
});

test('inline keyring: opens with the password alone', async () => {
  const { unlocked: inline, kdf } = await makeKeyring('', ['pw1'], 'inline');
  const sealed = sealEnvelope(enc('standalone'), inline);
  const info = inspectEnvelope(sealed, 'f');
  assert.is(info.keyringName, null);
  assert.ok(info.inlineKeyring);
  assert.is(dec(await openInlineEnvelope(sealed, [password('pw1')], kdf, 'f')), 'standalone');
  const error = await thrown(() => openInlineEnvelope(sealed, [password('nope')], kdf, 'f'));
  assert.instance(error, AuthError);
});

test('wrong keyring is an auth error, garbage is a format error', async () => {
  const sealed = sealEnvelope(enc('x'), unlocked);
  assert.instance(await thrown(() => openEnvelope(sealed, other, 'f')), AuthError);
  assert.instance(await thrown(() => openEnvelope(enc('hello'), unlocked, 'f')), FormatError);
  assert.not.ok(isEnvelope(enc('hello')));
});

test('streaming sealer and opener agree with the whole-buffer API', () => {
  const plaintext = seededRandom('stream')(300000);
  const sealer = new EnvelopeSealer(unlocked);
  const parts = [];
  for (let i = 0; i < plaintext.length; i += 7777) parts.push(...sealer.push(plaintext.subarray(i, i + 7777)));
  parts.push(...sealer.finish());
  const sealed = Buffer.concat(parts);
  assert.equal(openEnvelope(sealed, unlocked, 'f'), plaintext);
  const opener = new EnvelopeOpener(unlocked, 'f');
  const out = [];
  for (let i = 0; i < sealed.length; i += 1000) out.push(...opener.push(sealed.subarray(i, i + 1000)));
  out.push(...opener.finish());
  assert.equal(new Uint8Array(Buffer.concat(out)), plaintext);
});

test.run();
