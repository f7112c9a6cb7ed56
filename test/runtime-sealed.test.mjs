// vault exec / vault export reading encrypted sources: a vaultfile envelope, a whole-file Ansible
// vault and YAML with inline !vault values (made by the real ansible-vault), mixed with plain files;
// inline values the keys given do not open fail only the variables that would be set from them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, writeSecret } from './helpers.mjs';
import { assertExecSet, hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';
import { sealForPassword } from './core-helpers.mjs';

const dir = tempDir('vaultfile-sealed-');
const pw = writeSecret(join(dir, 'pw'), 'correct horse\n');
const wrong = writeSecret(join(dir, 'wrong'), 'battery staple\n');

const envFile = join(dir, '.env.production');
// Sealed as `vault encrypt --password-file` does, at a low work factor: every vault process of
// this file opens it, and the password's cost is not what is tested here.
writeFileSync(envFile, await sealForPassword('DB_PASSWORD="envelope secret"\nREF=ssm:///never/resolved\n', 'correct horse'));
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
// Two inline values: token for the default password, api_key for vault-id "prod".
const prodPw = writeSecret(join(dir, 'prod.pw'), 'prod only\n');
const prodValue = spawnSync('ansible-vault', ['encrypt_string', 'prod api key', '--name', 'api_key', '--vault-id', `prod@${prodPw}`], { cwd: dir, encoding: 'utf8' });
assert.is(prodValue.status, 0, prodValue.stderr);
const mixedFile = join(dir, 'mixed.yml');
writeFileSync(mixedFile, `${ansibleVault(['encrypt_string', 'inline secret', '--name', 'token'])}\n${prodValue.stdout}\nregion: eu-west-1\n`);

test('exec opens an envelope, an Ansible vault and inline !vault values with one password', async () => {
  const result = await runAsync(
    ['exec', '--password-file', pw, '--no-resolve', '-f', envFile, '-f', ansibleFile, '-f', inlineFile, '-f', plainFile, ...hashChild('DB_PASSWORD', 'API_KEY', 'PORT', 'TOKEN', 'REGION', 'PLAIN', 'REF')],
    { env: runtimeEnv() },
  );
  assertExecSet(result, {
    DB_PASSWORD: 'envelope secret',
    API_KEY: 'ansible whole-file secret',
    PORT: '8443',
    TOKEN: 'inline secret',
    REGION: 'eu-west-1',
    PLAIN: 'yes',
    REF: 'ssm:///never/resolved',
  });
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

test('exec: an inline value no key opens refuses the run, naming the variable; --allow-unresolved leaves it unset', async () => {
  const ran = ['--', process.execPath, '-e', 'console.log("ran")'];
  const refused = await runAsync(['exec', '--password-file', pw, '-f', mixedFile, ...ran]);
  assert.is(refused.code, 4);
  assert.is(refused.stdout, '');
  assert.is(
    refused.stderr,
    `vault: ${JSON.stringify(mixedFile)}: API_KEY cannot be opened with the keys given (sealed for vault-id "prod"); nothing was run; add --vault-id prod@FILE, or --allow-unresolved to run without it\n`,
  );

  const allowed = await runAsync(['exec', '--allow-unresolved', '--password-file', pw, '-f', mixedFile, ...hashChild('TOKEN', 'API_KEY', 'REGION')]);
  assert.is(allowed.code, 0, allowed.stderr);
  assert.equal(JSON.parse(allowed.stdout), hashesOf({ TOKEN: 'inline secret', API_KEY: null, REGION: 'eu-west-1' }));
  assert.is(allowed.stderr, `vault: warning: ${JSON.stringify(mixedFile)}: API_KEY cannot be opened with the keys given; left unset (--allow-unresolved)\n`);

  // With both keys every value opens: the file itself is sound.
  const both = await runAsync(['exec', '--vault-id', pw, '--vault-id', `prod@${prodPw}`, '-f', mixedFile, ...hashChild('TOKEN', 'API_KEY')]);
  assert.is(both.code, 0, both.stderr);
  assert.equal(JSON.parse(both.stdout), hashesOf({ TOKEN: 'inline secret', API_KEY: 'prod api key' }));
  assert.is(both.stderr, '');
});

test('exec: an unopened value that would not be used does not stop the run; an earlier source never stands in', async () => {
  // The environment's API_KEY wins over the file's (no --overload): the sealed value is not needed.
  const fromEnv = await runAsync(['exec', '--password-file', pw, '-f', mixedFile, ...hashChild('TOKEN', 'API_KEY')], { env: runtimeEnv({ API_KEY: 'from the task' }) });
  assert.is(fromEnv.code, 0, fromEnv.stderr);
  assert.is(fromEnv.stderr, '');
  assert.equal(JSON.parse(fromEnv.stdout), hashesOf({ TOKEN: 'inline secret', API_KEY: 'from the task' }));
  // A later file sets API_KEY: the sealed value would be replaced anyway.
  const later = join(dir, 'later.env');
  writeFileSync(later, 'API_KEY=from a later file\n');
  const overridden = await runAsync(['exec', '--password-file', pw, '-f', mixedFile, '-f', later, ...hashChild('API_KEY')]);
  assert.is(overridden.code, 0, overridden.stderr);
  assert.equal(JSON.parse(overridden.stdout), hashesOf({ API_KEY: 'from a later file' }));
  // --overload asks for the file's value over the environment's: now it is needed.
  const overload = await runAsync(['exec', '--overload', '--password-file', pw, '-f', mixedFile, '--', process.execPath, '-e', 'console.log("ran")'], { env: runtimeEnv({ API_KEY: 'from the task' }) });
  assert.is(overload.code, 4);
  assert.is(overload.stdout, '');
  assert.match(overload.stderr, /^vault: "[^"]+mixed\.yml": API_KEY cannot be opened with the keys given/);
  // An earlier file's API_KEY is what the sealed one replaces: it is not used in its place.
  const earlier = await runAsync(['exec', '--allow-unresolved', '--password-file', pw, '-f', later, '-f', mixedFile, ...hashChild('API_KEY', 'TOKEN')]);
  assert.is(earlier.code, 0, earlier.stderr);
  assert.equal(JSON.parse(earlier.stdout), hashesOf({ API_KEY: null, TOKEN: 'inline secret' }));
  assert.match(earlier.stderr, /^vault: warning: "[^"]+mixed\.yml": API_KEY cannot be opened with the keys given; left unset \(--allow-unresolved\)\n$/);
});

test('exec and export: a key that opens no inline value names every variable; --allow-unresolved keeps the plain ones', async () => {
  const refused = await runAsync(['exec', '--password-file', wrong, '-f', mixedFile, '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(refused.code, 4);
  assert.is(refused.stdout, '');
  assert.is(
    refused.stderr,
    `vault: ${JSON.stringify(mixedFile)}: TOKEN, API_KEY cannot be opened with the keys given; nothing was run; add --vault-id LABEL@FILE, or --allow-unresolved to run without them\n`,
  );
  const exported = await runAsync(['export', '--allow-unresolved', '--password-file', wrong, '-f', mixedFile, '--format', 'json']);
  assert.is(exported.code, 0, exported.stderr);
  assert.equal(JSON.parse(exported.stdout), { REGION: 'eu-west-1' });
  assert.equal(exported.stderr.split('\n'), [
    `vault: warning: ${JSON.stringify(mixedFile)}: TOKEN cannot be opened with the keys given; left unset (--allow-unresolved)`,
    `vault: warning: ${JSON.stringify(mixedFile)}: API_KEY cannot be opened with the keys given; left unset (--allow-unresolved)`,
    '',
  ]);
  for (const result of [refused, exported]) assert.not.match(result.stderr, /inline secret|prod api key|\$ANSIBLE_VAULT|[0-9a-f]{40}/);
  // No key at all is still "no key given", before any variable is judged.
  const noKey = await runAsync(['exec', '--allow-unresolved', '-f', mixedFile, '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(noKey.code, 5);
  assert.is(noKey.stdout, '');
  assert.match(noKey.stderr, /^vault: "[^"]+mixed\.yml": no key given/);
});

test.after(() => removeDir(dir));
test.run();
