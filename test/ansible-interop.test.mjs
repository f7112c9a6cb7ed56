// Interop with the real ansible-core: ansible-vault and ansible-playbook read what vaultfile
// writes, byte for byte, and accept the fixture variants vaultfile reads (CRLF, upper-case hex).
// Skips LOUDLY (one visible SKIPPED test and a banner) only when ansible-vault is not installed;
// CI installs it, so there these tests always run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, cleanEnv, removeDir, runVault, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { sealAnsibleVault } from '../dist/core/ansible-vault.js';
import { systemRandom } from '../dist/core/random.js';

const DIR = join(FIXTURES, 'ansible');
const enc = new TextEncoder();
const HAVE_ANSIBLE = spawnSync('ansible-vault', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * Run an ansible command in DIR with no user configuration.
 * @param {string} dir @param {string} cmd @param {string[]} args
 */
function ansible(dir, cmd, args) {
  const result = spawnSync(cmd, args, {
    cwd: dir,
    env: cleanEnv({ ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'), ANSIBLE_NOCOLOR: '1', HOME: dir }),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

if (!HAVE_ANSIBLE) {
  process.stderr.write(
    '\n*** SKIPPED: ansible-vault is not installed, so Ansible interop was NOT checked. ***\n' +
      '*** Install Debian ansible-core (apt-get install ansible-core) to run these tests. ***\n\n',
  );
  test('SKIPPED: ansible-vault not installed; Ansible interop NOT checked', () => {});
} else {
  const samples = [
    { name: 'yaml', plaintext: enc.encode('db_password: s3cr3t\nport: 5432\n') },
    { name: 'empty', plaintext: new Uint8Array(0) },
    { name: 'block16', plaintext: enc.encode('exact-16-bytes!\n') },
    { name: 'unicode', plaintext: enc.encode('greeting: "Grüße, 世界 — ✓"\n') },
    { name: 'binary', plaintext: new Uint8Array(3001).map((_, i) => (i * 131 + 7) & 0xff) },
  ];

  test('ansible-vault decrypts what vaultfile writes (1.1 and 1.2, empty, unicode, binary), byte-exact', async () => {
    const dir = tempDir();
    try {
      writeSecret(join(dir, 'pw'), 'test-only-interop\n');
      for (const sample of samples) {
        for (const label of [undefined, 'prod']) {
          const file = join(dir, `${sample.name}-${label ?? 'none'}.vault`);
          const options = label ? { label } : {};
          writeFileSync(file, await sealAnsibleVault(sample.plaintext, enc.encode('test-only-interop'), options, systemRandom));
          const vaultId = label ? `${label}@pw` : 'pw';
          const result = ansible(dir, 'ansible-vault', ['decrypt', '--vault-id', vaultId, '--output', '-', file]);
          assert.is(result.code, 0, result.stderr);
          assert.equal(new Uint8Array(result.stdout), sample.plaintext, `${sample.name} ${label}`);
        }
      }
      // view as well (the command users run).
      const view = ansible(dir, 'ansible-vault', ['view', '--vault-password-file', 'pw', 'yaml-none.vault']);
      assert.is(view.code, 0, view.stderr);
      assert.is(view.stdout.toString('utf8'), 'db_password: s3cr3t\nport: 5432\n');
    } finally {
      removeDir(dir);
    }
  });

  test('ansible-playbook reads a vars file vaultfile wrote (one local task)', async () => {
    const dir = tempDir();
    try {
      writeSecret(join(dir, 'prod.pw'), 'test-only-playbook\n');
      const vars = enc.encode('db_password: "s3cr3t from vaultfile"\n');
      writeFileSync(join(dir, 'vault.yml'), await sealAnsibleVault(vars, enc.encode('test-only-playbook'), { label: 'prod' }, systemRandom));
      writeFileSync(
        join(dir, 'play.yml'),
        [
          '- hosts: localhost',
          '  connection: local',
          '  gather_facts: false',
          '  vars_files: [vault.yml]',
          '  tasks:',
          '    - ansible.builtin.copy:',
          '        content: "{{ db_password }}"',
          '        dest: "{{ playbook_dir }}/out.txt"',
          '',
        ].join('\n'),
      );
      const result = ansible(dir, 'ansible-playbook', ['-i', 'localhost,', '--vault-id', 'prod@prod.pw', 'play.yml']);
      assert.is(result.code, 0, result.stdout.toString('utf8') + result.stderr);
      assert.is(readFileSync(join(dir, 'out.txt'), 'utf8'), 's3cr3t from vaultfile');
    } finally {
      removeDir(dir);
    }
  });

  test('ansible-playbook reads what the vault CLI writes: encrypt --format ansible, edit, encrypt-string, edited inline values', async () => {
    const dir = tempDir();
    try {
      for (const name of ['pw-default.txt', 'pw-prod.txt']) writeSecret(join(dir, name), readFileSync(join(DIR, name), 'utf8'));
      const ids = ['--vault-id', 'pw-default.txt', '--vault-id', 'prod@pw-prod.txt'];
      writeFileSync(join(dir, 'edit.sh'), '#!/bin/sh\nsed -i -e "s/whole-file/edited-whole/" -e "s/^db_password: s3cr3t$/db_password: inline-edited/" "$1"\n', { mode: 0o700 });
      const editor = { VAULTFILE_EDITOR: join(dir, 'edit.sh') };

      writeFileSync(join(dir, 'vars.yml'), 'whole_password: "whole-file"\n');
      let result = await runVault(['encrypt', '--format', 'ansible', '--vault-id', 'prod@pw-prod.txt', 'vars.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(dir, 'vars.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
      result = await runVault(['edit', ...ids, 'vars.yml'], { cwd: dir, env: editor });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(dir, 'vars.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
      const view = ansible(dir, 'ansible-vault', ['view', '--vault-id', 'prod@pw-prod.txt', 'vars.yml']);
      assert.is(view.stdout.toString('utf8'), 'whole_password: "edited-whole"\n', view.stderr);

      writeFileSync(join(dir, 'inline.yml'), readFileSync(join(DIR, 'inline.yml')));
      result = await runVault(['edit', ...ids, 'inline.yml'], { cwd: dir, env: editor });
      assert.is(result.code, 0, result.stderr);

      result = await runVault(['encrypt-string', '--vault-id', 'prod@pw-prod.txt', '-n', 'es_value', 'from encrypt-string'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      writeFileSync(join(dir, 'es.yml'), result.stdout);

      writeFileSync(
        join(dir, 'play.yml'),
        [
          '- hosts: localhost',
          '  connection: local',
          '  gather_facts: false',
          '  vars_files: [vars.yml, inline.yml, es.yml]',
          '  tasks:',
          '    - ansible.builtin.copy:',
          '        content: "{{ whole_password }}|{{ db_password }}|{{ nested.api_token }}|{{ users[0].password }}|{{ es_value }}"',
          '        dest: "{{ playbook_dir }}/out.txt"',
          '',
        ].join('\n'),
      );
      const play = ansible(dir, 'ansible-playbook', ['-i', 'localhost,', ...ids, 'play.yml']);
      assert.is(play.code, 0, play.stdout.toString('utf8') + play.stderr);
      assert.is(readFileSync(join(dir, 'out.txt'), 'utf8'), 'edited-whole|inline-edited|tok-123: not yaml|multi\nline\nvalue\n|from encrypt-string');
    } finally {
      removeDir(dir);
    }
  });

  test('ansible-vault reads the CLI\'s 1.1 output: encrypt --format ansible, rekey, migrate --to ansible beside the keyring password', async () => {
    const dir = tempDir();
    try {
      writeSecret(join(dir, 'pw-default.txt'), readFileSync(join(DIR, 'pw-default.txt'), 'utf8'));
      writeSecret(join(dir, 'new.pw'), 'test-only-rekeyed\n');
      writeSecret(join(dir, 'team.pw'), 'test-only-team-keyring\n');
      const view = (/** @type {string} */ file, /** @type {string[]} */ key) => ansible(dir, 'ansible-vault', ['view', ...key, file]);

      // encrypt --format ansible with the default vault-id: 1.1, as ansible-vault writes it.
      writeFileSync(join(dir, 'a.yml'), 'a: 1\n');
      let result = await runVault(['encrypt', '--format', 'ansible', '--vault-id', 'default@pw-default.txt', 'a.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(dir, 'a.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.1;AES256');
      let shown = view('a.yml', ['--vault-password-file', 'pw-default.txt']);
      assert.is(shown.stdout.toString('utf8'), 'a: 1\n', shown.stderr);

      // rekey: the file stays 1.1 and opens with the new password only.
      result = await runVault(['rekey', '--vault-id', 'pw-default.txt', '--new-password-file', 'new.pw', 'a.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(dir, 'a.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.1;AES256');
      shown = view('a.yml', ['--vault-password-file', 'new.pw']);
      assert.is(shown.stdout.toString('utf8'), 'a: 1\n', shown.stderr);
      assert.is.not(view('a.yml', ['--vault-password-file', 'pw-default.txt']).code, 0);
      // --new-vault-id prod@F writes 1.2;prod, as ansible-vault rekey does.
      result = await runVault(['rekey', '--password-file', 'new.pw', '--new-vault-id', 'prod@pw-default.txt', 'a.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(dir, 'a.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
      shown = view('a.yml', ['--vault-id', 'prod@pw-default.txt']);
      assert.is(shown.stdout.toString('utf8'), 'a: 1\n', shown.stderr);

      // migrate --to ansible with an unlabelled vault-id AND the keyring's password: the Ansible
      // file is sealed with the vault-id's password, never with the keyring's.
      const repo = tempRepo();
      writeSecret(join(repo, 'team.pw'), 'test-only-team-keyring\n');
      writeSecret(join(repo, 'pw-default.txt'), readFileSync(join(DIR, 'pw-default.txt'), 'utf8'));
      result = await runVault(['init', '--password-file', 'team.pw', '--work-factor', '10'], { cwd: repo });
      assert.is(result.code, 0, result.stderr);
      writeFileSync(join(repo, 'vars.yml'), 'b: 2\n');
      result = await runVault(['encrypt', '--password-file', 'team.pw', 'vars.yml'], { cwd: repo });
      assert.is(result.code, 0, result.stderr);
      result = await runVault(['migrate', '--to', 'ansible', 'vars.yml', '--vault-id', 'pw-default.txt', '--password-file', 'team.pw'], { cwd: repo });
      assert.is(result.code, 0, result.stderr);
      assert.is(readFileSync(join(repo, 'vars.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.1;AES256');
      const migrated = ansible(repo, 'ansible-vault', ['view', '--vault-id', 'pw-default.txt', 'vars.yml']);
      assert.is(migrated.stdout.toString('utf8'), 'b: 2\n', migrated.stderr);
      removeDir(repo);
    } finally {
      removeDir(dir);
    }
  });

  test('a padded password file given to --password-file / --new-password-file writes what ansible-vault opens with the same file', async () => {
    const dir = tempDir();
    try {
      writeSecret(join(dir, 'padded.pw'), '  test-only padded \n');
      writeSecret(join(dir, 'padded2.pw'), '\ttest-only padded two\n\n');
      const view = (/** @type {string} */ file, /** @type {string} */ pw) => ansible(dir, 'ansible-vault', ['view', '--vault-password-file', pw, file]);
      writeFileSync(join(dir, 'a.yml'), 'a: 1\n');
      let result = await runVault(['encrypt', '--format', 'ansible', '--password-file', 'padded.pw', 'a.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      let shown = view('a.yml', 'padded.pw');
      assert.is(shown.stdout.toString('utf8'), 'a: 1\n', shown.stderr);
      // vaultfile still opens it with the same option.
      result = await runVault(['view', '--password-file', 'padded.pw', 'a.yml'], { cwd: dir });
      assert.is(result.stdout, 'a: 1\n', result.stderr);

      result = await runVault(['rekey', '--password-file', 'padded.pw', '--new-password-file', 'padded2.pw', 'a.yml'], { cwd: dir });
      assert.is(result.code, 0, result.stderr);
      shown = view('a.yml', 'padded2.pw');
      assert.is(shown.stdout.toString('utf8'), 'a: 1\n', shown.stderr);

      result = await runVault(['encrypt-string', '--password-file', 'padded.pw', '--stdin-name', 'v'], { cwd: dir, input: 'inline value' });
      assert.is(result.code, 0, result.stderr);
      writeFileSync(join(dir, 'es.yml'), result.stdout);
      const debug = ansible(dir, 'ansible', ['localhost', '-i', 'localhost,', '-c', 'local', '-e', '@es.yml', '--vault-password-file', 'padded.pw', '-m', 'debug', '-a', 'var=v']);
      assert.is(debug.code, 0, debug.stdout.toString('utf8') + debug.stderr);
      assert.match(debug.stdout.toString('utf8'), '"v": "inline value"');
    } finally {
      removeDir(dir);
    }
  });

  test('ansible-vault itself accepts the CRLF and upper-case fixtures vaultfile reads', () => {
    for (const [file, id] of [['v11-simple-crlf.vault', 'pw-default.txt'], ['v12-prod-upper.vault', 'prod@pw-prod.txt']]) {
      const result = ansible(DIR, 'ansible-vault', ['view', '--vault-id', id, file]);
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stdout.toString('utf8'), readFileSync(join(DIR, 'plain/simple.yml'), 'utf8'));
    }
  });
}

test.run();
