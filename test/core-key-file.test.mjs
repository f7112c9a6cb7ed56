// Key files: checksummed text, strict parsing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serializeKeyFile, parseKeyFile } from '../dist/core/key-file.js';
import { FormatError, UsageError } from '../dist/errors.js';
import { seededRandom, thrown } from './core-helpers.mjs';

const key = seededRandom('key-file')(32);
const text = serializeKeyFile(key, { created: '2026-11-24T23:59:00Z' });

test('round trip, with one trailing LF or CRLF', () => {
  assert.ok(text.endsWith('\n'));
  assert.match(text, /^# vaultfile key file, created 2026-11-24T23:59:00Z\n/);
  assert.equal(parseKeyFile(text, 'k.key'), key);
  assert.equal(parseKeyFile(`${text.slice(0, -1)}\r\n`, 'k.key'), key);
  assert.equal(parseKeyFile(text.slice(0, -1), 'k.key'), key);
  const keyLine = text.split('\n').at(-2) ?? '';
  assert.equal(parseKeyFile(keyLine, 'k.key'), key);
});

test('damage is a format error naming the file', async () => {
  const keyLine = text.split('\n').at(-2) ?? '';
  const flipped = keyLine.slice(0, 20) + (keyLine[20] === 'A' ? 'B' : 'A') + keyLine.slice(21);
  const cases = [
    `${text}\n`,
    text.replace(keyLine, keyLine.slice(0, -1)),
    text.replace(keyLine, `${keyLine}A`),
    text.replace(keyLine, flipped),
    text.replace(keyLine, `${keyLine.slice(0, 30)} ${keyLine.slice(30)}`),
    text.replace(keyLine, keyLine.toLowerCase()),
    `${text}extra\n`,
    `\n${text}`,
    ` ${keyLine}\n`,
  ];
  for (const bad of cases) {
    const error = await thrown(() => parseKeyFile(bad, 'ci.key'));
    assert.instance(error, FormatError, JSON.stringify(bad));
    assert.match(error.message, /^"ci\.key": the key file is damaged/);
  }
  assert.match((await thrown(() => parseKeyFile('hunter2\n', 'pw.txt'))).message, /not a vaultfile key file/);
});

test('serialize refuses a wrong key length or a multi-line date; comments may end in CRLF', async () => {
  assert.instance(await thrown(() => serializeKeyFile(new Uint8Array(16))), UsageError);
  assert.instance(await thrown(() => serializeKeyFile(key, { created: 'a\nb' })), UsageError);
  assert.ok(serializeKeyFile(key).startsWith('# vaultfile key file\n'));
  assert.equal(parseKeyFile(text.replace(/\n/g, '\r\n'), 'k.key'), key);
});

test.run();
