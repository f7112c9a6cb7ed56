// The policy fits real layouts: rules with `exclude:` and `format:`, `vault init` proposing the
// exclusions it finds, the generated .gitattributes, and status/check/the git filter on the
// CloudReactor-style quickstart (plaintext examples beside secrets, Ansible-format vars files).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, runVault, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { ansibleQuickstartPolicy, gitResult, put, vault, vaultRepo } from './git-support.mjs';
import { matchRule, parsePolicy, serializePolicy } from '../dist/repo/repo.js';
import { attributesBlock } from '../dist/git/attributes.js';
import { looksPlaintext } from '../dist/repo/policy-proposal.js';

const QUICKSTART_POLICY = `version: 1
rules:
  - path: deploy/vars/*.yml
    exclude: [deploy/vars/common.yml, deploy/vars/example.yml]
    keyring: default
  - path: deploy/files/.env.*
    exclude: [deploy/files/.env.example]
`;

test('parsePolicy reads exclude and format, and refuses what it cannot use', () => {
  const policy = parsePolicy(QUICKSTART_POLICY, 'policy.yml');
  assert.equal(policy.rules[0], { path: 'deploy/vars/*.yml', keyring: 'default', exclude: ['deploy/vars/common.yml', 'deploy/vars/example.yml'] });
  assert.equal(parsePolicy('rules:\n  - path: a/*\n    exclude: a/x\n    format: ansible\n', 'p').rules[0], {
    path: 'a/*', keyring: 'default', exclude: ['a/x'], format: 'ansible',
  });
  assert.equal(parsePolicy('rules:\n  - path: a/*\n    format: vaultfile\n    exclude: []\n', 'p').rules[0], { path: 'a/*', keyring: 'default' });
  assert.throws(() => parsePolicy('rules:\n  - path: a\n    format: sops\n', 'p.yml'), /"p\.yml": rule 1: format "sops" is not known; use "vaultfile" or "ansible"/);
  assert.throws(() => parsePolicy('rules:\n  - path: a\n    exclude: [1]\n', 'p.yml'), /rule 1: "exclude" must be a list of path globs/);
  assert.throws(() => parsePolicy('rules:\n  - path: a\n    exclude: {x: 1}\n', 'p.yml'), /"exclude" must be a list/);
  // Written back, the fields survive.
  assert.equal(parsePolicy(serializePolicy(policy), 'again').rules, policy.rules);
});

test('matchRule: an excluded path falls through to the next rule', () => {
  const policy = parsePolicy(
    'rules:\n  - path: deploy/vars/*.yml\n    exclude: [deploy/vars/common.yml, "deploy/vars/example*.yml"]\n    keyring: prod\n    format: ansible\n  - path: "deploy/**"\n    exclude: [deploy/vars/example.yml]\n    keyring: dev\n',
    'p',
  );
  assert.is(matchRule(policy, 'deploy/vars/prod.yml')?.keyring, 'prod');
  assert.is(matchRule(policy, 'deploy/vars/prod.yml')?.format, 'ansible');
  assert.is(matchRule(policy, 'deploy/vars/common.yml')?.keyring, 'dev');
  assert.is(matchRule(policy, 'deploy/vars/example.yml'), null);
  assert.is(matchRule(policy, 'deploy/vars/example-2.yml')?.keyring, 'dev');
  assert.is(matchRule(policy, 'other/x.yml'), null);
});

test('attributesBlock: exclusions and Ansible-format rules are left out of the filter', () => {
  const block = attributesBlock(parsePolicy(QUICKSTART_POLICY, 'p'));
  const lines = block.split('\n');
  assert.ok(lines.includes('deploy/vars/*.yml filter=vault diff=vault merge=vault -text'));
  assert.ok(lines.includes('deploy/vars/common.yml !filter !diff !merge'));
  assert.ok(lines.includes('deploy/files/.env.example !filter !diff !merge'));
  assert.ok(lines.indexOf('deploy/vars/common.yml !filter !diff !merge') > lines.indexOf('deploy/vars/*.yml filter=vault diff=vault merge=vault -text'));
  // A literal exclusion that a later rule still covers is not unset; an Ansible rule is unset.
  const mixed = attributesBlock(
    parsePolicy('rules:\n  - path: a/*.yml\n    exclude: [a/c.yml]\n    format: ansible\n  - path: "a/**"\n', 'p'),
  ).split('\n');
  assert.ok(mixed.includes('a/** filter=vault diff=vault merge=vault -text'));
  assert.ok(mixed.includes('a/*.yml !filter !diff !merge'));
  assert.not.ok(mixed.includes('a/c.yml !filter !diff !merge'));
  assert.not.ok(mixed.includes('a/*.yml filter=vault diff=vault merge=vault -text'));
});

test('looksPlaintext names templates and shared defaults, not secrets', () => {
  for (const name of ['.env.example', '.env.sample', '.env.template', 'common.yml', 'example.yml', 'defaults.yml', '.env.dist']) {
    assert.ok(looksPlaintext(name), name);
  }
  for (const name of ['prod.yml', '.env.prod', '.env.staging', 'exampleco.yml']) assert.not.ok(looksPlaintext(name), name);
});

/** The CloudReactor ECS quickstart's files: secrets beside plaintext examples. */
function quickstartFiles(/** @type {string} */ dir) {
  put(dir, 'deploy/vars/common.yml', 'project_name: demo\n');
  put(dir, 'deploy/vars/example.yml', 'db_password: CHANGE_ME\n');
  put(dir, 'deploy/vars/prod.yml', 'db_password: s3cret-prod\n');
  put(dir, 'deploy/files/.env.example', 'API_KEY=\n');
  put(dir, 'deploy/files/.env.prod', 'API_KEY=prod-key\n');
  put(dir, 'README.md', 'demo\n');
}

test('init proposes the exclusions it finds; the quickstart commits with the pre-commit check', async () => {
  const dir = tempRepo();
  const keys = tempDir('vaultfile-keys-');
  quickstartFiles(dir);
  await vault(keys, ['keygen', 'k.key']);
  const init = await vault(dir, ['init', '--key-file', join(keys, 'k.key')]);
  assert.is(init.stdout, '');
  assert.match(init.stderr, /wrote \.vaultfile\/policy\.yml/);
  assert.match(init.stderr, /exclude:\n +- deploy\/vars\/common\.yml\n +- deploy\/vars\/example\.yml\n/);
  assert.match(init.stderr, / +- deploy\/files\/\.env\.example\n/);
  assert.match(init.stderr, /then run "vault git setup"/);
  const policy = parsePolicy(readFileSync(join(dir, '.vaultfile/policy.yml'), 'utf8'), 'p');
  assert.equal(policy.rules[0].exclude, ['deploy/vars/common.yml', 'deploy/vars/example.yml']);
  assert.equal(policy.rules[1].exclude, ['deploy/files/.env.example']);

  await vault(dir, ['git', 'setup']);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'quickstart']); // the pre-commit hook runs "vault check --staged"
  for (const plain of ['deploy/vars/common.yml', 'deploy/vars/example.yml', 'deploy/files/.env.example']) {
    assert.is(git(dir, ['cat-file', '-p', `HEAD:${plain}`]), readFileSync(join(dir, plain), 'utf8'), `${plain} stays plaintext`);
  }
  for (const secret of ['deploy/vars/prod.yml', 'deploy/files/.env.prod']) {
    assert.match(git(dir, ['cat-file', '-p', `HEAD:${secret}`]), /^\$VAULTFILE;1;AES256/, `${secret} is sealed`);
  }
  assert.match((await vault(dir, ['check'])).stdout, /^2 files under the policy, all encrypted\n$/);
  const status = (await vault(dir, ['status'])).stdout;
  assert.match(status, /^PATH +KEYRING +KEY ID +INDEX +TREE +KEY +FORMAT\n/);
  assert.match(status, /deploy\/vars\/prod\.yml +default +[0-9a-f]{16} +encrypted +plaintext +yes +vaultfile/);
  assert.not.match(status, /common\.yml|example/);
});

const ANSIBLE_POLICY = ansibleQuickstartPolicy('default');

test('format: ansible: the filter leaves Ansible files alone, status shows the format, check wants Ansible Vault', async () => {
  const { dir, keyDir } = await vaultRepo();
  put(dir, '.vaultfile/policy.yml', ANSIBLE_POLICY);
  await vault(dir, ['git', 'setup']);
  assert.match(readFileSync(join(dir, '.gitattributes'), 'utf8'), /^deploy\/vars\/\*\.yml !filter !diff !merge$/m);
  const pw = writeSecret(join(keyDir, 'ansible.pw'), 'ansible-pass\n');
  put(dir, 'deploy/vars/prod.yml', 'db_password: p\n');
  await vault(dir, ['encrypt', '--format', 'ansible', '--vault-id', `prod@${pw}`, 'deploy/vars/prod.yml']);
  const sealed = readFileSync(join(dir, 'deploy/vars/prod.yml'), 'utf8');
  assert.match(sealed, /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
  put(dir, 'deploy/vars/common.yml', 'x: 1\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'ansible vars']);
  assert.is(git(dir, ['cat-file', '-p', 'HEAD:deploy/vars/prod.yml']), sealed, 'committed byte for byte, not wrapped');
  const status = (await vault(dir, ['status'])).stdout;
  assert.match(status, /deploy\/vars\/prod\.yml +default +- +ansible +ansible +yes +ansible\n/);
  await vault(dir, ['check', '--staged']);

  // A vaultfile envelope where Ansible reads the file: Ansible would get ciphertext.
  put(dir, 'deploy/vars/staging.yml', 'db_password: s\n');
  await vault(dir, ['encrypt', 'deploy/vars/staging.yml', '--keyring', 'default']);
  git(dir, ['add', 'deploy/vars/staging.yml']);
  const check = await runVault(['check', '--staged'], { cwd: dir });
  assert.is(check.code, 1);
  assert.match(check.stderr, /"deploy\/vars\/staging\.yml" is staged as a vaultfile envelope but the policy says Ansible reads it \(format: ansible\); run "vault migrate --to ansible deploy\/vars\/staging\.yml"/);
  git(dir, ['rm', '-q', '--cached', 'deploy/vars/staging.yml']);

  // Plaintext at an Ansible path: nothing will encrypt it on add, so check refuses it.
  put(dir, 'deploy/vars/dev.yml', 'db_password: d\n');
  const tree = await runVault(['check'], { cwd: dir });
  assert.is(tree.code, 1);
  assert.match(tree.stderr, /"deploy\/vars\/dev\.yml" is in the work tree as plaintext/);
});

test('the git filter refuses to wrap an Ansible Vault file in an envelope', async () => {
  const { dir, keyDir } = await vaultRepo();
  const pw = writeSecret(join(keyDir, 'ansible.pw'), 'ansible-pass\n');
  put(dir, 'deploy/vars/prod.yml', 'db_password: p\n');
  await vault(dir, ['encrypt', '--format', 'ansible', '--vault-password-file', pw, 'deploy/vars/prod.yml']);
  const add = gitResult(dir, ['add', 'deploy/vars/prod.yml']);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /"deploy\/vars\/prod\.yml" is an Ansible Vault file but the policy keeps it as vaultfile; run "vault migrate deploy\/vars\/prod\.yml" or give its rule "format: ansible"/);
  assert.is(git(dir, ['ls-files', 'deploy/vars']), '');
  // Attributes older than the policy: the filter still refuses an Ansible-format path.
  put(dir, '.vaultfile/policy.yml', ANSIBLE_POLICY);
  put(dir, 'deploy/vars/dev.yml', 'plain: 1\n');
  const stale = gitResult(dir, ['add', 'deploy/vars/dev.yml']);
  assert.is.not(stale.code, 0);
  assert.match(stale.stderr, /"deploy\/vars\/dev\.yml" has filter=vault but the policy keeps it in Ansible format; run "vault git setup"/);
  // status --all lists the Ansible file outside any vaultfile rule with its format.
  put(dir, '.vaultfile/policy.yml', 'version: 1\nrules: []\n');
  writeFileSync(join(dir, 'other.yml'), readFileSync(join(dir, 'deploy/vars/prod.yml')));
  assert.match((await vault(dir, ['status', '--all'])).stdout, /other\.yml +- +- +- +ansible +no +-/);
});

test.run();
