// End-to-end: the vault merge driver in real merges. A clean merge stores exactly the envelope
// clean would make (status stays clean); a conflict leaves plaintext markers in the work tree and
// never puts them in the object store in the clear; `git add` after resolving re-encrypts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, runVault } from './helpers.mjs';
import { MAGIC, blob, gitResult, porcelain, put, vault, vaultRepo } from './git-support.mjs';

const PROD = 'deploy/vars/prod.yml';
const BASE = 'a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n';

/** A repository with BASE committed on main and a branch "other" that changed line a. */
async function diverged() {
  const repo = await vaultRepo();
  put(repo.dir, PROD, BASE);
  git(repo.dir, ['add', '-A']);
  git(repo.dir, ['commit', '-q', '-m', 'base']);
  git(repo.dir, ['checkout', '-q', '-b', 'other']);
  put(repo.dir, PROD, BASE.replace('a: 1', 'a: theirs'));
  git(repo.dir, ['commit', '-q', '-am', 'theirs']);
  git(repo.dir, ['checkout', '-q', 'main']);
  return repo;
}

/** Every object in the store, as one string (to look for plaintext). @param {string} dir */
function allObjects(dir) {
  return git(dir, ['cat-file', '--batch-all-objects', '--batch']);
}

test('a merge without conflict stores the deterministic envelope of the merged text', async () => {
  const { dir } = await diverged();
  put(dir, PROD, BASE.replace('f: 6', 'f: ours'));
  git(dir, ['commit', '-q', '-am', 'ours']);
  const merge = gitResult(dir, ['merge', '-q', '--no-edit', 'other']);
  assert.is(merge.code, 0, merge.stderr);
  const merged = BASE.replace('a: 1', 'a: theirs').replace('f: 6', 'f: ours');
  assert.is(readFileSync(join(dir, PROD), 'utf8'), merged);
  assert.is(porcelain(dir), '');
  const stored = blob(dir, `HEAD:${PROD}`);
  assert.ok(stored.startsWith(MAGIC));
  const clean = await runVault(['git', 'clean', '--', PROD], { cwd: dir, input: merged });
  assert.is(clean.stdout, stored, 'exactly what clean makes of the merged plaintext');
});

test('a conflict leaves plaintext markers in the work tree only; add after resolving re-encrypts', async () => {
  const { dir } = await diverged();
  put(dir, PROD, BASE.replace('a: 1', 'a: ours'));
  git(dir, ['commit', '-q', '-am', 'ours']);
  const merge = gitResult(dir, ['merge', '--no-edit', 'other']);
  assert.is.not(merge.code, 0);
  assert.match(merge.stdout, /CONFLICT \(content\): Merge conflict in deploy\/vars\/prod\.yml/);
  const tree = readFileSync(join(dir, PROD), 'utf8');
  assert.is(tree, '<<<<<<< ours\na: ours\n=======\na: theirs\n>>>>>>> theirs\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n');
  assert.not.match(merge.stderr, /not encrypted in the repository/, 'no warning for our own conflict text');
  assert.is(porcelain(dir), `UU ${PROD}\n`);
  const objects = allObjects(dir);
  assert.not.match(objects, /<<<<<<< ours/, 'conflict markers never stored in the clear');
  assert.not.match(objects, /a: theirs/);
  // Resolve, add, commit: stored encrypted, status clean.
  writeFileSync(join(dir, PROD), BASE.replace('a: 1', 'a: resolved'));
  git(dir, ['add', PROD]);
  git(dir, ['commit', '-q', '--no-edit']);
  assert.ok(blob(dir, `HEAD:${PROD}`).startsWith(MAGIC));
  assert.is(git(dir, ['show', '--textconv', `HEAD:${PROD}`]), BASE.replace('a: 1', 'a: resolved'));
  assert.is(porcelain(dir), '');
});

test('a file added on both sides merges from an empty base', async () => {
  const repo = await vaultRepo();
  const { dir } = repo;
  put(dir, 'README', 'r\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'r']);
  git(dir, ['checkout', '-q', '-b', 'other']);
  put(dir, PROD, 'x: 1\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'theirs']);
  git(dir, ['checkout', '-q', 'main']);
  put(dir, PROD, 'x: 2\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'ours']);
  const merge = gitResult(dir, ['merge', '--no-edit', 'other']);
  assert.is.not(merge.code, 0);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), '<<<<<<< ours\nx: 2\n=======\nx: 1\n>>>>>>> theirs\n');
  assert.not.match(allObjects(dir), /x: 2/);
});

test('merge driver without the key: a conflict, ours kept as ciphertext', async () => {
  const { dir } = await diverged();
  put(dir, PROD, BASE.replace('f: 6', 'f: ours'));
  git(dir, ['commit', '-q', '-am', 'ours']);
  const ours = blob(dir, `HEAD:${PROD}`);
  await vault(dir, ['lock']);
  const merge = gitResult(dir, ['merge', '--no-edit', 'other']);
  assert.is.not(merge.code, 0);
  assert.match(merge.stderr, /cannot decrypt all sides of the merge \(no key\); resolve it by hand after "vault unlock"/);
  assert.is(readFileSync(join(dir, PROD), 'utf8'), ours);
  git(dir, ['merge', '--abort']);
});

test('merge driver refuses binary content and keeps ours', async () => {
  const { dir } = await diverged();
  const files = ['base', 'ours', 'theirs'].map((name) => join(dir, `.merge_${name}`));
  writeFileSync(files[0], Buffer.from([0, 1, 2, 0]));
  writeFileSync(files[1], Buffer.from([0, 1, 3, 0]));
  writeFileSync(files[2], Buffer.from([0, 4, 2, 0]));
  const result = await runVault(['git', 'merge', files[0], files[1], files[2], '7', PROD], { cwd: dir });
  assert.is(result.code, 1);
  assert.match(result.stderr, /git merge-file could not merge it \(binary\?\); keeping ours/);
  assert.ok(readFileSync(files[1]).equals(Buffer.from([0, 1, 3, 0])));
});

test.run();
