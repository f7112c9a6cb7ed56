// Items 8, 9 and 16 (docs/SECURITY.md §4): messages that would lead a user to a wrong step. A
// git-crypt file is named as such (not "encrypt it first"), a file the git filter decrypted says
// so, a moved installation is reported by status and check, stdin cannot carry both a file and
// the password, a bad --max-work-factor is a usage error, and file names with control characters
// are printed escaped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, ROOT, cleanEnv, git, runVault, tempDir } from './helpers.mjs';
import { MAGIC, blob, gitResult, put, vaultRepo } from './git-support.mjs';

test('item 8: a git-crypt file is named as such, and never encrypted again', async () => {
  const dir = tempDir();
  copyFileSync(join(FIXTURES, 'git-crypt/secret.txt.gitcrypt'), join(dir, 'secret.txt'));
  const before = readFileSync(join(dir, 'secret.txt'));
  const view = await runVault(['view', 'secret.txt', '--key-file', 'none.key'], { cwd: dir });
  assert.is(view.code, 3, view.stderr);
  assert.is(view.stderr, 'vault: "secret.txt": is encrypted by git-crypt, not vaultfile; read it with "vault view --git-crypt-key KEY", or convert the repository with "vault migrate --from git-crypt"\n');
  const encrypt = await runVault(['encrypt', 'secret.txt', '--password-file', '/dev/null'], { cwd: dir });
  assert.is.not(encrypt.code, 0);
  assert.equal(readFileSync(join(dir, 'secret.txt')), before);
});

test('item 8: view and decrypt of a file the git filter decrypted say so', async () => {
  const repo = await vaultRepo();
  put(repo.dir, 'deploy/vars/app.yml', 'db: secret\n');
  git(repo.dir, ['add', '-A']);
  git(repo.dir, ['commit', '-q', '-m', 'app']);
  for (const command of ['view', 'decrypt']) {
    const result = await runVault([command, 'deploy/vars/app.yml'], { cwd: repo.dir });
    assert.is(result.code, 2, result.stderr);
    assert.is(result.stderr, 'vault: "deploy/vars/app.yml" is plaintext in the work tree because the git filter (filter=vault) decrypted it on checkout; read it directly, and "git add" encrypts it\n');
  }
});

test('item 9: status and check report a filter command that no longer runs', async () => {
  const repo = await vaultRepo();
  git(repo.dir, ['config', 'filter.vault.process', "'/opt/old-node/bin/node' '/opt/old/vaultfile/dist/git-filter.js' filter-process"]);
  const status = await runVault(['status'], { cwd: repo.dir });
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /the vault filter in \.git\/config runs "\/opt\/old-node\/bin\/node", which no longer exists \(Node upgraded or vaultfile moved\), so "git add" would fail; run "vault git setup" to point it at this installation/);
  const check = await runVault(['check', '--staged'], { cwd: repo.dir });
  assert.is(check.code, 1, check.stderr);
  assert.match(check.stderr, /which no longer exists .*run "vault git setup"/);
  assert.is((await runVault(['git', 'setup'], { cwd: repo.dir })).code, 0);
  assert.is((await runVault(['check', '--staged'], { cwd: repo.dir })).code, 0);
});

test('item 9: after the installation moved, git add fails with one line naming "vault git setup"', async () => {
  const repo = await vaultRepo();
  // The built package copied to a prefix whose path needs quoting, set up from there, then deleted.
  const prefix = join(tempDir(), "it's a prefix");
  mkdirSync(prefix);
  cpSync(join(ROOT, 'bundle'), join(prefix, 'bundle'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(prefix, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(prefix, 'node_modules'));
  const setup = spawnSync(process.execPath, [join(prefix, 'bundle/bin/vault.js'), 'git', 'setup'], { cwd: repo.dir, env: cleanEnv(), encoding: 'utf8' });
  assert.is(setup.status, 0, setup.stderr);
  put(repo.dir, 'deploy/vars/a.yml', 'a: 1\n');
  git(repo.dir, ['add', 'deploy/vars/a.yml']);
  assert.ok(blob(repo.dir, ':deploy/vars/a.yml').startsWith(MAGIC), 'the filter runs from the quoted prefix');
  git(repo.dir, ['commit', '-q', '-m', 'a']);
  rmSync(prefix, { recursive: true });
  const status = await runVault(['status'], { cwd: repo.dir });
  assert.match(status.stdout, /runs ".*it's a prefix\/bundle\/bin\/git-filter\.js", which no longer exists .*run "vault git setup"/);
  const line = `vault: the git filter's program "${prefix}/bundle/bin/git-filter.js" is gone (moved or upgraded installation); run "vault git setup" again\n`;
  put(repo.dir, 'deploy/vars/b.yml', 'b: secret\n');
  // The long-running filter, then the single-shot clean git uses without one (its %f is expanded).
  for (const unset of [false, true]) {
    if (unset) git(repo.dir, ['config', '--unset', 'filter.vault.process']);
    const add = gitResult(repo.dir, ['add', 'deploy/vars/b.yml']);
    assert.is.not(add.code, 0);
    assert.ok(add.stderr.startsWith(line), add.stderr);
    assert.not.match(add.stderr, /not found|Error:|    at /);
    assert.is(git(repo.dir, ['diff', '--cached', '--name-only']), '', 'nothing was staged');
    assert.is(git(repo.dir, ['ls-files', 'deploy/vars/b.yml']), '');
  }
  // The pre-commit hook names the same fix (run as git runs it: any commit would first meet the
  // filters above, which fail the same way).
  const commit = spawnSync(join(repo.dir, '.git', 'hooks', 'pre-commit'), [], { cwd: repo.dir, env: cleanEnv(), encoding: 'utf8' });
  assert.is(commit.status, 6, commit.stderr);
  assert.ok(commit.stderr.startsWith(`vault: the git filter's program "${prefix}/bundle/bin/vault.js" is gone (moved or upgraded installation); run "vault git setup" again\n`), commit.stderr);
  assert.not.match(commit.stderr, /not found|Error:|    at /);
  assert.is((await runVault(['git', 'setup'], { cwd: repo.dir })).code, 0);
  git(repo.dir, ['add', 'deploy/vars/b.yml']);
  assert.ok(blob(repo.dir, ':deploy/vars/b.yml').startsWith(MAGIC));
});

test('item 16: stdin cannot carry file and password; bad --max-work-factor is usage; names escaped', async () => {
  const both = await runVault(['view', '-', '--password-stdin'], { input: 'x' });
  assert.is(both.code, 2, both.stderr);
  assert.is(both.stderr, 'vault: standard input cannot carry both the file ("-") and the password (--password-stdin); use --password-file or a file argument\n');
  const factor = await runVault(['view', 'x', '--max-work-factor', '5']);
  assert.is(factor.code, 2, factor.stderr);
  assert.match(factor.stderr, /--max-work-factor 5: give a whole number from 10 to 30/);
  const repo = await vaultRepo();
  put(repo.dir, 'deploy/vars/a\u001b[31mred.yml', 'x: 1\n');
  const status = await runVault(['status'], { cwd: repo.dir });
  assert.is(status.code, 0, status.stderr);
  assert.not.match(status.stdout, /\u001b/);
  assert.match(status.stdout, /"deploy\/vars\/a\\u001b\[31mred\.yml"/);
});

test.run();
