// vault migrate: whole-file Ansible vaults -> vaultfile envelopes under the repository keyring
// (verified, atomic, resumable, with a summary) and back with --to ansible.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, removeDir, runVault, tempRepo, writeSecret } from './helpers.mjs';

const DIR = join(FIXTURES, 'ansible');
const PLAIN = readFileSync(join(DIR, 'plain/simple.yml'), 'utf8');
const MULTI = readFileSync(join(DIR, 'plain/multiline.yml'), 'utf8');

/** A repository with a key-file keyring and Ansible files under group_vars/. */
async function repo() {
  const dir = tempRepo();
  let result = await runVault(['keygen', 'k.key'], { cwd: dir });
  assert.is(result.code, 0, result.stderr);
  result = await runVault(['init', '--key-file', 'k.key'], { cwd: dir });
  assert.is(result.code, 0, result.stderr);
  mkdirSync(join(dir, 'group_vars/all'), { recursive: true });
  mkdirSync(join(dir, 'group_vars/prod'), { recursive: true });
  copyFileSync(join(DIR, 'v11-simple.vault'), join(dir, 'group_vars/all/vault.yml'));
  copyFileSync(join(DIR, 'v12-dev.vault'), join(dir, 'group_vars/all/dev.yml'));
  copyFileSync(join(DIR, 'v12-prod.vault'), join(dir, 'group_vars/prod/vault.yml'));
  chmodSync(join(dir, 'group_vars/prod/vault.yml'), 0o640);
  copyFileSync(join(DIR, 'inline.yml'), join(dir, 'group_vars/all/main.yml'));
  writeFileSync(join(dir, 'group_vars/all/plain.yml'), 'a: 1\n');
  for (const name of ['pw-default.txt', 'pw-prod.txt', 'pw-dev.txt']) writeSecret(join(dir, name), readFileSync(join(DIR, name), 'utf8'));
  return dir;
}

const ALL_IDS = ['--vault-id', 'pw-default.txt', '--vault-id', 'prod@pw-prod.txt', '--vault-id', 'dev@pw-dev.txt'];

test('migrate converts whole-file vaults to keyring envelopes, skips the rest, prints a summary', async () => {
  const dir = await repo();
  try {
    const inline = readFileSync(join(dir, 'group_vars/all/main.yml'));
    const result = await runVault(['migrate', 'group_vars', '--key-file', 'k.key', ...ALL_IDS], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(
      result.stderr,
      [
        '"group_vars/all/dev.yml": converted (ansible -> keyring "default")',
        '"group_vars/all/main.yml": skipped (has inline !vault values (kept as they are))',
        '"group_vars/all/plain.yml": skipped (not an ansible vault)',
        '"group_vars/all/vault.yml": converted (ansible -> keyring "default")',
        '"group_vars/prod/vault.yml": converted (ansible -> keyring "default")',
        'migrate: 3 converted, 0 already vaultfile, 2 skipped, 0 failed',
        '',
      ].join('\n'),
    );
    assert.equal(readFileSync(join(dir, 'group_vars/all/main.yml')), inline);
    assert.is(statSync(join(dir, 'group_vars/prod/vault.yml')).mode & 0o777, 0o640);
    for (const [file, plain] of [['group_vars/all/vault.yml', PLAIN], ['group_vars/all/dev.yml', MULTI], ['group_vars/prod/vault.yml', PLAIN]]) {
      assert.match(readFileSync(join(dir, file), 'utf8'), /^\$VAULTFILE;1;AES256\n/);
      const view = await runVault(['view', '--key-file', 'k.key', file], { cwd: dir });
      assert.is(view.stdout, plain, view.stderr);
    }
  } finally {
    removeDir(dir);
  }
});

test('a failure leaves that file untouched, exits with its code, and a second run resumes', async () => {
  const dir = await repo();
  try {
    const prod = readFileSync(join(dir, 'group_vars/prod/vault.yml'));
    let result = await runVault(['migrate', 'group_vars/all/vault.yml', 'group_vars/prod/vault.yml', '--key-file', 'k.key', '--vault-id', 'pw-default.txt'], { cwd: dir });
    assert.is(result.code, 4);
    assert.is(
      result.stderr,
      [
        '"group_vars/all/vault.yml": converted (ansible -> keyring "default")',
        'vault: "group_vars/prod/vault.yml": no password opened this ansible vault (sealed for vault-id "prod"); tried --vault-id "pw-default.txt"; check the password or add --vault-id LABEL@FILE',
        'vault: migrate: 1 converted, 0 already vaultfile, 0 skipped, 1 failed; fix the errors above and run the same command again (converted files are skipped)',
        '',
      ].join('\n'),
    );
    assert.equal(readFileSync(join(dir, 'group_vars/prod/vault.yml')), prod);
    result = await runVault(['migrate', 'group_vars/all/vault.yml', 'group_vars/prod/vault.yml', '--key-file', 'k.key', '--vault-id', 'prod@pw-prod.txt'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stderr, /"group_vars\/all\/vault\.yml": unchanged \(already a vaultfile envelope\)\n"group_vars\/prod\/vault\.yml": converted/);
    assert.match(result.stderr, /migrate: 1 converted, 1 already vaultfile, 0 skipped, 0 failed\n$/);
  } finally {
    removeDir(dir);
  }
});

test('--to ansible converts back (label from --vault-id); ansible-vault reads the result', async () => {
  const dir = await repo();
  try {
    let result = await runVault(['migrate', 'group_vars/prod/vault.yml', 'group_vars/all/vault.yml', '--key-file', 'k.key', ...ALL_IDS], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/prod/*.yml', '--key-file', 'k.key', '--vault-id', 'prod@pw-prod.txt'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stderr, '"group_vars/prod/vault.yml": converted (vaultfile -> ansible 1.2;prod)\nmigrate: 1 converted, 0 already ansible, 0 skipped, 0 failed\n');
    assert.is(readFileSync(join(dir, 'group_vars/prod/vault.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/all/vault.yml', 'group_vars/prod/vault.yml', 'group_vars/all/plain.yml', '--key-file', 'k.key', '--vault-id', 'pw-default.txt'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stderr, /"group_vars\/all\/vault\.yml": converted \(vaultfile -> ansible 1\.1\)\n"group_vars\/prod\/vault\.yml": unchanged \(already an ansible vault\)\n"group_vars\/all\/plain\.yml": skipped \(not a vaultfile envelope\)\n/);
    if (spawnSync('ansible-vault', ['--version']).status === 0) {
      const view = spawnSync('ansible-vault', ['view', '--vault-id', 'prod@pw-prod.txt', 'group_vars/prod/vault.yml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } });
      assert.is(view.stdout, PLAIN, view.stderr);
    } else {
      process.stderr.write('\n*** SKIPPED the ansible-vault check of --to ansible: ansible-vault is not installed ***\n');
    }
  } finally {
    removeDir(dir);
  }
});

test('usage errors: --to, the Ansible password, several labels, no keyring, nothing matched', async () => {
  const dir = await repo();
  try {
    let result = await runVault(['migrate', '--to', 'sops', 'group_vars'], { cwd: dir });
    assert.is(result.code, 2);
    assert.is(result.stderr, 'vault: --to sops: use vaultfile or ansible\n');
    result = await runVault(['migrate', 'nothing/*.yml', '--key-file', 'k.key'], { cwd: dir });
    assert.is(result.code, 2);
    assert.is(result.stderr, 'vault: "nothing/*.yml": no file matches; check the pattern\n');
    result = await runVault(['migrate', 'missing.yml', '--key-file', 'k.key'], { cwd: dir });
    assert.is(result.code, 2);
    await runVault(['migrate', 'group_vars/all/vault.yml', '--key-file', 'k.key', '--vault-id', 'pw-default.txt'], { cwd: dir });
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/all/vault.yml', '--key-file', 'k.key'], { cwd: dir });
    assert.is(result.code, 5);
    assert.match(result.stderr, /--to ansible needs the Ansible password: pass --vault-id LABEL@FILE/);
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/all/vault.yml', '--key-file', 'k.key', ...ALL_IDS], { cwd: dir });
    assert.is(result.code, 2);
    assert.match(result.stderr, /several passwords could encrypt \(--vault-id "pw-default\.txt", --vault-id "prod@pw-prod\.txt", --vault-id "dev@pw-dev\.txt"\); choose one with --encrypt-vault-id LABEL/);
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/all/vault.yml', '--key-file', 'k.key', ...ALL_IDS, '--encrypt-vault-id', 'qa'], { cwd: dir });
    assert.is(result.code, 2);
    assert.match(result.stderr, /--encrypt-vault-id qa: no --vault-id has that label/);
    result = await runVault(['migrate', '--to', 'ansible', 'group_vars/all/vault.yml', '--key-file', 'k.key', ...ALL_IDS, '--encrypt-vault-id', 'dev'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(readFileSync(join(dir, 'group_vars/all/vault.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;dev');
    // Outside any repository there is no keyring to migrate to.
    const outside = join(dir, '..', `${dir.split('/').pop()}-outside`);
    mkdirSync(outside);
    copyFileSync(join(DIR, 'v11-simple.vault'), join(outside, 'v.yml'));
    writeSecret(join(outside, 'pw'), 'test-only-password-default\n');
    result = await runVault(['migrate', 'v.yml', '--vault-id', 'pw'], { cwd: outside });
    assert.is(result.code, 2);
    assert.match(result.stderr, /"v\.yml": no \.vaultfile\/ keyring found above it; run "vault init" in the repository first/);
    removeDir(outside);
  } finally {
    removeDir(dir);
  }
});

test.run();
