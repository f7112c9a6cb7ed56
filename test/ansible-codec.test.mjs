// Ansible Vault 1.1/1.2 codec: every fixture made by the real ansible-vault opens byte-exactly,
// damaged fixtures fail with the right class, and the writer matches Ansible's own library
// byte for byte under a pinned salt (fixtures/ansible/kat.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, rejects } from './helpers.mjs';
import {
  isAnsibleVault,
  parseAnsibleVault,
  serializeAnsibleVault,
  sealAnsibleVault,
  openAnsibleVault,
  decryptAnsibleVault,
  stripAnsiblePassword,
  orderByLabel,
} from '../dist/core/ansible-vault.js';
import { AuthError, FormatError, NoKeyError, UsageError } from '../dist/errors.js';
import { systemRandom } from '../dist/core/random.js';

const DIR = join(FIXTURES, 'ansible');
const enc = new TextEncoder();
/** @param {string} name */
const fixture = (name) => new Uint8Array(readFileSync(join(DIR, name)));
/** @type {{vaults: {file: string, password: string, plaintext?: string, version?: string, label?: string | null, expect: string}[]}} */
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
/** @type {{label: string | null, salt: string, password: string, plaintext: string, vault: string}[]} */
const kat = JSON.parse(readFileSync(join(DIR, 'kat.json'), 'utf8'));

/**
 * A password credential as the shell gives it: one trailing newline stripped (vaultfile rules).
 * @param {string} text @param {string} origin @param {string} [label]
 * @returns {import('../dist/core/credential.js').Credential}
 */
function password(text, origin, label) {
  const bytes = enc.encode(text.endsWith('\n') ? text.slice(0, -1) : text);
  return label === undefined ? { kind: 'password', password: bytes, origin } : { kind: 'password', password: bytes, origin, label };
}
/** @param {string} name @param {string} [label] */
const passwordFile = (name, label) => password(readFileSync(join(DIR, name), 'utf8'), `--password-file "${name}"`, label);

/** @param {Uint8Array} bytes @returns {import('../dist/core/random.js').RandomSource} */
const fixedRandom = (bytes) => (length) => {
  assert.is(length, bytes.length);
  return Uint8Array.from(bytes);
};

for (const entry of manifest.vaults) {
  test(`fixture ${entry.file} with ${entry.password}: ${entry.expect}`, async () => {
    const bytes = fixture(entry.file);
    const credential = passwordFile(entry.password, entry.label ?? undefined);
    if (entry.expect === 'success') {
      assert.ok(isAnsibleVault(bytes));
      const opened = await openAnsibleVault(bytes, [credential], entry.file);
      assert.equal(Buffer.from(opened.plaintext), readFileSync(join(DIR, /** @type {string} */ (entry.plaintext))));
      assert.is(opened.version, entry.version);
      assert.is(opened.label, entry.label ?? 'default');
    } else {
      const error = await rejects(() => openAnsibleVault(bytes, [credential], entry.file), entry.expect === 'auth' ? AuthError : FormatError);
      assert.match(error.message, `"${entry.file}"`);
      assert.not.match(error.message, /test-only-password/);
    }
  });
}

test('the writer equals Ansible VaultLib.encrypt byte for byte under a pinned salt', async () => {
  assert.is(kat.length, 3);
  for (const vector of kat) {
    const sealed = await sealAnsibleVault(
      enc.encode(vector.plaintext),
      enc.encode(vector.password),
      vector.label ? { label: vector.label } : {},
      fixedRandom(enc.encode(vector.salt)),
    );
    assert.is(new TextDecoder().decode(sealed), vector.vault);
  }
});

test('seal then open round-trips; 80-column lower-case lines and one final newline', async () => {
  const plaintext = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
  const sealed = await sealAnsibleVault(plaintext, enc.encode('pw'), { label: 'prod' }, systemRandom);
  const text = new TextDecoder().decode(sealed);
  const lines = text.split('\n');
  assert.is(lines[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
  assert.is(lines.at(-1), '');
  for (const line of lines.slice(1, -2)) assert.match(line, /^[0-9a-f]{80}$/);
  assert.match(/** @type {string} */ (lines.at(-2)), /^[0-9a-f]{1,80}$/);
  const opened = await openAnsibleVault(sealed, [password('pw', 'x', 'prod')], 'f');
  assert.equal(opened.plaintext, plaintext);
  // Re-serializing the parsed form gives the same bytes.
  assert.equal(serializeAnsibleVault(parseAnsibleVault(sealed, 'f')), sealed);
});

test('version: 1.1 without a label or with "default", 1.2 with a label, explicit 1.1 drops it', async () => {
  const head = async (/** @type {any} */ options) =>
    new TextDecoder().decode(await sealAnsibleVault(enc.encode('x'), enc.encode('pw'), options, systemRandom)).split('\n')[0];
  assert.is(await head({}), '$ANSIBLE_VAULT;1.1;AES256');
  assert.is(await head({ label: 'default' }), '$ANSIBLE_VAULT;1.1;AES256');
  assert.is(await head({ label: 'dev' }), '$ANSIBLE_VAULT;1.2;AES256;dev');
  assert.is(await head({ label: 'dev', version: '1.1' }), '$ANSIBLE_VAULT;1.1;AES256');
  assert.is(await head({ label: 'default', version: '1.2' }), '$ANSIBLE_VAULT;1.2;AES256;default');
  await rejects(() => head({ version: '1.2' }), UsageError, /needs a vault-id label/);
  await rejects(() => head({ label: 'a;b' }), UsageError, /not valid/);
  await rejects(() => head({ label: 'a b' }), UsageError, /not valid/);
  assert.throws(() => serializeAnsibleVault({ version: '1.2', label: null, salt: new Uint8Array(1), mac: new Uint8Array(32), ciphertext: new Uint8Array(16) }), /needs a vault-id/);
});

test('the writer refuses an empty password and input that is already a vault', async () => {
  await rejects(() => sealAnsibleVault(enc.encode('x'), new Uint8Array(0), {}, systemRandom), UsageError, /empty/);
  await rejects(() => sealAnsibleVault(fixture('v11-simple.vault'), enc.encode('pw'), { origin: 'a.yml' }, systemRandom), UsageError, /^"a\.yml": is already an ansible vault/);
  await rejects(() => sealAnsibleVault(fixture('v11-simple.vault'), enc.encode('pw'), {}, systemRandom), UsageError, /^input: is already/);
});

test('isAnsibleVault: the magic and ASCII only', () => {
  assert.ok(isAnsibleVault(enc.encode('$ANSIBLE_VAULT;1.1;AES256\n00\n')));
  assert.not.ok(isAnsibleVault(enc.encode('$ANSIBLE_VAUL')));
  assert.not.ok(isAnsibleVault(enc.encode('$ANSIBLE_VAULT;1.1;AES256\né')));
  assert.not.ok(isAnsibleVault(enc.encode('$VAULTFILE;1;AES256\n')));
  assert.not.ok(isAnsibleVault(enc.encode(' $ANSIBLE_VAULT;1.1;AES256')));
});

test('labels: the matching credential is tried first, then the others in order', async () => {
  const bytes = fixture('v12-prod.vault');
  const dev = passwordFile('pw-dev.txt', 'dev');
  const prod = passwordFile('pw-prod.txt', 'prod');
  const plain = passwordFile('pw-default.txt');
  assert.equal(orderByLabel([dev, plain, prod], 'prod'), [prod, dev, plain]);
  assert.equal(orderByLabel([dev, { kind: 'key-file', key: new Uint8Array(32), origin: 'k' }, prod], null), [dev, prod]);
  const opened = await openAnsibleVault(bytes, [dev, plain, prod], 'v.yml');
  assert.is(opened.label, 'prod');
  // A wrong label is only a hint: the right password under another label still opens it.
  const relabelled = await openAnsibleVault(bytes, [dev, passwordFile('pw-prod.txt', 'other')], 'v.yml');
  assert.is(relabelled.label, 'other');
  const error = await rejects(() => openAnsibleVault(bytes, [dev, plain], 'v.yml'), AuthError);
  assert.is(
    error.message,
    '"v.yml": no password opened this ansible vault (sealed for vault-id "prod"); tried dev@--password-file "pw-dev.txt", --password-file "pw-default.txt"; check the password or add --vault-id LABEL@FILE',
  );
});

test('a password is also tried stripped the way Ansible strips password files', async () => {
  const raw = readFileSync(join(DIR, 'pw-spaces.txt'), 'utf8');
  assert.is(raw, '  test-only-password-spaces \t\n\n');
  const opened = await openAnsibleVault(fixture('v11-spaces.vault'), [password(raw, 'p')], 'f');
  assert.is(new TextDecoder().decode(opened.plaintext), 'db_password: s3cr3t\n');
  assert.equal(stripAnsiblePassword(enc.encode(' \t\x0b\x0cpw\r\n ')), enc.encode('pw'));
  assert.equal(stripAnsiblePassword(enc.encode('   ')), new Uint8Array(0));
});

test('no password credential: a no-key error that names the file', async () => {
  await rejects(() => openAnsibleVault(fixture('v11-simple.vault'), [], 'a.yml'), NoKeyError, /^"a\.yml": is an ansible vault and needs a password; pass --vault-id/);
  await rejects(
    () => openAnsibleVault(fixture('v11-simple.vault'), [{ kind: 'key-file', key: new Uint8Array(32), origin: 'k' }], 'a.yml'),
    NoKeyError,
    /key files cannot open ansible vaults/,
  );
});

test('malformed headers and bodies are format errors with a precise reason', async () => {
  const body = new TextDecoder().decode(fixture('v11-simple.vault')).split('\n').slice(1).join('\n');
  /** @param {string} text */
  const parse = (text) => () => parseAnsibleVault(enc.encode(text), 'f.yml');
  assert.throws(parse('not a vault'), (/** @type {Error} */ e) => e instanceof FormatError && /not an ansible vault/.test(e.message));
  assert.throws(parse('$ANSIBLE_VAULT;1.1\n00\n'), /too few fields/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.0;AES256\n${body}`), /version "1\.0" is not supported/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES\n${body}`), /cipher "AES" is not supported/);
  assert.throws(parse('$ANSIBLE_VAULT;1.1;AES256\n\n'), /lacks its salt, mac and ciphertext/);
  const hex = (/** @type {string} */ s) => Buffer.from(s, 'latin1').toString('hex');
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n${hex('00\n0011\n' + '00'.repeat(16))}\n`), /mac is 2 bytes, expected 32/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n${hex('00\n' + '00'.repeat(32) + '\n' + '00'.repeat(15))}\n`), /not a multiple of 16/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n${hex('00\n' + '00'.repeat(32) + '\n')}\n`), /not a multiple of 16/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n${hex('0\n' + '00'.repeat(32) + '\n' + '00'.repeat(16))}\n`), /salt has an odd number/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n${hex('zz\n' + '00'.repeat(32) + '\n' + '00'.repeat(16))}\n`), /salt holds a character that is not hex/);
  assert.throws(parse(`$ANSIBLE_VAULT;1.1;AES256\n  ${body}`), /body holds whitespace \(indented or wrapped lines\?\)/);
  // Blank lines, a bare CR and a missing final newline are tolerated like Ansible's splitlines().
  const tolerant = `$ANSIBLE_VAULT;1.1;AES256 \r${body.trim().split('\n').join('\n\n')}`;
  const opened = await openAnsibleVault(enc.encode(tolerant), [passwordFile('pw-default.txt')], 'f');
  assert.is(new TextDecoder().decode(opened.plaintext), 'db_password: s3cr3t\n');
});

test('every single-byte change of salt, mac or ciphertext fails authentication', async () => {
  const vault = parseAnsibleVault(fixture('v11-simple.vault'), 'f');
  const pw = enc.encode('test-only-password-default');
  assert.ok(await decryptAnsibleVault(vault, pw, 'f'));
  for (const part of /** @type {const} */ (['salt', 'mac', 'ciphertext'])) {
    for (let i = 0; i < vault[part].length; i++) {
      const damaged = { ...vault, [part]: Uint8Array.from(vault[part]) };
      damaged[part][i] ^= 1 << i % 8;
      assert.is(await decryptAnsibleVault(damaged, pw, 'f'), null, `${part}[${i}]`);
    }
  }
});

test('a faulty writer (good mac, bad padding) is a format error', async () => {
  const { createCipheriv, createHmac, pbkdf2Sync } = await import('node:crypto');
  const salt = new Uint8Array(32).fill(7);
  const dk = pbkdf2Sync('pw', salt, 10000, 80, 'sha256');
  const padded = new Uint8Array(16).fill(0x11); // pad byte 17 is out of range
  const cipher = createCipheriv('aes-256-ctr', dk.subarray(0, 32), dk.subarray(64, 80));
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(padded), cipher.final()]));
  const mac = new Uint8Array(createHmac('sha256', dk.subarray(32, 64)).update(ciphertext).digest());
  const bytes = serializeAnsibleVault({ version: '1.1', label: null, salt, mac, ciphertext });
  await rejects(() => openAnsibleVault(bytes, [password('pw', 'p')], 'f.yml'), FormatError, /padding is invalid/);
});

test.run();
