// Ansible through any vaultfile key: a keyring's Ansible password (vectors, and a file the real
// ansible-vault wrote), `format: ansible` files sealed and edited with it, `vaultfile-client`
// giving it to the real ansible-playbook (key file, password, the key `vault unlock` stored,
// an age identity, ansible.cfg's vault_identity_list), rotation changing it, and the git-filter mode where the
// playbook reads the plaintext work tree. The playbook loads deploy/vars/<env>.yml with
// vars_files and copies deploy/files/.env.<env> with copy, as the ECS quickstart does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FIXTURES, ROOT, cleanEnv, git, runVault, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { ansibleQuickstartPolicy, put, vault } from './git-support.mjs';
import { ageIdentity, emptyHome } from './identities-support.mjs';
import { ansiblePasswordFor } from '../dist/core/derive.js';
import { openAnsibleVault } from '../dist/core/ansible-vault.js';
import { AuthError } from '../dist/errors.js';

const CLIENT = join(ROOT, 'bundle', 'bin', 'vaultfile-client.mjs');
const VECTORS = join(FIXTURES, 'ansible-password');

test('keyring Ansible password vectors; the file ansible-vault wrote opens with the first only', async () => {
  const manifest = JSON.parse(readFileSync(join(VECTORS, 'manifest.json'), 'utf8'));
  const file = readFileSync(join(VECTORS, manifest.file));
  for (const vector of manifest.vectors) {
    const password = ansiblePasswordFor(Buffer.from(vector.dataKey, 'hex'), vector.keyring);
    assert.is(Buffer.from(password).toString(), vector.password);
    /** @type {import('../dist/core/credential.js').Credential} */
    const credential = { kind: 'password', password, origin: 'vector', label: vector.keyring };
    if (vector.opens === 'success') {
      const opened = await openAnsibleVault(file, [credential], 'vector');
      assert.equal(Buffer.from(opened.plaintext), readFileSync(join(VECTORS, manifest.plaintext)));
    } else {
      try {
        await openAnsibleVault(file, [credential], 'vector');
        assert.unreachable('must not open');
      } catch (error) {
        assert.instance(error, AuthError);
      }
    }
  }
});

/** Run the client as Ansible does. @param {string} cwd @param {string[]} args @param {Record<string,string>} [env] */
function client(cwd, args, env = {}) {
  const result = spawnSync(CLIENT, args, { cwd, env: cleanEnv(env), encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** ansible-playbook in DIR with no user configuration. @param {string} dir @param {string[]} args @param {Record<string,string>} [env] */
function playbook(dir, args, env = {}) {
  const result = spawnSync('ansible-playbook', ['-i', 'localhost,', '-c', 'local', ...args, 'deploy.yml'], {
    cwd: dir,
    env: cleanEnv({ ANSIBLE_LOCAL_TEMP: join(dir, '.ansible-tmp'), ANSIBLE_NOCOLOR: '1', HOME: dir, ...env }),
    encoding: 'utf8',
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

const PLAYBOOK = `- hosts: localhost
  gather_facts: false
  vars:
    env: prod
  vars_files:
    - deploy/vars/common.yml
    - "deploy/vars/{{ env }}.yml"
  tasks:
    - debug:
        msg: "{{ project }} uses {{ db_password }}"
    - copy:
        src: "deploy/files/.env.{{ env }}"
        dest: "{{ playbook_dir }}/env.out"
`;

const ANSIBLE_POLICY = ansibleQuickstartPolicy('prod', { envFilesToo: true });

/** The quickstart under format: ansible, keyring "prod" opened by a key file and a password. */
async function ansibleRepo() {
  const dir = tempRepo();
  const keys = tempDir('vaultfile-keys-');
  await vault(keys, ['keygen', 'k.key']);
  writeSecret(join(keys, 'pw'), 'team password for prod\n');
  await vault(dir, ['init', '--keyring', 'prod', '--key-file', join(keys, 'k.key'), '--password-file', join(keys, 'pw'), '--work-factor', '10']);
  put(dir, '.vaultfile/policy.yml', ANSIBLE_POLICY);
  put(dir, 'deploy.yml', PLAYBOOK);
  put(dir, 'deploy/vars/common.yml', 'project: demo\n');
  put(dir, 'deploy/vars/prod.yml', 'db_password: ansible-prod-secret\n');
  put(dir, 'deploy/files/.env.prod', 'API_KEY=prod-key\n');
  put(dir, 'deploy/files/.env.example', 'API_KEY=\n');
  await vault(dir, ['encrypt', 'deploy/vars/prod.yml', 'deploy/files/.env.prod'], { env: { VAULTFILE_KEY_FILE: join(keys, 'k.key') } });
  return { dir, keys };
}

test('format: ansible files: sealed with the keyring password, read by ansible-playbook through vaultfile-client', async () => {
  const { dir, keys } = await ansibleRepo();
  assert.is(readFileSync(join(dir, 'deploy/vars/prod.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
  assert.is(readFileSync(join(dir, 'deploy/files/.env.prod'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');

  // The client protocol: the password on stdout, exit 2 for a label that names no keyring.
  const byKey = client(dir, ['--vault-id', 'prod'], { VAULTFILE_KEY_FILE: join(keys, 'k.key') });
  assert.is(byKey.code, 0, byKey.stderr);
  assert.match(byKey.stdout, /^[A-Za-z0-9_-]{43}\n$/);
  assert.is(byKey.stderr, '');
  const byPassword = client(dir, ['--vault-id=prod'], { VAULTFILE_PASSWORD_FILE: join(keys, 'pw') });
  assert.is(byPassword.stdout, byKey.stdout, 'any way into the keyring gives the same password');
  const unknown = client(dir, ['--vault-id', 'staging'], { VAULTFILE_KEY_FILE: join(keys, 'k.key') });
  assert.is(unknown.code, 2);
  assert.is(unknown.stdout, '');
  assert.match(unknown.stderr, /^vaultfile-client: no keyring "staging" in this repository/);
  // Ansible's own variables name this client: they are not followed (no recursion).
  const nested = client(dir, ['--vault-id', 'prod'], { VAULTFILE_KEY_FILE: join(keys, 'k.key'), ANSIBLE_VAULT_IDENTITY_LIST: `prod@${CLIENT}` });
  assert.is(nested.stdout, byKey.stdout);
  assert.is(client(dir, ['--bogus']).code, 2);
  // The password file ansible-vault would read opens the file too: it is a plain Ansible vault.
  writeSecret(join(keys, 'ansible.pw'), byKey.stdout);
  const view = spawnSync('ansible-vault', ['view', '--vault-id', `prod@${join(keys, 'ansible.pw')}`, 'deploy/vars/prod.yml'], { cwd: dir, env: cleanEnv({ HOME: dir }), encoding: 'utf8' });
  assert.is(view.stdout, 'db_password: ansible-prod-secret\n', view.stderr);

  // ansible-playbook, vault-id prod through the client, keyed by a key file (CI) or a password.
  /** @type {Record<string, string>[]} */
  const keyEnvs = [{ VAULTFILE_KEY_FILE: join(keys, 'k.key') }, { VAULTFILE_PASSWORD_FILE: join(keys, 'pw') }];
  for (const env of keyEnvs) {
    const run = playbook(dir, ['--vault-id', `prod@${CLIENT}`], env);
    assert.is(run.code, 0, run.out);
    assert.match(run.out, /"msg": "demo uses ansible-prod-secret"/);
    assert.is(readFileSync(join(dir, 'env.out'), 'utf8'), 'API_KEY=prod-key\n', 'copy decrypted the .env file');
  }
  // ansible.cfg names the client; `vault unlock` stored the key, so no variable is needed at all.
  writeFileSync(join(dir, 'ansible.cfg'), `[defaults]\nvault_identity_list = prod@${CLIENT}\n`);
  const cfg = playbook(dir, []);
  assert.is(cfg.code, 0, cfg.out);
  assert.match(cfg.out, /"msg": "demo uses ansible-prod-secret"/);
  // Locked, with no key source: the client fails, and so does the playbook.
  await vault(dir, ['lock']);
  const noKey = client(dir, ['--vault-id', 'prod']);
  assert.is(noKey.code, 5);
  assert.match(noKey.stderr, /^vaultfile-client: no key given/);
  assert.is.not(playbook(dir, []).code, 0);
  const lockedView = await runVault(['view', 'deploy/vars/prod.yml'], { cwd: dir });
  assert.is(lockedView.code, 5);
  assert.match(lockedView.stderr, /^vault: "deploy\/vars\/prod\.yml": no key given; the file belongs to keyring "prod": pass --key-file FILE/);
  // A 1.2 file labelled with a keyring opens through that keyring even where no rule says format: ansible.
  writeFileSync(join(dir, 'copy.yml'), readFileSync(join(dir, 'deploy/vars/prod.yml')));
  const byLabel = await runVault(['view', 'copy.yml', '--key-file', join(keys, 'k.key')], { cwd: dir });
  assert.is(byLabel.stdout, 'db_password: ansible-prod-secret\n', byLabel.stderr);
  // The client outside any repository, and its usage.
  assert.is(client(keys, ['--vault-id', 'prod'], { VAULTFILE_KEY_FILE: join(keys, 'k.key') }).code, 2);
  const help = client(dir, ['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /^usage: vaultfile-client \[--vault-id LABEL\]/);
});

test('vaultfile-client opens the keyring with an age identity: VAULTFILE_IDENTITY or the default identity path', async () => {
  const { dir, keys } = await ansibleRepo();
  const { home, env: homeEnv } = emptyHome();
  const member = ageIdentity(keys, 'member.txt');
  const outsider = ageIdentity(keys, 'outsider.txt');
  const add = await runVault(['keys', 'add', '--keyring', 'prod', '--recipient', member.recipient, '--label', 'member', '--key-file', join(keys, 'k.key')], { cwd: dir, env: homeEnv });
  assert.is(add.code, 0, add.stderr);
  assert.is(add.stderr, 'added age entry "member" (from --recipient)\n');
  await vault(dir, ['lock']);
  const byKey = client(dir, ['--vault-id', 'prod'], { ...homeEnv, VAULTFILE_KEY_FILE: join(keys, 'k.key') });
  assert.is(byKey.code, 0, byKey.stderr);

  // The client: the identity gives the same password as the key file; another identity gives none.
  const byIdentity = client(dir, ['--vault-id', 'prod'], { ...homeEnv, VAULTFILE_IDENTITY: member.path });
  assert.is(byIdentity.code, 0, byIdentity.stderr);
  assert.is(byIdentity.stdout, byKey.stdout);
  assert.is(byIdentity.stderr, '');
  const wrong = client(dir, ['--vault-id', 'prod'], { ...homeEnv, VAULTFILE_IDENTITY: outsider.path });
  assert.is(wrong.code, 5);
  assert.is(wrong.stdout, '');
  assert.match(wrong.stderr, /^vaultfile-client: "[^"]+\/prod\.keyring": no key opens this keyring; its entries: password "password", key-file "key-file-2", age "member" SHA256:\S+; tried: VAULTFILE_IDENTITY "[^"]+outsider\.txt"; /);
  assert.is(wrong.stderr.split('\n').length, 2, 'one line');
  assert.not.match(wrong.stderr, new RegExp(byKey.stdout.trim()));

  // ansible-playbook reads the format: ansible files through the client, keyed by the identity only.
  const run = playbook(dir, ['--vault-id', `prod@${CLIENT}`], { ...homeEnv, VAULTFILE_IDENTITY: member.path });
  assert.is(run.code, 0, run.out);
  assert.match(run.out, /"msg": "demo uses ansible-prod-secret"/);
  assert.is(readFileSync(join(dir, 'env.out'), 'utf8'), 'API_KEY=prod-key\n', 'copy decrypted the .env file');
  const refused = playbook(dir, ['--vault-id', `prod@${CLIENT}`], { ...homeEnv, VAULTFILE_IDENTITY: outsider.path });
  assert.is.not(refused.code, 0, refused.out);
  assert.match(refused.out, /returned non-zero \(5\) when getting secret for vault-id=prod: b'vaultfile-client: "[^"]+": no key opens this keyring/);
  assert.not.match(refused.out, /ansible-prod-secret/);

  // With no key source named, the default identity path is tried, as vault itself does.
  mkdirSync(join(home, '.config', 'vaultfile'), { recursive: true });
  copyFileSync(member.path, join(home, '.config', 'vaultfile', 'identity.txt'));
  const byDefault = playbook(dir, ['--vault-id', `prod@${CLIENT}`], homeEnv);
  assert.is(byDefault.code, 0, byDefault.out);
  assert.match(byDefault.out, /"msg": "demo uses ansible-prod-secret"/);
});

test('vault edit and rotate: members need no Ansible password; rotate changes it and re-seals', async () => {
  const { dir, keys } = await ansibleRepo();
  const env = { VAULTFILE_KEY_FILE: join(keys, 'k.key') };
  writeFileSync(join(keys, 'ed.sh'), '#!/bin/sh\nsed -i "s/ansible-prod-secret/edited-secret/" "$1"\n', { mode: 0o700 });
  await vault(dir, ['edit', 'deploy/vars/prod.yml'], { env: { ...env, VAULTFILE_EDITOR: join(keys, 'ed.sh') } });
  assert.is(readFileSync(join(dir, 'deploy/vars/prod.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
  assert.is((await vault(dir, ['view', 'deploy/vars/prod.yml', '--password-file', join(keys, 'pw')])).stdout, 'db_password: edited-secret\n');

  // rekey has nothing to change: the password follows the keyring.
  const rekey = await runVault(['rekey', 'deploy/vars/prod.yml', '--new-password-file', join(keys, 'pw')], { cwd: dir, env });
  assert.is(rekey.code, 2);
  assert.match(rekey.stderr, /sealed with keyring "prod"'s Ansible password, which follows the keyring; use "vault keys add"/);

  const before = client(dir, ['--vault-id', 'prod'], env).stdout;
  const rotate = await vault(dir, ['rotate', '--keyring', 'prod', '--key-file', join(keys, 'k.key'), '--password-file', join(keys, 'pw')]);
  assert.match(rotate.stderr, /; 2 Ansible-format files sealed with the new Ansible password\n/);
  const after = client(dir, ['--vault-id', 'prod'], env).stdout;
  assert.is.not(after, before, 'a new data key gives a new Ansible password');
  writeSecret(join(keys, 'old.pw'), before);
  const old = spawnSync('ansible-vault', ['view', '--vault-password-file', join(keys, 'old.pw'), 'deploy/vars/prod.yml'], { cwd: dir, env: cleanEnv({ HOME: dir }), encoding: 'utf8' });
  assert.is.not(old.status, 0, 'the old password no longer opens the file');
  const run = playbook(dir, ['--vault-id', `prod@${CLIENT}`], env);
  assert.is(run.code, 0, run.out);
  assert.match(run.out, /"msg": "demo uses edited-secret"/);
});

test('git filter mode: after vault unlock the playbook reads the plaintext work tree, no vault password', async () => {
  const dir = tempRepo();
  const keys = tempDir('vaultfile-keys-');
  await vault(keys, ['keygen', 'k.key']);
  await vault(dir, ['init', '--key-file', join(keys, 'k.key')]);
  put(dir, 'deploy.yml', PLAYBOOK);
  put(dir, 'deploy/vars/common.yml', 'project: demo\n');
  put(dir, 'deploy/vars/prod.yml', 'db_password: filter-secret\n');
  put(dir, 'deploy/files/.env.prod', 'API_KEY=filter-key\n');
  put(dir, '.vaultfile/policy.yml', 'version: 1\nrules:\n  - path: deploy/vars/*.yml\n    exclude: [deploy/vars/common.yml]\n  - path: deploy/files/.env.*\n');
  await vault(dir, ['git', 'setup']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'deploy']);
  const clone = tempDir('vaultfile-clone-');
  git(clone, ['clone', '-q', dir, '.']);
  const locked = playbook(clone, []);
  assert.is.not(locked.code, 0, 'a locked clone holds ciphertext');
  await vault(clone, ['unlock', join(keys, 'k.key')]);
  const run = playbook(clone, []);
  assert.is(run.code, 0, run.out);
  assert.match(run.out, /"msg": "demo uses filter-secret"/);
  assert.is(readFileSync(join(clone, 'env.out'), 'utf8'), 'API_KEY=filter-key\n');
});

test.run();
