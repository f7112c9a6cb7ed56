// Keyrings: entries, open, MAC tamper detection, rotation, KDF caching, serialization.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createKeyring, addEntry, removeEntry, openKeyring, rotateKeyring, serializeKeyring, parseKeyring,
} from '../dist/core/keyring.js';
import { sealEnvelope, openEnvelope } from '../dist/core/envelope.js';
import { KdfCache } from '../dist/core/kdf.js';
import { AuthError, FormatError, NoKeyError, UsageError } from '../dist/errors.js';
import { FAST, seededRandom, password, keyFile, enc, dec, thrown } from './core-helpers.mjs';

const random = seededRandom('keyring-tests');
const ciKey = random(32);

async function team() {
  const kdf = new KdfCache();
  let unlocked = createKeyring('prod', random);
  unlocked = await addEntry(unlocked, password('alice pw'), 'alice', kdf, random, FAST);
  unlocked = await addEntry(unlocked, password('bob pw'), 'bob', kdf, random, FAST);
  unlocked = await addEntry(unlocked, keyFile(ciKey), 'ci', kdf, random);
  return { unlocked, kdf };
}

test('serialize and parse round trip; each member opens the same data key', async () => {
  const { unlocked } = await team();
  const text = serializeKeyring(unlocked);
  assert.ok(text.startsWith('vaultfile-keyring v1\nname: prod\n'));
  assert.ok(text.endsWith('\n'));
  const keyring = parseKeyring(text, '.vaultfile/keyrings/prod.keyring');
  assert.is(serializeKeyring({ ...unlocked, keyring }), text);
  for (const credential of [password('alice pw'), password('bob pw'), keyFile(ciKey)]) {
    const opened = await openKeyring(keyring, [credential], new KdfCache());
    assert.equal(opened.dataKey, unlocked.dataKey);
  }
});

test('a wrong password or an unknown key file is an auth error; no credential is no-key', async () => {
  const { unlocked } = await team();
  const keyring = parseKeyring(serializeKeyring(unlocked), 'k');
  const kdf = new KdfCache();
  const wrong = await thrown(() => openKeyring(keyring, [password('mallory')], kdf));
  assert.instance(wrong, AuthError);
  assert.not.match(wrong.message, /mallory/);
  const unknown = await thrown(() => openKeyring(keyring, [keyFile(random(32))], kdf));
  assert.instance(unknown, AuthError);
  assert.match(unknown.message, /no keyring entry matches --key-file "ci.key"/);
  assert.instance(await thrown(() => openKeyring(keyring, [], kdf)), NoKeyError);
});

test('KdfCache runs scrypt once per entry for many files', async () => {
  const { unlocked } = await team();
  const keyring = parseKeyring(serializeKeyring(unlocked), 'k');
  const kdf = new KdfCache();
  for (let i = 0; i < 20; i++) await openKeyring(keyring, [password('bob pw')], kdf);
  // bob's entry is second: alice's entry is tried first (one scrypt), then bob's (one more).
  assert.is(kdf.runs, 2);
});

test('a hand-edited keyring fails with an auth error after unlocking', async () => {
  const { unlocked } = await team();
  const text = serializeKeyring(unlocked);
  const edited = text.replace('name: prod', 'name: prod2');
  const error = await thrown(() => openKeyring(parseKeyring(edited, 'k'), [password('alice pw')], new KdfCache()));
  assert.instance(error, AuthError);
  assert.match(error.message, /was modified/);
});

test('removeEntry and rotateKeyring: old files stay readable, the removed member is out', async () => {
  const { unlocked, kdf } = await team();
  const oldFile = sealEnvelope(enc('v1 secret'), unlocked);
  const removed = removeEntry(unlocked, 'bob');
  assert.is(removed.keyring.entries.length, 2);
  const { unlocked: rotated, dropped } = await rotateKeyring(removed, [password('alice pw'), keyFile(ciKey)], kdf, random);
  assert.is(dropped.length, 0);
  assert.not.equal(rotated.dataKey, unlocked.dataKey);
  const keyring = parseKeyring(serializeKeyring(rotated), 'k');
  assert.is(keyring.previous.length, 1);
  const alice = await openKeyring(keyring, [password('alice pw')], new KdfCache());
  assert.is(dec(openEnvelope(oldFile, alice, 'old.yml')), 'v1 secret');
  assert.instance(await thrown(() => openKeyring(keyring, [password('bob pw')], new KdfCache())), AuthError);
  const partial = await rotateKeyring(rotated, [keyFile(ciKey)], kdf, random);
  assert.equal(partial.dropped.map((e) => e.label), ['alice']);
});

test('labels are checked and unique; the last entry cannot be removed', async () => {
  const kdf = new KdfCache();
  let unlocked = createKeyring('dev', random);
  assert.instance(await thrown(() => addEntry(unlocked, password('x'), 'bad label', kdf, random, FAST)), UsageError);
  unlocked = await addEntry(unlocked, password('x'), 'a', kdf, random, FAST);
  assert.instance(await thrown(() => addEntry(unlocked, password('y'), 'a', kdf, random, FAST)), UsageError);
  assert.instance(await thrown(() => removeEntry(unlocked, 'a')), UsageError);
  assert.instance(await thrown(() => removeEntry(unlocked, 'zz')), UsageError);
});

test('parse rejects damage as format errors', async () => {
  const { unlocked } = await team();
  const text = serializeKeyring(unlocked);
  const cases = [
    text.replace(/\n/g, '\r\n'),
    text.slice(0, -1),
    text.replace('vaultfile-keyring v1', 'vaultfile-keyring v2'),
    text.replace(/wrapped=([A-Za-z0-9+/]+)=*/, 'wrapped=AAAA'),
    text.replace('logN=10', 'logN=010'),
    `${text}extra\n`,
    text.replace(/^entry: .*\n/gm, ''),
  ];
  for (const bad of cases) assert.instance(await thrown(() => parseKeyring(bad, 'k')), FormatError, bad);
});

test('keyring names, key files, empty passwords and inline keyrings are checked', async () => {
  const kdf = new KdfCache();
  assert.instance(await thrown(() => createKeyring('bad name', random)), UsageError);
  assert.instance(await thrown(() => serializeKeyring(createKeyring('empty', random))), UsageError);
  let unlocked = createKeyring('ok', random);
  unlocked = await addEntry(unlocked, keyFile(ciKey), 'ci', kdf, random);
  assert.instance(await thrown(() => addEntry(unlocked, keyFile(ciKey), 'ci2', kdf, random)), UsageError);
  assert.instance(await thrown(() => addEntry(unlocked, password(''), 'empty', kdf, random, FAST)), UsageError);
  assert.instance(await thrown(() => addEntry(unlocked, password('x'), 'slow', kdf, random, { logN: 21, r: 8, p: 1 })), UsageError);
  let inline = createKeyring('', random);
  assert.instance(await thrown(() => serializeKeyring(inline)), UsageError);
  assert.instance(await thrown(() => sealEnvelope(enc('x'), inline)), UsageError);
  for (let i = 0; i < 8; i++) inline = await addEntry(inline, keyFile(random(32)), `k${i}`, kdf, random);
  assert.instance(await thrown(() => addEntry(inline, keyFile(random(32)), 'k9', kdf, random)), UsageError);
});

test('previous keys are checked against their ids', async () => {
  const { unlocked, kdf } = await team();
  const { unlocked: rotated } = await rotateKeyring(unlocked, [password('alice pw')], kdf, random);
  const keyring = parseKeyring(serializeKeyring(rotated), 'k');
  const previous = keyring.previous[0];
  assert.ok(previous);
  // Bypass the keyring MAC (mac: null) to reach the per-key checks.
  const badWrap = { ...keyring, mac: null, previous: [{ ...previous, wrapped: new Uint8Array(40) }] };
  assert.instance(await thrown(() => openKeyring(badWrap, [password('alice pw')], kdf)), AuthError);
  const badId = { ...keyring, mac: null, previous: [{ ...previous, dataKeyId: new Uint8Array(16) }] };
  assert.instance(await thrown(() => openKeyring(badId, [password('alice pw')], kdf)), AuthError);
});

test('parse: versions, previous lines, duplicates', async () => {
  const { unlocked, kdf } = await team();
  const { unlocked: rotated } = await rotateKeyring(unlocked, [password('alice pw'), password('bob pw'), keyFile(ciKey)], kdf, random);
  const text = serializeKeyring(rotated);
  assert.match(text, /\nprevious: /);
  const newer = await thrown(() => parseKeyring(text.replace('vaultfile-keyring v1', 'vaultfile-keyring v3'), 'k'));
  assert.match(newer.message, /written by a newer vaultfile \(keyring version 3\); upgrade vaultfile/);
  assert.match((await thrown(() => parseKeyring('hello\n', 'k'))).message, /not a vaultfile keyring/);
  const entryLine = (text.match(/^entry: .*$/m) ?? [''])[0];
  const cases = [
    text.replace(/previous: (\S+) (\S+)/, 'previous: $1'),
    text.replace(/previous: (\S+) (\S+)/, 'previous: $1 AAAA'),
    text.replace(entryLine, `${entryLine}\n${entryLine}`),
    text.replace('name: prod', 'name: bad name'),
    text.replace(/data-key-id: \S+/, 'data-key-id: AAAA'),
    text.replace(/mac: \S+/, 'mac: AAAA'),
    text.replace(/^entry: (\S+)/m, 'entry: XYZ'),
    text.replace(/^entry: (\S+) (\S+) (\S+)/m, 'entry: $1 $2 bad!label'),
    text.replace(/^entry: .*$/m, 'entry: 0000aaaa something else'),
    text.replace(/salt=(\S+)/, 'salt=AAAA'),
  ];
  for (const bad of cases) assert.instance(await thrown(() => parseKeyring(bad, 'k')), FormatError, bad);
});

test.run();
