// End-to-end attacks on the keyring (docs/SECURITY.md §2): a removed member with push access edits
// or replays the committed keyring so that the next seal by a current member uses a key the
// attacker holds. Two clones: the victim (alice) and mallory, who pushes to a shared origin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, runVault, tempDir } from './helpers.mjs';
import { MAGIC, blob, gitResult, put, vault, vaultRepo } from './git-support.mjs';

const KEYRING = '.vaultfile/keyrings/default.keyring';
const SECRET = 'deploy/vars/prod.yml';

/**
 * Alice's repository with mallory's key file added and a secret committed; mallory's clone is
 * unlocked and keeps the keyring text of that time. Then alice removes mallory and rotates.
 */
async function rotatedAway() {
  const alice = await vaultRepo({ cli: true });
  const malloryKey = join(alice.keyDir, 'mallory.key');
  await vault(alice.keyDir, ['keygen', malloryKey]);
  await vault(alice.dir, ['keys', 'add', '--key-file', alice.keys.default, '--new-key-file', malloryKey, '--label', 'mallory']);
  put(alice.dir, SECRET, 'db: old-secret\n');
  git(alice.dir, ['add', '-A']);
  git(alice.dir, ['commit', '-q', '-m', 'secret and mallory']);
  const mallory = join(tempDir(), 'mallory');
  git(alice.dir, ['clone', '-q', alice.dir, mallory]);
  await vault(mallory, ['unlock', malloryKey]);
  const oldKeyring = readFileSync(join(mallory, KEYRING), 'utf8');

  await vault(alice.dir, ['keys', 'remove', 'mallory', '--key-file', alice.keys.default]);
  await vault(alice.dir, ['rotate', '--key-file', alice.keys.default]);
  git(alice.dir, ['add', '-A']);
  git(alice.dir, ['commit', '-q', '-m', 'remove mallory, rotate']);
  git(mallory, ['pull', '-q', '--no-rebase', 'origin', 'HEAD']);
  return { alice, mallory, malloryKey, oldKeyring };
}

/**
 * Mallory commits KEYRING TEXT and alice pulls it. Mallory commits without the vault filter, as an
 * attacker may: git runs the clean filter on any file it finds racily clean (written in the same
 * clock tick as the index), and mallory's own filter refuses to seal under the keyring she edited.
 * Only the keyring is staged, so her plaintext never enters the commit.
 * @param {any} ctx @param {string} text
 */
function malloryPushes(ctx, text) {
  writeFileSync(join(ctx.mallory, KEYRING), text);
  const withoutFilter = ['-c', 'filter.vault.process=', '-c', 'filter.vault.clean=cat', '-c', 'filter.vault.smudge=cat', '-c', 'filter.vault.required=false'];
  git(ctx.mallory, [...withoutFilter, 'add', KEYRING]);
  git(ctx.mallory, [...withoutFilter, 'commit', '-q', '-m', 'innocent change']);
  git(ctx.alice.dir, ['pull', '-q', '--no-rebase', ctx.mallory, 'HEAD']);
}

/** Alice writes a new secret and tries to commit it: refused, nothing staged. @param {any} ctx @param {RegExp} pattern */
async function assertSealRefused(ctx, pattern) {
  put(ctx.alice.dir, SECRET, 'db: NEW-secret\n');
  const add = gitResult(ctx.alice.dir, ['add', SECRET]);
  assert.is.not(add.code, 0, 'git add must fail');
  assert.match(add.stderr, pattern, add.stderr);
  assert.not.match(gitResult(ctx.alice.dir, ['diff', '--cached', '--name-only']).stdout, /prod/);
  // The explicit command refuses too, with the stored key and with alice's key file.
  put(ctx.alice.dir, 'deploy/vars/new.yml', 'db: NEW-secret\n');
  for (const args of [[], ['--key-file', ctx.alice.keys.default]]) {
    const encrypt = await runVault(['encrypt', 'deploy/vars/new.yml', ...args], { cwd: ctx.alice.dir });
    assert.is(encrypt.code, 4, encrypt.stderr);
    assert.match(encrypt.stderr, pattern, encrypt.stderr);
    assert.is(encrypt.stderr.trim().split('\n').length, 1, encrypt.stderr);
    assert.is(readFileSync(join(ctx.alice.dir, 'deploy/vars/new.yml'), 'utf8'), 'db: NEW-secret\n', 'file untouched');
  }
}

test('item 1: a data-key-id line edited back to the old key is refused by the clean filter and encrypt', async () => {
  const ctx = await rotatedAway();
  const oldId = /^data-key-id: (.*)$/m.exec(ctx.oldKeyring)?.[1] ?? '';
  const edited = readFileSync(join(ctx.mallory, KEYRING), 'utf8').replace(/^data-key-id: .*$/m, `data-key-id: ${oldId}`);
  malloryPushes(ctx, edited);
  await assertSealRefused(ctx, /keyring default was modified outside vaultfile; restore it from version control|no keyring entry opens with/);
});

test('item 2: a replayed pre-rotation keyring (valid MAC under the old key) never receives a secret', async () => {
  const ctx = await rotatedAway();
  malloryPushes(ctx, ctx.oldKeyring);
  assert.match((await vault(ctx.alice.dir, ['status'])).stdout, /keyring "default" in the work tree is older than this clone's \(rolled back/);
  // The filter seals under the newest key this clone knows, and says why.
  put(ctx.alice.dir, SECRET, 'db: NEW-secret\n');
  const add = gitResult(ctx.alice.dir, ['add', SECRET]);
  assert.is(add.code, 0, add.stderr);
  assert.match(add.stderr, /warning: keyring "default" in the work tree is older than this clone's \(rolled back, or this branch predates "vault rotate"\); files are encrypted under the newest key this clone knows/);
  git(ctx.alice.dir, ['commit', '-q', '-m', 'new secret']);
  git(ctx.mallory, ['pull', '-q', '--no-rebase', ctx.alice.dir, 'HEAD']);
  const stolen = readFileSync(join(ctx.mallory, SECRET), 'utf8');
  assert.ok(stolen.startsWith(MAGIC), 'mallory gets ciphertext');
  writeFileSync(join(ctx.mallory, 'stolen.yml'), stolen);
  const view = await runVault(['view', 'stolen.yml', '--key-file', ctx.malloryKey], { cwd: ctx.mallory });
  assert.is.not(view.code, 0);
  assert.not.match(view.stdout, /NEW-secret/);
  // The explicit commands refuse it: encrypt (stored key or alice's key file) and unlock.
  put(ctx.alice.dir, 'deploy/vars/new.yml', 'db: NEW-secret\n');
  for (const args of [[], ['--key-file', ctx.alice.keys.default]]) {
    const encrypt = await runVault(['encrypt', 'deploy/vars/new.yml', ...args], { cwd: ctx.alice.dir });
    assert.is(encrypt.code, 4, encrypt.stderr);
    assert.match(encrypt.stderr, /keyring "default" in the work tree is older than this clone's/);
    assert.is(encrypt.stderr.trim().split('\n').length, 1, encrypt.stderr);
    assert.is(readFileSync(join(ctx.alice.dir, 'deploy/vars/new.yml'), 'utf8'), 'db: NEW-secret\n', 'file untouched');
  }
  const unlock = await runVault(['unlock', '--force', ctx.alice.keys.default], { cwd: ctx.alice.dir });
  assert.is(unlock.code, 4, unlock.stderr);
  assert.match(unlock.stderr, /older than this clone's/);
  // Locked, the clone still remembers.
  await vault(ctx.alice.dir, ['lock', '--force']);
  const locked = await runVault(['encrypt', 'deploy/vars/new.yml', '--key-file', ctx.alice.keys.default], { cwd: ctx.alice.dir });
  assert.is(locked.code, 4, locked.stderr);
  assert.match(locked.stderr, /older than this clone's/);
});

test('item 2, honest cases: a branch from before a rotation reads, refuses to seal, and merging main fixes it', async () => {
  const alice = await vaultRepo({ cli: true });
  put(alice.dir, SECRET, 'db: one\n');
  git(alice.dir, ['add', '-A']);
  git(alice.dir, ['commit', '-q', '-m', 'secret']);
  git(alice.dir, ['branch', 'feature']);
  await vault(alice.dir, ['rotate', '--key-file', alice.keys.default]);
  git(alice.dir, ['add', '-A']);
  git(alice.dir, ['commit', '-q', '-m', 'rotate']);
  const main = git(alice.dir, ['rev-parse', '--abbrev-ref', 'HEAD']).trim();
  assert.is(gitResult(alice.dir, ['checkout', '-q', 'feature']).code, 0);
  assert.is(readFileSync(join(alice.dir, SECRET), 'utf8'), 'db: one\n', 'the old branch still decrypts');
  put(alice.dir, SECRET, 'db: two\n');
  const add = gitResult(alice.dir, ['add', SECRET]);
  assert.is(add.code, 0, add.stderr);
  assert.match(add.stderr, /older than this clone's .*merge the branch that rotated it/);
  git(alice.dir, ['commit', '-q', '-m', 'two on the old branch']);
  const merge = gitResult(alice.dir, ['merge', '-q', main, '-m', 'merge']);
  assert.is(merge.code, 0, merge.stderr);
  assert.is(readFileSync(join(alice.dir, SECRET), 'utf8'), 'db: two\n');
  put(alice.dir, SECRET, 'db: three\n');
  const clean = gitResult(alice.dir, ['add', SECRET]);
  assert.is(clean.code, 0, clean.stderr);
  assert.is(clean.stderr, '', 'after the merge the keyring is current again');
  git(alice.dir, ['commit', '-q', '-m', 'three']);
  assert.ok(blob(alice.dir, `HEAD:${SECRET}`).startsWith(MAGIC));
  const rotatedId = /^data-key-id: (.*)$/m.exec(readFileSync(join(alice.dir, KEYRING), 'utf8'))?.[1] ?? '';
  assert.ok(rotatedId.length > 0);
});

test.run();
