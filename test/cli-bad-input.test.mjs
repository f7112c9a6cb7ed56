// End-to-end: every bad input of the foundation issue gives one line on stderr, a distinct exit
// code, no stack trace, and leaves the file byte-identical.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runVault, tempDir, writeSecret } from './helpers.mjs';

const EXIT = { USAGE: 2, FORMAT: 3, AUTH: 4, NO_KEY: 5, FS: 6 };

/** @type {Map<string, string>} plaintext -> a directory made by setup(), copied for each test */
const templates = new Map();

/**
 * A directory with a key file, a password file and one file sealed under both. The CLI seals
 * once per plaintext (a password entry costs one scrypt at the default 2^17, which the last test
 * reads); each test gets its own copy.
 */
async function setup(plaintext = 'db_password: hunter2\n') {
  let template = templates.get(plaintext);
  if (!template) {
    template = tempDir();
    assert.is((await runVault(['keygen', join(template, 'ci.key')])).code, 0);
    writeSecret(join(template, 'pw'), 'team password');
    writeFileSync(join(template, 'secret.yml'), plaintext);
    const enc = await runVault(['encrypt', join(template, 'secret.yml'), '--key-file', join(template, 'ci.key'), '--password-file', join(template, 'pw')]);
    assert.is(enc.code, 0, enc.stderr);
    templates.set(plaintext, template);
  }
  const dir = tempDir();
  cpSync(template, dir, { recursive: true });
  return { dir, key: join(dir, 'ci.key'), pass: join(dir, 'pw'), file: join(dir, 'secret.yml') };
}

/** Decode an envelope's armour to bytes, and encode bytes back into an envelope. */
/** @param {string} text */
function decode(text) {
  const [magic, ...rest] = text.split('\n');
  return { magic, bytes: Buffer.from(rest.join(''), 'base64') };
}
/**
 * @param {string} magic
 * @param {Uint8Array} bytes
 */
function encode(magic, bytes) {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return `${magic}\n${lines.join('\n')}\n`;
}

/**
 * Assert a failing run: code, one line mentioning PATTERN, no stack, file unchanged.
 * @param {{code: number | null, stderr: string}} result
 * @param {number | null} code
 * @param {RegExp} pattern
 * @param {string | null} file
 * @param {Buffer | null} before
 */
function assertFails(result, code, pattern, file, before) {
  assert.is(result.code, code, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line: ${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
  if (file) assert.equal(readFileSync(file), before, 'file unchanged');
}

test('wrong password and wrong key file: exit 4', async () => {
  const { dir, file } = await setup();
  const before = readFileSync(file);
  const wrong = writeSecret(join(dir, 'wrong'), 'not the password');
  assertFails(await runVault(['decrypt', file, '--password-file', wrong]), EXIT.AUTH, /secret\.yml/, file, before);
  const otherKey = join(dir, 'other.key');
  await runVault(['keygen', otherKey]);
  assertFails(await runVault(['decrypt', file, '--key-file', otherKey]), EXIT.AUTH, /secret\.yml/, file, before);
});

test('tampered byte in header, in an entry, in a chunk: refused, never plaintext', async () => {
  const { key, file } = await setup();
  const original = readFileSync(file, 'utf8');
  const { magic, bytes } = decode(original);
  for (const offset of [1, 3 + 5, 3 + 16 + 5, Math.floor(bytes.length / 2), bytes.length - 20, bytes.length - 1]) {
    const copy = Buffer.from(bytes);
    copy[offset] ^= 0x01;
    writeFileSync(file, encode(magic, copy));
    const before = readFileSync(file);
    const result = await runVault(['decrypt', file, '--key-file', key]);
    assert.ok(result.code === EXIT.AUTH || result.code === EXIT.FORMAT, `offset ${offset}: code ${result.code} ${result.stderr}`);
    assertFails(result, result.code, /secret\.yml/, file, before);
  }
});

test('truncated, missing last chunk, trailing garbage, unknown version: exit 3', async () => {
  const big = 'x'.repeat(70000) + '\n';
  const { key, file } = await setup(big);
  const original = readFileSync(file, 'utf8');
  const { magic, bytes } = decode(original);

  writeFileSync(file, original.slice(0, Math.floor(original.length / 3)) + '\n');
  assertFails(await runVault(['decrypt', file, '--key-file', key]), EXIT.FORMAT, /secret\.yml/, file, readFileSync(file));

  // Drop the whole last chunk (it holds 70001 - 65536 bytes + 16 tag).
  writeFileSync(file, encode(magic, bytes.subarray(0, bytes.length - (70001 - 65536 + 16))));
  assertFails(await runVault(['decrypt', file, '--key-file', key]), EXIT.FORMAT, /truncated|last chunk/, file, readFileSync(file));

  writeFileSync(file, encode(magic, Buffer.concat([bytes, Buffer.from('garbage')])));
  const garbage = await runVault(['decrypt', file, '--key-file', key]);
  assert.ok(garbage.code === EXIT.FORMAT || garbage.code === EXIT.AUTH, garbage.stderr);

  writeFileSync(file, original + 'trailing text\n');
  assertFails(await runVault(['decrypt', file, '--key-file', key]), EXIT.FORMAT, /secret\.yml/, file, readFileSync(file));

  writeFileSync(file, original.replace('$VAULTFILE;1;', '$VAULTFILE;2;'));
  assertFails(await runVault(['decrypt', file, '--key-file', key]), EXIT.FORMAT, /newer vaultfile/, file, readFileSync(file));
});

test('empty file: encrypts and round-trips; as encrypted input it is not a vault file', async () => {
  const dir = tempDir();
  const key = join(dir, 'k.key');
  await runVault(['keygen', key]);
  const file = join(dir, 'empty.env');
  writeFileSync(file, '');
  assert.is((await runVault(['encrypt', file, '--key-file', key])).code, 0);
  assert.ok(readFileSync(file, 'utf8').startsWith('$VAULTFILE;1;AES256\n'));
  assert.is((await runVault(['decrypt', file, '--key-file', key])).code, 0);
  assert.is(readFileSync(file).length, 0);
  assertFails(await runVault(['view', file, '--key-file', key]), EXIT.FORMAT, /not a vault file/, file, Buffer.alloc(0));
});

test('binary, non-UTF-8 and CRLF plaintext round-trip byte for byte', async () => {
  const dir = tempDir();
  const key = join(dir, 'k.key');
  await runVault(['keygen', key]);
  const binary = Buffer.alloc(300000);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919 + (i >> 8)) & 0xff;
  const cases = { 'bin.dat': binary, 'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0xfe]), 'crlf.env': Buffer.from('A=1\r\nB=2\r\n') };
  for (const [name, content] of Object.entries(cases)) {
    const file = join(dir, name);
    writeFileSync(file, content);
    assert.is((await runVault(['encrypt', file, '--key-file', key])).code, 0, name);
    const view = await runVault(['view', file, '--key-file', key]);
    assert.equal(view.stdoutBytes, content, name);
    assert.is((await runVault(['decrypt', file, '--key-file', key])).code, 0, name);
    assert.equal(readFileSync(file), content, name);
  }
});

test('encrypting an already-encrypted file is refused', async () => {
  const { key, file } = await setup();
  const before = readFileSync(file);
  assertFails(await runVault(['encrypt', file, '--key-file', key]), EXIT.FORMAT, /already encrypted/, file, before);
});

test('password files: empty refused, trailing newline stripped, group-writable refused', async () => {
  const { dir, file } = await setup();
  const before = readFileSync(file);
  const empty = writeSecret(join(dir, 'empty'), '\n');
  assertFails(await runVault(['view', file, '--password-file', empty]), EXIT.USAGE, /empty/, file, before);
  const newline = writeSecret(join(dir, 'nl'), 'team password\r\n');
  const ok = await runVault(['view', file, '--password-file', newline]);
  assert.is(ok.code, 0, ok.stderr);
  const loose = writeSecret(join(dir, 'loose'), 'team password');
  chmodSync(loose, 0o664);
  assertFails(await runVault(['view', file, '--password-file', loose]), EXIT.USAGE, /chmod 600/, file, before);
  const missing = await runVault(['view', file, '--password-file', join(dir, 'nope')]);
  assertFails(missing, EXIT.FS, /no such file/, file, before);
});

test('key files: truncated or with a pasted newline are refused with a clear message', async () => {
  const { dir, key, file } = await setup();
  const before = readFileSync(file);
  const text = readFileSync(key, 'utf8');
  const keyLine = text.split('\n').filter((l) => l && !l.startsWith('#'))[0];
  const truncated = writeSecret(join(dir, 'trunc.key'), keyLine.slice(0, keyLine.length - 6) + '\n');
  assertFails(await runVault(['view', file, '--key-file', truncated]), EXIT.FORMAT, /damaged/, file, before);
  const pasted = writeSecret(join(dir, 'pasted.key'), keyLine.slice(0, 20) + '\n' + keyLine.slice(20) + '\n');
  assertFails(await runVault(['view', file, '--key-file', pasted]), EXIT.FORMAT, /damaged/, file, before);
  const crlf = writeSecret(join(dir, 'crlf.key'), keyLine + '\r\n');
  assert.is((await runVault(['view', file, '--key-file', crlf])).code, 0, 'one trailing CRLF is fine');
});

test('no key source and no TTY: exit 5 naming --password-file', async () => {
  const { file } = await setup();
  const before = readFileSync(file);
  assertFails(await runVault(['view', file]), EXIT.NO_KEY, /secret\.yml.*--password-file/, file, before);
});

test('read-only target refused; symlink keeps the link and updates the real file; directory refused', async () => {
  const { dir, key, file } = await setup();
  const before = readFileSync(file);
  chmodSync(file, 0o444);
  assertFails(await runVault(['decrypt', file, '--key-file', key]), EXIT.FS, /read-only/, file, before);
  chmodSync(file, 0o600);
  assert.equal(readdirSync(dir).filter((n) => n.includes('vaultfile-')), [], 'no temp file left');

  const link = join(dir, 'link.yml');
  symlinkSync('secret.yml', link);
  const dec = await runVault(['decrypt', link, '--key-file', key]);
  assert.is(dec.code, 0, dec.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'link kept');
  assert.is(readlinkSync(link), 'secret.yml');
  assert.is(readFileSync(file, 'utf8'), 'db_password: hunter2\n');

  mkdirSync(join(dir, 'adir'));
  assertFails(await runVault(['encrypt', join(dir, 'adir'), '--key-file', key]), EXIT.FS, /is a directory/, null, null);
});

test('absurd scrypt work factor is refused before any allocation', async () => {
  const { pass, file } = await setup();
  const { magic, bytes } = decode(readFileSync(file, 'utf8'));
  const text = bytes.toString('latin1');
  assert.ok(text.includes('logN=17'), 'the inline entry names its work factor');
  writeFileSync(file, encode(magic, Buffer.from(text.replace('logN=17', 'logN=40'), 'latin1')));
  const before = readFileSync(file);
  assertFails(await runVault(['view', file, '--password-file', pass]), EXIT.FORMAT, /work factor/, file, before);
});

test.run();
