// End-to-end: the vault filter in real git repositories (GIT_CONFIG_GLOBAL=/dev/null): the object
// store holds envelopes while the work tree holds plaintext, and git status stays clean through
// touch, checkout, stash, rebase, mv, worktrees, empty and large files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, git, runVault, tempDir } from './helpers.mjs';
import { MAGIC, blob, gitResult, porcelain, put, vault, vaultRepo } from './git-support.mjs';

const PROD = 'deploy/vars/prod.yml';

test('git setup writes the drivers, the attributes block and the hook, and says so', async () => {
  const { dir, setup } = await vaultRepo({ cli: true });
  for (const key of ['filter.vault.process', 'filter.vault.clean', 'filter.vault.smudge', 'filter.vault.required', 'diff.vault.textconv', 'merge.vault.driver']) {
    assert.match(setup.stdout, `  ${key} = `);
  }
  assert.match(git(dir, ['config', 'filter.vault.process']), /node.* .*(dist|bundle)\/bin\/git-filter\.js filter-process\n$/);
  assert.is(git(dir, ['config', 'filter.vault.required']), 'true\n');
  assert.match(git(dir, ['config', 'merge.vault.driver']), /git-filter\.js merge %O %A %B %L %P\n$/);
  assert.match(setup.stdout, /wrote \.gitattributes \(block generated from \.vaultfile\/policy\.yml\); commit it/);
  assert.match(setup.stdout, /installed pre-commit hook \.git\/hooks\/pre-commit/);
  const attributes = readFileSync(join(dir, '.gitattributes'), 'utf8');
  assert.match(attributes, /^deploy\/vars\/\*\.yml filter=vault diff=vault merge=vault -text$/m);
  assert.match(attributes, /^\*\*\/\.env\.\* filter=vault diff=vault merge=vault -text$/m);
  assert.match(attributes, /^\.gitattributes !filter !diff !merge$/m);
  assert.is(statSync(join(dir, '.git/hooks/pre-commit')).mode & 0o111, 0o111);
  // Running it again changes nothing and says so.
  const again = await vault(dir, ['git', 'setup']);
  assert.match(again.stdout, /\.gitattributes already matches/);
  assert.match(again.stdout, /pre-commit hook .*: already installed/);
  assert.match((await vault(dir, ['git', 'setup', '--check'])).stdout, /matches \.vaultfile\/policy\.yml/);
  assert.is(porcelain(dir), '');
});

test('commit stores envelopes, the work tree keeps plaintext, status stays clean after touch', async () => {
  const { dir } = await vaultRepo();
  put(dir, PROD, 'db_password: s3cret\n');
  put(dir, 'app/.env.prod', 'TOKEN=abc\n');
  put(dir, 'README', 'not secret\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'vars']);
  assert.ok(blob(dir, `HEAD:${PROD}`).startsWith(`${MAGIC}\n`));
  assert.ok(blob(dir, 'HEAD:app/.env.prod').startsWith(`${MAGIC}\n`));
  assert.not.match(blob(dir, `HEAD:${PROD}`), /s3cret/);
  assert.is(blob(dir, 'HEAD:README'), 'not secret\n');
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'db_password: s3cret\n');
  assert.is(porcelain(dir), '');
  const later = new Date(Date.now() + 5000);
  utimesSync(join(dir, PROD), later, later);
  utimesSync(join(dir, 'app/.env.prod'), later, later);
  assert.is(porcelain(dir), '', 'touched but unchanged files are not modified');
  assert.is(git(dir, ['diff', '--stat']), '');
});

test('checkout of another branch and back, stash and pop, rebase: status stays clean', async () => {
  const { dir } = await vaultRepo();
  put(dir, PROD, 'a: 1\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'one']);
  git(dir, ['checkout', '-q', '-b', 'feature']);
  put(dir, PROD, 'a: 2\n');
  git(dir, ['commit', '-q', '-am', 'two']);
  git(dir, ['checkout', '-q', 'main']);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'a: 1\n');
  assert.is(porcelain(dir), '');
  git(dir, ['checkout', '-q', 'feature']);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'a: 2\n');
  assert.is(porcelain(dir), '');

  put(dir, PROD, 'a: 3\n');
  assert.is(porcelain(dir), ` M ${PROD}\n`);
  git(dir, ['stash', '-q']);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'a: 2\n');
  assert.is(porcelain(dir), '');
  git(dir, ['stash', 'pop', '-q']);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'a: 3\n');
  git(dir, ['checkout', '-q', '--', PROD]);
  assert.is(porcelain(dir), '');

  git(dir, ['checkout', '-q', 'main']);
  put(dir, 'other.txt', 'x\n');
  git(dir, ['add', 'other.txt']);
  git(dir, ['commit', '-q', '-m', 'other']);
  git(dir, ['checkout', '-q', 'feature']);
  git(dir, ['rebase', '-q', 'main']);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'a: 2\n');
  assert.is(porcelain(dir), '');
  assert.ok(blob(dir, `HEAD:${PROD}`).startsWith(MAGIC));
});

test('git diff, git log -p and git show --textconv show plaintext', async () => {
  const { dir } = await vaultRepo();
  put(dir, PROD, 'password: one\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'one']);
  put(dir, PROD, 'password: two\n');
  const diff = git(dir, ['diff']);
  assert.match(diff, /^-password: one$/m);
  assert.match(diff, /^\+password: two$/m);
  git(dir, ['commit', '-q', '-am', 'two']);
  const log = git(dir, ['log', '-p', '-2']);
  assert.match(log, /^-password: one$/m);
  assert.match(log, /^\+password: two$/m);
  assert.is(git(dir, ['show', '--textconv', `HEAD:${PROD}`]), 'password: two\n');
  const raw = git(dir, ['diff', '--no-textconv', 'HEAD~1', 'HEAD']);
  assert.match(raw, /^ \$VAULTFILE;1;AES256$/m);
  assert.not.match(raw, /password: two/);
});

test('git mv, an empty file and a 5 MB file round-trip through the filter', async () => {
  const { dir } = await vaultRepo();
  const big = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 13)) & 0xff;
  put(dir, 'deploy/vars/big.yml', big);
  put(dir, 'deploy/vars/empty.yml', '');
  put(dir, PROD, 'k: v\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'files']);
  assert.ok(blob(dir, 'HEAD:deploy/vars/empty.yml').startsWith(MAGIC), 'an empty file is encrypted too');
  assert.ok(blob(dir, 'HEAD:deploy/vars/big.yml').startsWith(MAGIC));
  git(dir, ['mv', PROD, 'deploy/vars/renamed.yml']);
  git(dir, ['commit', '-q', '-m', 'mv']);
  assert.is(porcelain(dir), '');
  assert.is(git(dir, ['show', '--textconv', 'HEAD:deploy/vars/renamed.yml']), 'k: v\n');
  // Fresh checkout of everything from the object store.
  git(dir, ['rm', '-q', '--cached', '-r', 'deploy']);
  git(dir, ['reset', '-q', '--hard']);
  assert.ok(readFileSync(join(dir, 'deploy/vars/big.yml')).equals(big));
  assert.is(readFileSync(join(dir, 'deploy/vars/empty.yml'), 'utf8'), '');
  assert.is(readFileSync(join(dir, 'deploy/vars/renamed.yml'), 'utf8'), 'k: v\n');
  assert.is(porcelain(dir), '');
});

test('one filter process serves a whole git command (GIT_TRACE_PACKET)', async () => {
  const { dir } = await vaultRepo();
  for (let i = 0; i < 20; i++) put(dir, `deploy/vars/f${i}.yml`, `n: ${i}\n`);
  const trace = join(tempDir(), 'trace');
  git(dir, ['add', '-A'], { env: { GIT_TRACE_PACKET: trace } });
  const lines = readFileSync(trace, 'utf8');
  assert.is(lines.match(/git-filter-client/g)?.length, 1);
  assert.is(lines.match(/command=clean/g)?.length, 20);
  assert.match(lines, /packet: +git< git-filter-server/);
});

test('a config written by an older setup (cli.js git filter-process) still filters', async () => {
  const { dir } = await vaultRepo();
  const entry = git(dir, ['config', 'filter.vault.process']).trim();
  assert.match(entry, /git-filter\.js filter-process$/);
  git(dir, ['config', 'filter.vault.process', entry.replace(/git-filter\.js filter-process$/, 'cli.js git filter-process')]);
  put(dir, PROD, 'old: config\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'old config']);
  assert.ok(blob(dir, `HEAD:${PROD}`).startsWith(`${MAGIC}\n`));
  git(dir, ['rm', '-q', '--cached', PROD]);
  git(dir, ['checkout', '-q', 'HEAD', '--', PROD]);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), 'old: config\n');
  assert.is(porcelain(dir), '');
});

test('git-filter.js: unknown arguments get one usage line and exit 2; nothing on stdout', async () => {
  const { dir } = await vaultRepo();
  const entry = join(CLI, '..', 'git-filter.js');
  for (const args of [[], ['filter-process', 'extra'], ['merge', 'a'], ['nonsense']]) {
    const result = spawnSync(process.execPath, [entry, ...args], { cwd: dir, encoding: 'utf8', input: '' });
    assert.is(result.status, 2, args.join(' '));
    assert.is(result.stdout, '');
    assert.match(result.stderr, /^vault: usage: git-filter\.js filter-process \| clean .*\n$/);
  }
});

test('single-shot clean is idempotent; smudge passes plaintext through with a warning', async () => {
  const { dir } = await vaultRepo();
  const once = await runVault(['git', 'clean', '--', PROD], { cwd: dir, input: 'x: 1\n' });
  assert.is(once.code, 0, once.stderr);
  assert.ok(once.stdout.startsWith(MAGIC));
  const twice = await runVault(['git', 'clean', '--', PROD], { cwd: dir, input: once.stdoutBytes });
  assert.ok(twice.stdoutBytes.equals(once.stdoutBytes), 'clean∘clean = clean');
  const again = await runVault(['git', 'clean', '--', PROD], { cwd: dir, input: 'x: 1\n' });
  assert.ok(again.stdoutBytes.equals(once.stdoutBytes), 'deterministic');
  const smudged = await runVault(['git', 'smudge', '--', PROD], { cwd: dir, input: once.stdoutBytes });
  assert.is(smudged.stdout, 'x: 1\n');
  assert.is(smudged.stderr, '');
  const plain = await runVault(['git', 'smudge', '--', PROD], { cwd: dir, input: 'plain: yes\n' });
  assert.is(plain.code, 0);
  assert.is(plain.stdout, 'plain: yes\n');
  assert.match(plain.stderr, /warning: "deploy\/vars\/prod\.yml" is not encrypted in the repository/);
  // A tampered envelope fails before a byte is written.
  const text = once.stdout;
  const at = text.length - 10;
  const tampered = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
  const bad = await runVault(['git', 'smudge', '--', PROD], { cwd: dir, input: tampered });
  assert.is.not(bad.code, 0);
  assert.is(bad.stdout, '');
  // A path the policy does not cover is refused by clean.
  const outside = await runVault(['git', 'clean', '--', 'other.txt'], { cwd: dir, input: 'x' });
  assert.is(outside.code, 3);
  assert.match(outside.stderr, /matches no rule of \.vaultfile\/policy\.yml; run "vault git setup"/);
});

test('textconv passes plaintext through and decrypts envelopes', async () => {
  const { dir } = await vaultRepo();
  const sealed = (await runVault(['git', 'clean', '--', PROD], { cwd: dir, input: 'y: 2\n' })).stdoutBytes;
  writeFileSync(join(dir, 'sealed'), sealed);
  writeFileSync(join(dir, 'plain'), 'z: 3\n');
  assert.is((await vault(dir, ['git', 'textconv', 'sealed'])).stdout, 'y: 2\n');
  assert.is((await vault(dir, ['git', 'textconv', 'plain'])).stdout, 'z: 3\n');
  const missing = await runVault(['git', 'textconv', 'nope'], { cwd: dir });
  assert.is(missing.code, 6);
  assert.match(missing.stderr, /cannot read "nope": ENOENT/);
});

test('git worktree add: the second work tree decrypts with the shared key store', async () => {
  const { dir } = await vaultRepo();
  put(dir, PROD, 'w: 1\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'w']);
  const other = join(tempDir(), 'wt');
  git(dir, ['worktree', 'add', '-q', '-b', 'wt', other]);
  assert.is(readFileSync(join(other, PROD), 'utf8'), 'w: 1\n');
  put(other, PROD, 'w: 2\n');
  git(other, ['commit', '-q', '-am', 'from worktree']);
  assert.ok(blob(other, `HEAD:${PROD}`).startsWith(MAGIC));
  assert.is(porcelain(other), '');
  assert.ok(!existsSync(join(dir, '.git/worktrees/wt/vaultfile')), 'keys live in the common git dir only');
  const status = await vault(other, ['status']);
  assert.match(status.stdout, /deploy\/vars\/prod\.yml +default +[0-9a-f]{16} +encrypted +plaintext +yes/);
});

test('filter process: status=error for one file fails git add with the hint, others unaffected', async () => {
  const { dir } = await vaultRepo({ unlock: false });
  put(dir, PROD, 'secret: 1\n');
  const add = gitResult(dir, ['add', PROD]);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /vault: "deploy\/vars\/prod\.yml": no key for keyring "default" in this clone, so it cannot be encrypted; run "vault unlock"/);
  assert.is(git(dir, ['ls-files', PROD]), '', 'plaintext never entered the index');
});

test('the package filter keeps its code cache per user: made by the first run, no plaintext and no key in it', async () => {
  const { dir } = await vaultRepo();
  // The package's launcher (the repositories of these tests run the tsc build's).
  git(dir, ['config', 'filter.vault.process', `'${process.execPath}' '${join(ROOT, 'bundle', 'bin', 'git-filter.js')}' filter-process`]);
  const cacheHome = tempDir('vaultfile-filter-cache-');
  const env = { XDG_CACHE_HOME: cacheHome };
  const marker = `filter-cache-marker-${Date.now().toString(36)}`;
  put(dir, PROD, `db_password: ${marker}\n`);
  assert.is(gitResult(dir, ['add', PROD], { env }).code, 0);
  git(dir, ['commit', '-q', '-m', 'secret']);
  rmSync(join(dir, PROD));
  const checkout = gitResult(dir, ['checkout', '--', PROD], { env });
  assert.is(checkout.code, 0, checkout.stderr);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), `db_password: ${marker}\n`);
  const names = readdirSync(join(cacheHome, 'vaultfile'));
  assert.is(names.length, 1, names.join(', '));
  assert.match(names[0] ?? '', /^git-filter-program-v[\d.]+-\w+-[0-9a-f]{8}-[0-9a-f]{16}\.cache$/);
  const cache = readFileSync(join(cacheHome, 'vaultfile', names[0] ?? ''));
  assert.not.ok(cache.includes(marker), 'no plaintext in the cache');
  const stored = readFileSync(join(dir, '.git', 'vaultfile', 'keys', 'default.key'), 'utf8');
  for (const word of stored.split(/\s+/).filter((w) => w.length >= 24)) assert.not.ok(cache.includes(word), 'no key in the cache');
  for (const word of stored.split(/\s+/).filter((w) => w.length === 44)) assert.not.ok(cache.includes(Buffer.from(word, 'base64')), 'no key bytes in the cache');
});

test.run();
