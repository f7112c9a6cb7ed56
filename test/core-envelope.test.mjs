// Envelope v1 round trips and failure classes, against the built core.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  sealEnvelope, openEnvelope, inspectEnvelope, isEnvelope, openInlineEnvelope, ENVELOPE_MAGIC,
  EnvelopeSealer, EnvelopeOpener,
} from '../dist/core/envelope.js';
import { AuthError, FormatError } from '../dist/errors.js';
import { KdfCache } from '../dist/core/kdf.js';
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

test('sealer and opener refuse use after finish; the opener exposes the header', async () => {
  const sealer = new EnvelopeSealer(unlocked, { random: seededRandom('misuse') });
  const sealed = Buffer.concat([...sealer.push(enc('abc')), ...sealer.finish()]);
  assert.instance(await thrown(() => sealer.push(enc('x'))), Error);
  assert.instance(await thrown(() => sealer.finish()), Error);
  const opener = new EnvelopeOpener(unlocked, 'f');
  assert.is(opener.header, null);
  opener.push(sealed);
  assert.ok(opener.header);
  assert.is(dec(Buffer.concat(opener.finish())), 'abc');
  assert.instance(await thrown(() => opener.push(enc('x'))), Error);
  assert.instance(await thrown(() => opener.finish()), Error);
  const broken = new EnvelopeOpener(unlocked, 'f');
  assert.instance(await thrown(() => broken.push(enc('nope\n'))), FormatError);
  assert.instance(await thrown(() => broken.push(enc('x'))), Error, 'a failed opener stays failed');
  assert.instance(await thrown(() => new EnvelopeSealer(unlocked, { random: () => new Uint8Array(3) })), Error);
});

test('openInlineEnvelope refuses a keyring envelope; seeded random gives reproducible envelopes', async () => {
  const sealed = sealEnvelope(enc('x'), unlocked, { random: seededRandom('r') });
  assert.equal(sealed, sealEnvelope(enc('x'), unlocked, { random: seededRandom('r') }));
  const error = await thrown(() => openInlineEnvelope(sealed, [password('p')], /** @type {any} */ (null), 'f'));
  assert.instance(error, FormatError);
  assert.match(error.message, /keyring default/);
});

test('sealing and opening stream in bounded memory: 160 MiB through 1 MiB pushes', () => {
  const sealer = new EnvelopeSealer(unlocked);
  const opener = new EnvelopeOpener(unlocked, 'big');
  const block = seededRandom('big')(1 << 20);
  let opened = 0;
  const before = process.memoryUsage().rss;
  let peak = before;
  for (let i = 0; i < 160; i++) {
    for (const text of sealer.push(block)) for (const plain of opener.push(text)) opened += plain.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  for (const text of sealer.finish()) for (const plain of opener.push(text)) opened += plain.length;
  for (const plain of opener.finish()) opened += plain.length;
  assert.is(opened, 160 << 20);
  // Holding the data would need 160 MiB or more; streaming needs a few chunks plus GC slack.
  assert.ok(peak - before < 120 << 20, `rss grew ${(peak - before) >> 20} MiB for 160 MiB of data`);
});

test('the opener releases only authenticated chunks: a tampered middle chunk stops the stream', async () => {
  const plaintext = seededRandom('release')(3 * 65536 + 10);
  const sealed = sealEnvelope(plaintext, unlocked);
  const lines = dec(sealed).split('\n');
  const binary = Buffer.from(lines.slice(1).join(''), 'base64');
  const headerLength = binary.length - (3 * 65552 + 26);
  binary[headerLength + 65552 + 100] ^= 1;
  const text = binary.toString('base64');
  const armoured = ['$VAULTFILE;1;AES256'];
  for (let i = 0; i < text.length; i += 76) armoured.push(text.slice(i, i + 76));
  const tampered = enc(`${armoured.join('\n')}\n`);
  const opener = new EnvelopeOpener(unlocked, 'f');
  let released = 0;
  const error = await thrown(() => {
    for (let i = 0; i < tampered.length; i += 4096) {
      for (const piece of opener.push(tampered.subarray(i, i + 4096))) {
        assert.equal(piece, plaintext.subarray(released, released + piece.length));
        released += piece.length;
      }
    }
  });
  assert.instance(error, AuthError);
  assert.match(error.message, /chunk 1/);
  assert.is(released, 65536, 'only chunk 0 was released');
});

test('a bulk run seals and opens 50 standalone files with one scrypt', async () => {
  const { unlocked: inline, kdf } = await makeKeyring('', ['bulk pw'], 'bulk');
  const runsAfterCreate = kdf.runs;
  const files = Array.from({ length: 50 }, (_, i) => sealEnvelope(enc(`file ${i}`), inline));
  const reader = new KdfCache();
  for (const [i, file] of files.entries()) {
    assert.is(dec(await openInlineEnvelope(file, [password('bulk pw')], reader, `f${i}`)), `file ${i}`);
  }
  assert.is(runsAfterCreate, 1);
  assert.is(reader.runs, 1, 'one scrypt for 50 files');
});

test.run();
