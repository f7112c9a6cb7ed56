// vault exec / vault export reading encrypted sources: a vaultfile envelope, a whole-file Ansible
// vault and YAML with inline !vault values (made by the real ansible-vault), mixed with plain files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, runVault, tempDir, writeSecret } from './helpers.mjs';
import { hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';

const dir = tempDir('vaultfile-sealed-');
const pw = writeSecret(join(dir, 'pw'), 'correct horse\n');
const wrong = writeSecret(join(dir, 'wrong'), 'battery staple\n');

const envFile = join(dir, '.env.production');
writeFileSync(envFile, 'DB_PASSWORD="envelope secret"\nREF=ssm:///never/resolved\n');
const sealed = await runVault(['encrypt', '--password-file', pw, envFile]);
assert.is(sealed.code, 0, sealed.stderr);
assert.ok(readFileSync(envFile, 'utf8').startsWith('$VAULTFILE;'), 'the dotenv file is an envelope now');

/** Run the real ansible-vault with the password file. */
function ansibleVault(/** @type {string[]} */ args) {
  const result = spawnSync('ansible-vault', [...args, '--vault-password-file', pw], { cwd: dir, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  return result.stdout;
}

const ansibleFile = join(dir, 'prod.yml');
writeFileSync(ansibleFile, 'api_key: ansible whole-file secret\nport: 8443\n');
ansibleVault(['encrypt', ansibleFile]);
const inlineFile = join(dir, 'inline.yml');
writeFileSync(inlineFile, `${ansibleVault(['encrypt_string', 'inline secret', '--name', 'token'])}\nregion: eu-west-1\n`);
const plainFile = join(dir, 'plain.env');
writeFileSync(plainFile, 'PLAIN=yes\n');

test('exec opens an envelope, an Ansible vault and inline !vault values with one password', async () => {
  const result = await runAsync(
    ['exec', '--password-file', pw, '--no-resolve', '-f', envFile, '-f', ansibleFile, '-f', inlineFile, '-f', plainFile, ...hashChild('DB_PASSWORD', 'API_KEY', 'PORT', 'TOKEN', 'REGION', 'PLAIN', 'REF')],
    { env: runtimeEnv() },
  );
  assert.is(result.stderr, '');
  assert.is(result.code, 0);
  assert.equal(
    JSON.parse(result.stdout),
    hashesOf({
      DB_PASSWORD: 'envelope secret',
      API_KEY: 'ansible whole-file secret',
      PORT: '8443',
      TOKEN: 'inline secret',
      REGION: 'eu-west-1',
      PLAIN: 'yes',
      REF: 'ssm:///never/resolved',
    }),
  );
});

test('VAULTFILE_PASSWORD opens the files but is withheld from the command', async () => {
  const env = runtimeEnv({ VAULTFILE_PASSWORD: 'correct horse', VAULTFILE_PASSWORD_FILE_UNRELATED: 'kept' });
  const result = await runAsync(['exec', '--no-resolve', '-f', envFile, ...hashChild('DB_PASSWORD', 'VAULTFILE_PASSWORD', 'VAULTFILE_PASSWORD_FILE_UNRELATED')], { env });
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), hashesOf({ DB_PASSWORD: 'envelope secret', VAULTFILE_PASSWORD: null, VAULTFILE_PASSWORD_FILE_UNRELATED: 'kept' }));
});

test('export takes the key from VAULTFILE_PASSWORD_FILE too', async () => {
  const result = await runAsync(['export', '--no-resolve', '-f', envFile, '--format', 'json'], { env: runtimeEnv({ VAULTFILE_PASSWORD_FILE: pw }) });
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), { DB_PASSWORD: 'envelope secret', REF: 'ssm:///never/resolved' });
});

test('plain files never ask for a key; sealed ones fail with exit 5 (no key) or 4 (wrong key), running nothing', async () => {
  const plain = await runAsync(['exec', '-f', plainFile, ...hashChild('PLAIN')]);
  assert.is(plain.code, 0);
  const noKey = await runAsync(['exec', '-f', envFile, '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(noKey.code, 5);
  assert.is(noKey.stdout, '');
  assert.match(noKey.stderr, /^vault: "[^"]+": no key given; pass --password-file FILE/);
  const bad = await runAsync(['exec', '--password-file', wrong, '-f', envFile, '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(bad.code, 4);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /^vault: ".*\.env\.production": no keyring entry opens with --password-file/);
  assert.not.match(bad.stderr, /envelope secret|correct horse|battery/);
});

test.after(() => removeDir(dir));
test.run();
