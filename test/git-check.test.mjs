// End-to-end: `vault check [--staged]`, the pre-commit hook, `vault status` and
// `vault git setup --check` against real repositories where plaintext slipped past the filter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, runVault, ROOT } from './helpers.mjs';
import { gitResult, put, vault, vaultRepo } from './git-support.mjs';

const PROD = 'deploy/vars/prod.yml';

/** Stage CONTENT at PATH bypassing every filter (what a clone without the filter config does). */
function stageRaw(/** @type {string} */ dir, /** @type {string} */ path, /** @type {string} */ content) {
  const sha = git(dir, ['hash-object', '-w', '--no-filters', '--stdin'], { input: content }).trim();
  git(dir, ['update-index', '--add', '--cacheinfo', `100644,${sha},${path}`]);
}

test('check --staged passes on envelopes and fails on staged plaintext; the hook blocks the commit', async () => {
  const { dir } = await vaultRepo();
  put(dir, PROD, 'ok: 1\n');
  git(dir, ['add', '-A']);
  assert.match((await vault(dir, ['check', '--staged'])).stdout, /^1 file under the policy, all encrypted in the index\n$/);
  assert.is((await vault(dir, ['check', '--staged', '--quiet'])).stdout, '');
  git(dir, ['commit', '-q', '-m', 'ok']);

  stageRaw(dir, 'deploy/vars/leak.yml', 'password: leaked\n');
  const check = await runVault(['check', '--staged'], { cwd: dir });
  assert.is(check.code, 1);
  assert.match(check.stderr, /^vault: "deploy\/vars\/leak\.yml" is staged as plaintext$/m);
  assert.match(check.stderr, /vault: 1 file must be encrypted; run "vault git setup" and "vault unlock", then "git add" them again/);
  const commit = gitResult(dir, ['commit', '-q', '-m', 'leak']);
  assert.is.not(commit.code, 0, 'the pre-commit hook refuses');
  assert.match(commit.stderr, /"deploy\/vars\/leak\.yml" is staged as plaintext/);
  assert.is(git(dir, ['log', '--format=%s', '-1']), 'ok\n');
});

test('check reports a file sealed for another keyring than the policy names', async () => {
  const rules = [{ path: 'deploy/vars/*.yml', keyring: 'dev' }];
  const { dir } = await vaultRepo({ keyrings: ['dev', 'prod'], rules });
  put(dir, PROD, 'p: 1\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'dev-sealed']);
  // The policy moves the file to prod; the index still holds the dev envelope.
  put(dir, '.vaultfile/policy.yml', 'version: 1\nrules:\n  - path: "deploy/vars/prod.yml"\n    keyring: prod\n  - path: "deploy/vars/*.yml"\n    keyring: dev\n');
  const check = await runVault(['check', '--staged'], { cwd: dir });
  assert.is(check.code, 1);
  assert.match(check.stderr, /"deploy\/vars\/prod\.yml" is staged encrypted for keyring "dev" but the policy says "prod"/);
  const status = await vault(dir, ['status', '--staged']);
  assert.match(status.stdout, /deploy\/vars\/prod\.yml +prod +[0-9a-f]{16} +encrypted\(dev\) +plaintext +yes/);
  // Re-adding does not move it silently (docs/SECURITY.md §3); rekey --to-keyring asks explicitly.
  const later = new Date(Date.now() + 5000);
  const { utimesSync } = await import('node:fs');
  utimesSync(join(dir, PROD), later, later);
  const refused = gitResult(dir, ['add', PROD]);
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, /is encrypted for keyring "dev" but the policy now says "prod": vaultfile never moves a file to another keyring silently/);
  await vault(dir, ['rekey', '--to-keyring', 'prod', PROD]);
  git(dir, ['add', PROD]);
  await vault(dir, ['check', '--staged']);
  assert.match((await vault(dir, ['status'])).stdout, /deploy\/vars\/prod\.yml +prod +[0-9a-f]{16} +encrypted +plaintext +yes/);
});

test('check without --staged: untracked plaintext the filter will not encrypt is reported', async () => {
  const { dir } = await vaultRepo();
  put(dir, '.vaultfile/policy.yml', 'version: 1\nrules:\n  - path: "deploy/vars/*.yml"\n    keyring: default\n  - path: "secrets/*"\n    keyring: default\n');
  put(dir, 'secrets/token', 'TOKEN=1\n');
  put(dir, 'deploy/vars/new.yml', 'n: 1\n');
  const check = await runVault(['check'], { cwd: dir });
  assert.is(check.code, 1);
  assert.match(check.stderr, /"secrets\/token" is in the work tree as plaintext/);
  assert.not.match(check.stderr, /new\.yml/, 'the filter will encrypt it on add');
  const setupCheck = await runVault(['git', 'setup', '--check'], { cwd: dir });
  assert.is(setupCheck.code, 2);
  assert.match(setupCheck.stderr, /"\.gitattributes" does not match \.vaultfile\/policy\.yml; run "vault git setup"/);
  await vault(dir, ['git', 'setup']);
  assert.match(readFileSync(join(dir, '.gitattributes'), 'utf8'), /^secrets\/\* filter=vault diff=vault merge=vault -text$/m);
  await vault(dir, ['check']);
  const status = await vault(dir, ['status']);
  assert.match(status.stdout, /^PATH +KEYRING +KEY ID +INDEX +TREE +KEY +FORMAT$/m);
  assert.match(status.stdout, /^secrets\/token +default +- +- +plaintext +yes +vaultfile$/m);
});

test('status --all also lists encrypted files no rule covers, with the keyring their envelope names', async () => {
  const { tempDir, writeSecret } = await import('./helpers.mjs');
  const { dir } = await vaultRepo();
  // Sealed outside any repository (an inline keyring), then copied in.
  const outside = tempDir();
  writeSecret(join(outside, 'pw'), 'status all password\n');
  writeFileSync(join(outside, 'other.txt'), 'standalone secret\n');
  const encrypted = await runVault(['encrypt', 'other.txt', '--password-file', 'pw'], { cwd: outside });
  assert.is(encrypted.code, 0, encrypted.stderr);
  put(dir, 'notes/other.txt', readFileSync(join(outside, 'other.txt'), 'utf8'));
  put(dir, 'notes/plain.txt', 'not a secret\n');
  assert.not.match((await vault(dir, ['status'])).stdout, /notes\//);
  const all = (await vault(dir, ['status', '--all'])).stdout;
  assert.match(all, /^notes\/other\.txt +\(inline\) +[0-9a-f]{16} +- +encrypted +no +-$/m);
  assert.not.match(all, /plain\.txt/, 'plaintext outside the policy is not listed');
});

test('setup keeps a foreign pre-commit hook and other .gitattributes lines', async () => {
  const { dir } = await vaultRepo();
  writeFileSync(join(dir, '.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const attributes = join(dir, '.gitattributes');
  writeFileSync(attributes, `*.png binary\n${readFileSync(attributes, 'utf8')}*.sh text eol=lf\n`);
  const setup = await vault(dir, ['git', 'setup']);
  assert.match(setup.stdout, /another pre-commit hook exists; add "vault check --staged" to it/);
  assert.is(readFileSync(join(dir, '.git/hooks/pre-commit'), 'utf8'), '#!/bin/sh\nexit 0\n');
  const text = readFileSync(attributes, 'utf8');
  assert.ok(text.startsWith('*.png binary\n# >>> vaultfile'));
  assert.ok(text.endsWith('# <<< vaultfile\n*.sh text eol=lf\n'));
});

test('commands outside a vaultfile repository say what to do', async () => {
  const { tempRepo, tempDir } = await import('./helpers.mjs');
  const plain = tempRepo();
  const status = await runVault(['status'], { cwd: plain });
  assert.is(status.code, 2);
  assert.match(status.stderr, /no \.vaultfile\/ directory found above .*; run "vault init" first/);
  const notGit = await runVault(['check', '--staged'], { cwd: tempDir() });
  assert.is(notGit.code, 2);
  assert.match(notGit.stderr, /is not inside a git work tree; run "git init" or change directory/);
  const filter = await runVault(['git', 'clean', '--', 'x'], { cwd: plain, input: 'x' });
  assert.is(filter.code, 3);
  assert.match(filter.stderr, /no \.vaultfile\/ directory above .*; run "vault init" or remove filter=vault from \.gitattributes/);
});

test('.pre-commit-hooks.yaml and .gitattributes.example match what setup writes', async () => {
  const hooks = readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8');
  assert.match(hooks, /- id: vault-check/);
  assert.match(hooks, /entry: vault check --staged/);
  const { dir } = await vaultRepo({ cli: true });
  const example = readFileSync(join(ROOT, '.gitattributes.example'), 'utf8');
  const written = readFileSync(join(dir, '.gitattributes'), 'utf8');
  assert.ok(example.endsWith(written), '.gitattributes.example ends with the block setup writes for the default policy');
});

test.run();
