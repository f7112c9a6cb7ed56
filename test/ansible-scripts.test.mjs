// ansible-vault users' scripts keep working: ansible.cfg read as Ansible reads it, unreadable
// vault-id sources as warnings, encrypt_string and its --output, standard input for
// encrypt/decrypt with --output, --new-vault-id with --new-vault-password-file refused, and
// ANSIBLE_VAULT_ENCRYPT_SALT; each checked against the real ansible-vault where it can be.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, cleanEnv, runVault, tempDir, writeSecret } from './helpers.mjs';
import { findAnsibleConfig, parseAnsibleDefaults, withAnsibleConfig } from '../dist/keys/ansible-config.js';

/** ansible-vault in DIR with no user configuration. @param {string} dir @param {string[]} args @param {string} [input] */
function ansibleVault(dir, args, input) {
  const result = spawnSync('ansible-vault', args, { cwd: dir, env: cleanEnv({ HOME: dir, ANSIBLE_NOCOLOR: '1' }), input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A directory with a password file "pw" and a vault "v.yml" the real ansible-vault sealed with it. */
function fixture() {
  const dir = tempDir();
  writeSecret(join(dir, 'pw'), 'scripts password\n');
  writeFileSync(join(dir, 'v.yml'), 'token: abc\n');
  const made = ansibleVault(dir, ['encrypt', '--vault-password-file', 'pw', 'v.yml']);
  assert.is(made.code, 0, made.stderr);
  return dir;
}

test('parseAnsibleDefaults reads [defaults] as configparser does', async () => {
  const values = parseAnsibleDefaults('# c\n[defaults]\nvault_password_file = ./pw ; note\nVAULT_ID_MATCH: true\n; x\n[other]\nvault_identity_list = no\n');
  assert.is(values.get('vault_password_file'), './pw');
  assert.is(values.get('vault_id_match'), 'true');
  assert.not.ok(values.has('vault_identity_list'));
});

test('ansible.cfg: ./ansible.cfg, ANSIBLE_CONFIG (file or directory), ~/.ansible.cfg; variables win', async () => {
  const dir = tempDir();
  const home = tempDir();
  writeFileSync(join(home, '.ansible.cfg'), '[defaults]\nvault_encrypt_identity = home\n');
  assert.is(findAnsibleConfig({ HOME: home }, dir), join(home, '.ansible.cfg'));
  writeFileSync(join(dir, 'ansible.cfg'), '[defaults]\nvault_password_file = secrets/pw\nvault_identity_list = prod@/usr/local/bin/vaultfile-client, dev@dev.pw\nvault_id_match = yes\n');
  const env = withAnsibleConfig({ HOME: home }, dir);
  assert.is(env.ANSIBLE_VAULT_PASSWORD_FILE, join(dir, 'secrets/pw'), 'relative to the file');
  assert.is(env.ANSIBLE_VAULT_IDENTITY_LIST, 'dev@dev.pw', 'vaultfile-client is never asked by vault itself');
  assert.is(env.ANSIBLE_VAULT_ID_MATCH, 'yes');
  assert.is(env.ANSIBLE_VAULT_ENCRYPT_IDENTITY, undefined, 'only the first file found is read');
  assert.is(withAnsibleConfig({ HOME: home, ANSIBLE_VAULT_PASSWORD_FILE: '/x' }, dir).ANSIBLE_VAULT_PASSWORD_FILE, '/x');
  const other = tempDir();
  writeFileSync(join(other, 'ansible.cfg'), '[defaults]\nvault_encrypt_identity = other\n');
  assert.is(withAnsibleConfig({ HOME: home, ANSIBLE_CONFIG: other }, dir).ANSIBLE_VAULT_ENCRYPT_IDENTITY, 'other');
  assert.is(withAnsibleConfig({ HOME: home, ANSIBLE_CONFIG: join(other, 'ansible.cfg') }, dir).ANSIBLE_VAULT_ENCRYPT_IDENTITY, 'other');
  // A world-writable directory's ansible.cfg is ignored, as Ansible ignores it.
  chmodSync(dir, 0o777);
  assert.is(findAnsibleConfig({ HOME: home }, dir), join(home, '.ansible.cfg'));
  chmodSync(dir, 0o700);
});

test('vault view opens an Ansible vault with the password file ansible.cfg names', async () => {
  const dir = fixture();
  mkdirSync(join(dir, 'play'));
  writeFileSync(join(dir, 'play/ansible.cfg'), '[defaults]\nvault_password_file = ../pw\n');
  const view = await runVault(['view', '../v.yml'], { cwd: join(dir, 'play'), env: { HOME: dir } });
  assert.is(view.code, 0, view.stderr);
  assert.is(view.stdout, 'token: abc\n');
  const viaEnv = await runVault(['view', 'v.yml'], { cwd: dir, env: { HOME: dir, ANSIBLE_CONFIG: join(dir, 'play') } });
  assert.is(viaEnv.stdout, 'token: abc\n', viaEnv.stderr);
});

test('a vault-id whose file is missing is a warning while another opens the file; alone it is the error', async () => {
  const dir = fixture();
  const both = await runVault(['view', '--vault-id', 'missing@nope', '--vault-id', 'pw', 'v.yml'], { cwd: dir });
  assert.is(both.code, 0, both.stderr);
  assert.is(both.stdout, 'token: abc\n');
  assert.match(both.stderr, /^vault: warning: "nope": .*; trying the other keys\n$/);
  const listed = await runVault(['view', '--vault-id', 'pw', 'v.yml'], { cwd: dir, env: { ANSIBLE_VAULT_IDENTITY_LIST: 'x@gone,y@pw' } });
  assert.is(listed.code, 0, listed.stderr);
  assert.match(listed.stderr, /warning: "gone"/);
  const alone = await runVault(['view', '--vault-id', 'missing@nope', 'v.yml'], { cwd: dir });
  assert.is(alone.code, 6);
  assert.not.match(alone.stderr, /warning/);
  const ansible = ansibleVault(dir, ['view', '--vault-id', 'missing@nope', '--vault-id', 'pw', 'v.yml']);
  assert.is(ansible.code, 0, 'ansible-vault behaves the same');
});

test('encrypt_string (alias) with --output; ansible-vault reads the block', async () => {
  const dir = fixture();
  const result = await runVault(['encrypt_string', '--vault-id', 'pw', '-n', 'api_key', 'k-123', '--output', 'out.yml'], { cwd: dir });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stdout, '');
  const block = readFileSync(join(dir, 'out.yml'), 'utf8');
  assert.match(block, /^api_key: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/);
  const check = await runVault(['view', '--vault-id', 'pw', 'out.yml'], { cwd: dir });
  assert.is(check.stdout, 'api_key: k-123\n', check.stderr);
});

test('encrypt and decrypt read standard input when no file is given with --output', async () => {
  const dir = fixture();
  const enc = await runVault(['encrypt', '--format', 'ansible', '--vault-id', 'pw', '--output', 'from-stdin.yml'], { cwd: dir, input: 'piped: 1\n' });
  assert.is(enc.code, 0, enc.stderr);
  assert.is(ansibleVault(dir, ['view', '--vault-password-file', 'pw', 'from-stdin.yml']).stdout, 'piped: 1\n');
  const dec = await runVault(['decrypt', '--vault-id', 'pw', '--output', '-'], { cwd: dir, input: readFileSync(join(dir, 'v.yml')) });
  assert.is(dec.stdout, 'token: abc\n', dec.stderr);
  const none = await runVault(['decrypt', '--vault-id', 'pw'], { cwd: dir });
  assert.is(none.code, 2);
  assert.match(none.stderr, /give the files, "-" for standard input, or --output FILE/);
});

test('rekey refuses --new-vault-id with --new-vault-password-file, as ansible-vault does', async () => {
  const dir = fixture();
  const before = readFileSync(join(dir, 'v.yml'));
  const result = await runVault(['rekey', '--vault-id', 'pw', '--new-vault-id', 'n@pw', '--new-vault-password-file', 'pw', 'v.yml'], { cwd: dir });
  assert.is(result.code, 2);
  assert.is(result.stderr, 'vault: --new-vault-id and --new-vault-password-file cannot be used together; give one of them\n');
  assert.equal(readFileSync(join(dir, 'v.yml')), before);
  assert.is.not(ansibleVault(dir, ['rekey', '--vault-id', 'pw', '--new-vault-id', 'n@pw', '--new-vault-password-file', 'pw', 'v.yml']).code, 0);
});

test('ANSIBLE_VAULT_ENCRYPT_SALT gives reproducible output that ansible-vault reads', async () => {
  const dir = fixture();
  const env = { ANSIBLE_VAULT_ENCRYPT_SALT: 'fixed-salt' };
  const run = async () => (await runVault(['encrypt', '--format', 'ansible', '--vault-id', 'pw', '-o', '-', '-'], { cwd: dir, env, input: 'same: 1\n' })).stdout;
  const first = await run();
  assert.match(first, /^\$ANSIBLE_VAULT;1\.1;AES256\n/);
  assert.is(await run(), first, 'equal input, equal output');
  writeFileSync(join(dir, 'salted.yml'), first);
  assert.is(ansibleVault(dir, ['view', '--vault-password-file', 'pw', 'salted.yml']).stdout, 'same: 1\n');
  const random = (await runVault(['encrypt', '--format', 'ansible', '--vault-id', 'pw', '-o', '-', '-'], { cwd: dir, input: 'same: 1\n' })).stdout;
  assert.is.not(random, first);
  const block = async (/** @type {Record<string,string>} */ e) => (await runVault(['encrypt-string', '--vault-id', 'pw', 'v'], { cwd: dir, env: e })).stdout;
  assert.is(await block(env), await block(env));
});

test('inline values: view and decrypt -o - show what the keys open and warn about the rest', async () => {
  const dir = tempDir();
  copyFileSync(join(FIXTURES, 'ansible/inline.yml'), join(dir, 'main.yml'));
  copyFileSync(join(FIXTURES, 'ansible/pw-default.txt'), join(dir, 'pw'));
  copyFileSync(join(FIXTURES, 'ansible/pw-prod.txt'), join(dir, 'prod.pw'));
  chmodSync(join(dir, 'pw'), 0o600);
  chmodSync(join(dir, 'prod.pw'), 0o600);
  const original = readFileSync(join(dir, 'main.yml'), 'utf8');
  const full = await runVault(['view', '--vault-id', 'pw', '--vault-id', 'prod@prod.pw', 'main.yml'], { cwd: dir });
  assert.is(full.code, 0, full.stderr);
  assert.is(full.stderr, '');
  // Only the default password: the prod value stays as it is, with a warning naming its path.
  for (const args of [['view'], ['decrypt', '-o', '-']]) {
    const part = await runVault([...args, '--vault-id', 'pw', 'main.yml'], { cwd: dir });
    assert.is(part.code, 0, part.stderr);
    assert.match(part.stdout, /^db_password: s3cr3t/m);
    assert.match(part.stdout, /api_token: !vault \|\n +\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    assert.match(part.stderr, /^vault: warning: "main\.yml" at nested\.api_token: no password opened this ansible vault \(sealed for vault-id "prod"\)/);
    assert.is(part.stderr.split('\n').length, 2, 'one warning');
  }
  // In place, a file with sealed values would look decrypted: refused, nothing written.
  const inPlace = await runVault(['decrypt', '--vault-id', 'pw', 'main.yml'], { cwd: dir });
  assert.is(inPlace.code, 4);
  assert.is(readFileSync(join(dir, 'main.yml'), 'utf8'), original);
  // Nothing opens: an error, not an empty success.
  writeSecret(join(dir, 'wrong.pw'), 'not the password\n');
  const none = await runVault(['view', '--vault-id', 'wrong.pw', 'main.yml'], { cwd: dir });
  assert.is(none.code, 4);
  assert.is(none.stdout, '');
});

test.run();
