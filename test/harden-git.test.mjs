// End-to-end attacks through the git integration (docs/SECURITY.md §3-4), each replayed in
// temporary repositories: a policy edited to move a file to a weaker keyring, plaintext appended
// to an envelope in a clone without the key, committed symlinks and FIFOs where vaultfile reads or
// writes its own files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { git, runVault, tempDir } from './helpers.mjs';
import { MAGIC, blob, gitResult, put, vault, vaultRepo } from './git-support.mjs';

const PROD = 'deploy/vars/prod.yml';

test('item 3: a policy edit never moves a prod file to dev silently; rekey --to-keyring does it explicitly', async () => {
  const rules = [{ path: PROD, keyring: 'prod' }, { path: 'deploy/vars/*.yml', keyring: 'dev' }];
  const alice = await vaultRepo({ keyrings: ['prod', 'dev'], rules });
  put(alice.dir, PROD, 'db: prod-secret\n');
  git(alice.dir, ['add', '-A']);
  git(alice.dir, ['commit', '-q', '-m', 'prod secret']);
  // Mallory (dev only) drops the prod rule and pushes.
  const mallory = join(tempDir(), 'mallory');
  git(alice.dir, ['clone', '-q', alice.dir, mallory]);
  await vault(mallory, ['unlock', '--keyring', 'dev', alice.keys.dev]);
  writeFileSync(join(mallory, '.vaultfile/policy.yml'), 'version: 1\nrules:\n  - path: "deploy/vars/*.yml"\n    keyring: dev\n');
  git(mallory, ['add', '.vaultfile/policy.yml']);
  git(mallory, ['commit', '-q', '-m', 'tidy the policy']);
  git(alice.dir, ['pull', '-q', '--no-rebase', mallory, 'HEAD']);

  put(alice.dir, PROD, 'db: NEW-prod-secret\n');
  const add = gitResult(alice.dir, ['add', PROD]);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /"deploy\/vars\/prod\.yml" is encrypted for keyring "prod" but the policy now says "dev": vaultfile never moves a file to another keyring silently; if intended run "vault rekey --to-keyring dev deploy\/vars\/prod\.yml", else restore \.vaultfile\/policy\.yml/);
  assert.ok(blob(alice.dir, `:${PROD}`).startsWith(`${MAGIC}`));
  assert.is(gitResult(alice.dir, ['diff', '--cached', '--name-only']).stdout, '');
  const encrypt = await runVault(['encrypt', PROD], { cwd: alice.dir });
  assert.is(encrypt.code, 4, encrypt.stderr);
  assert.match(encrypt.stderr, /never moves a file to another keyring silently/);
  assert.is(readFileSync(join(alice.dir, PROD), 'utf8'), 'db: NEW-prod-secret\n');

  // Asked explicitly, the move happens, and only then.
  const moved = await vault(alice.dir, ['rekey', '--to-keyring', 'dev', PROD]);
  assert.match(moved.stderr, /moved 1 file to keyring "dev"/);
  git(alice.dir, ['add', PROD]);
  git(alice.dir, ['commit', '-q', '-m', 'move to dev']);
  assert.match((await vault(alice.dir, ['status'])).stdout, /deploy\/vars\/prod\.yml +dev +[0-9a-f]{16} +encrypted/);
  // rekey --to-keyring refuses a keyring the policy does not name.
  const wrong = await runVault(['rekey', '--to-keyring', 'prod', PROD], { cwd: alice.dir });
  assert.is(wrong.code, 2, wrong.stderr);
  assert.match(wrong.stderr, /the policy sends it to keyring "dev"; change its rule/);
});

test('item 4: plaintext appended to an envelope in a locked clone is neither added nor passed by check --staged', async () => {
  const origin = await vaultRepo();
  // Larger than the header's first armour lines, so only a whole-file check sees the tail.
  put(origin.dir, '.env.production', `DB=${'x'.repeat(3000)}\n`);
  git(origin.dir, ['add', '-A']);
  git(origin.dir, ['commit', '-q', '-m', 'env']);
  const clone = join(tempDir(), 'locked');
  git(origin.dir, ['clone', '-q', origin.dir, clone]);
  await vault(clone, ['git', 'setup']);
  const envelope = readFileSync(join(clone, '.env.production'), 'utf8');
  assert.ok(envelope.startsWith(MAGIC));
  writeFileSync(join(clone, '.env.production'), `${envelope}STRIPE_KEY=sk_live_123\n`);
  const add = gitResult(clone, ['add', '.env.production']);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /"\.env\.production": not an intact envelope \(was text added to it\?\), so it is not passed through; undo the edit with "git checkout -- \.env\.production", or run "vault unlock"/, add.stderr);
  // An untouched envelope still goes through (a locked clone keeps working).
  writeFileSync(join(clone, '.env.production'), envelope);
  assert.is(gitResult(clone, ['add', '.env.production']).code, 0);
  // Staged behind the filter's back: check --staged refuses it.
  const sha = spawnSync('git', ['hash-object', '-w', '--no-filters', '--stdin'], { cwd: clone, input: `${envelope}STRIPE_KEY=sk_live_123\n`, encoding: 'utf8' }).stdout.trim();
  git(clone, ['update-index', '--cacheinfo', `100644,${sha},.env.production`]);
  const check = await runVault(['check', '--staged'], { cwd: clone });
  assert.is(check.code, 1, check.stderr);
  assert.match(check.stderr, /vault: "\.env\.production" is staged as a damaged envelope \(.*\): was text added to it\?/, check.stderr);
});

test('item 13: check --staged refuses a staged key file and a copy of the stored data keys', async () => {
  const repo = await vaultRepo();
  await vault(repo.dir, ['keygen', 'ci.key']);
  put(repo.dir, 'backup/keys.txt', readFileSync(join(repo.dir, '.git/vaultfile/keys/default.key')));
  git(repo.dir, ['add', '-A']);
  const check = await runVault(['check', '--staged'], { cwd: repo.dir });
  assert.is(check.code, 1, check.stderr);
  assert.match(check.stderr, /vault: "ci\.key" is staged and is a vaultfile key file \(secret\); unstage it with "git rm --cached"/);
  assert.match(check.stderr, /vault: "backup\/keys\.txt" is staged and holds data keys copied from \.git\/vaultfile\/ \(secret\)/);
  const commit = gitResult(repo.dir, ['commit', '-q', '-m', 'oops']);
  assert.is.not(commit.code, 0, 'the pre-commit hook refuses the commit');
});

test('item 5: vault git setup never writes through a committed .gitattributes symlink', async () => {
  const repo = await vaultRepo();
  const home = tempDir();
  const bashrc = join(home, '.bashrc');
  writeFileSync(bashrc, 'alias ll="ls -l"\n');
  unlinkSync(join(repo.dir, '.gitattributes'));
  symlinkSync(bashrc, join(repo.dir, '.gitattributes'));
  const setup = await runVault(['git', 'setup'], { cwd: repo.dir });
  assert.is(setup.code, 6, setup.stderr);
  assert.match(setup.stderr, /\.gitattributes" \(the git attributes file\) is a symbolic link; vaultfile never follows links for it: replace it with a regular file/);
  assert.is(readFileSync(bashrc, 'utf8'), 'alias ll="ls -l"\n');
  // A dangling link: the target is not created.
  unlinkSync(join(repo.dir, '.gitattributes'));
  symlinkSync(join(home, 'created-by-vault'), join(repo.dir, '.gitattributes'));
  assert.is((await runVault(['git', 'setup'], { cwd: repo.dir })).code, 6);
  assert.not.ok(existsSync(join(home, 'created-by-vault')));
  // A policy path that would smuggle a line into .gitattributes is refused.
  unlinkSync(join(repo.dir, '.gitattributes'));
  put(repo.dir, '.vaultfile/policy.yml', 'version: 1\nrules:\n  - path: "x/\\u0007a"\n    keyring: default\n');
  const bad = await runVault(['git', 'setup'], { cwd: repo.dir });
  assert.is(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /contains a control character/);
});

test('item 6: a keyring that is a link to /dev/zero or a FIFO is refused at once', async () => {
  const repo = await vaultRepo();
  const keyring = join(repo.dir, '.vaultfile/keyrings/default.keyring');
  unlinkSync(keyring);
  symlinkSync('/dev/zero', keyring);
  put(repo.dir, 'deploy/vars/a.yml', 'a: 1\n');
  const add = gitResult(repo.dir, ['add', 'deploy/vars/a.yml']);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /default\.keyring" \(a keyring\) is a symbolic link; vaultfile never follows links for it/);
  const encrypt = await runVault(['encrypt', 'deploy/vars/a.yml'], { cwd: repo.dir });
  assert.is(encrypt.code, 6, encrypt.stderr);
  unlinkSync(keyring);
  assert.is(spawnSync('mkfifo', [keyring]).status, 0);
  const started = Date.now();
  const fifo = await runVault(['encrypt', 'deploy/vars/a.yml', '--key-file', repo.keys.default], { cwd: repo.dir });
  assert.is(fifo.code, 6, fifo.stderr);
  assert.match(fifo.stderr, /\(a keyring\) is not a regular file/);
  assert.ok(Date.now() - started < 10000, 'no blocking on the FIFO');
  assert.is(readFileSync(join(repo.dir, 'deploy/vars/a.yml'), 'utf8'), 'a: 1\n');
});

test.run();
