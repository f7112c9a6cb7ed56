// End-to-end: clones without the key keep working on ciphertext; `vault unlock` stores the data
// keys (0600, never committed) and decrypts the work tree; `vault lock` undoes it; a member of
// one keyring sees another keyring's files as ciphertext and their checkouts still succeed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, modeOf, runVault, tempDir, writeSecret } from './helpers.mjs';
import { MAGIC, blob, gitResult, porcelain, put, vault, vaultRepo } from './git-support.mjs';

const PROD = 'deploy/vars/prod.yml';

/** An origin repository with committed secrets, and a fresh clone of it. */
async function originAndClone(options = {}) {
  const origin = await vaultRepo(options);
  put(origin.dir, PROD, 'db: prod-secret\n');
  put(origin.dir, 'deploy/vars/dev.yml', 'db: dev-secret\n');
  git(origin.dir, ['add', '-A']);
  git(origin.dir, ['commit', '-q', '-m', 'secrets']);
  const clone = join(tempDir(), 'clone');
  git(origin.dir, ['clone', '-q', origin.dir, clone]);
  return { origin, clone };
}

test('a clone without the key checks out ciphertext; unlock decrypts; lock re-encrypts', async () => {
  const { origin, clone } = await originAndClone();
  assert.ok(readFileSync(join(clone, PROD), 'utf8').startsWith(MAGIC));
  assert.is(porcelain(clone), '');
  const before = await vault(clone, ['status']);
  assert.match(before.stdout, /deploy\/vars\/prod\.yml +default +[0-9a-f]{16} +encrypted +encrypted +no/);
  assert.match(before.stdout, /the vault filter is not configured in this clone; run "vault git setup"/);

  const unlock = await vault(clone, ['unlock', origin.keys.default]);
  assert.match(unlock.stdout, /configured the vault filter in \.git\/config/);
  assert.match(unlock.stdout, /unlocked keyring "default": 2 files decrypted/);
  assert.is(readFileSync(join(clone, PROD), 'utf8'), 'db: prod-secret\n');
  assert.is(porcelain(clone), '');
  const keyFile = join(clone, '.git/vaultfile/keys/default.key');
  assert.is(modeOf(keyFile), 0o600);
  assert.is(modeOf(join(clone, '.git/vaultfile/keys')), 0o700);
  assert.not.match(readFileSync(keyFile, 'utf8'), /prod-secret/);
  assert.is(git(clone, ['ls-files', '.git']), '', 'the key store is inside .git, never tracked');

  // The unlocked clone commits encrypted.
  put(clone, PROD, 'db: changed\n');
  git(clone, ['commit', '-q', '-am', 'change']);
  assert.ok(blob(clone, `HEAD:${PROD}`).startsWith(MAGIC));

  const lock = await vault(clone, ['lock']);
  assert.match(lock.stdout, /locked "default": 2 files back to ciphertext/);
  assert.ok(!existsSync(join(clone, '.git/vaultfile/keys')));
  assert.ok(readFileSync(join(clone, PROD), 'utf8').startsWith(MAGIC));
  assert.is(porcelain(clone), '');
  // Locked again: the checkout of another commit still succeeds, files stay ciphertext.
  const checkout = gitResult(clone, ['checkout', '-q', 'HEAD~1']);
  assert.is(checkout.code, 0, checkout.stderr);
  assert.match(checkout.stderr, /warning: files of keyring "default" stay encrypted: no key for keyring "default" in this clone/);
  assert.is(checkout.stderr.match(/stay encrypted/g)?.length, 1, 'one warning per git command, not per file');
  assert.ok(readFileSync(join(clone, PROD), 'utf8').startsWith(MAGIC));
  assert.is(porcelain(clone), '');
});

test('locked clone: git add of a new plaintext policy file fails with the unlock hint', async () => {
  const { clone } = await originAndClone();
  await vault(clone, ['git', 'setup']);
  put(clone, 'deploy/vars/new.yml', 'new: secret\n');
  const add = gitResult(clone, ['add', 'deploy/vars/new.yml']);
  assert.is.not(add.code, 0);
  assert.match(add.stderr, /vault: "deploy\/vars\/new\.yml": no key for keyring "default" in this clone, so it cannot be encrypted; run "vault unlock"/);
  assert.is(git(clone, ['ls-files', 'deploy/vars/new.yml']), '');
  assert.is(porcelain(clone), '?? deploy/vars/new.yml\n');
  // Touching checked-out ciphertext does not break status (clean passes envelopes through).
  writeFileSync(join(clone, PROD), readFileSync(join(clone, PROD)));
  assert.is(porcelain(clone), '?? deploy/vars/new.yml\n');
});

test('unlock refuses a wrong key and a dirty tree; lock refuses uncommitted plaintext', async () => {
  const { origin, clone } = await originAndClone();
  const other = join(tempDir(), 'other.key');
  await vault(clone, ['keygen', other]);
  const wrong = await runVault(['unlock', other], { cwd: clone });
  // 4 (wrong key) or 5 (no entry for this key): the core decides which; both are refusals.
  assert.ok(wrong.code === 4 || wrong.code === 5, wrong.stderr);
  assert.match(wrong.stderr, /the key given opens no keyring \("default"\); check it with "vault keys list"/);
  assert.ok(!existsSync(join(clone, '.git/vaultfile/keys')));

  const noKey = await runVault(['unlock'], { cwd: clone });
  assert.is(noKey.code, 5);

  writeFileSync(join(clone, PROD), 'edited ciphertext\n');
  const dirty = await runVault(['unlock', origin.keys.default], { cwd: clone });
  assert.is(dirty.code, 2);
  assert.match(dirty.stderr, /"deploy\/vars\/prod\.yml" has uncommitted changes; commit or stash them, or pass --force/);
  assert.ok(!existsSync(join(clone, '.git/vaultfile/keys')), 'nothing stored on refusal');
  git(clone, ['checkout', '-q', '--', PROD]);

  await vault(clone, ['unlock', origin.keys.default]);
  put(clone, PROD, 'db: unsaved\n');
  const refused = await runVault(['lock'], { cwd: clone });
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /uncommitted plaintext changes; commit them, or pass --force/);
  assert.ok(existsSync(join(clone, '.git/vaultfile/keys/default.key')));
  await vault(clone, ['lock', '--force']);
  assert.ok(readFileSync(join(clone, PROD), 'utf8').startsWith(MAGIC));
  assert.is(porcelain(clone), '');
});

test('unlock with a password file, or a key file from VAULTFILE_KEY_FILE', async () => {
  const repo = await vaultRepo({ cli: true, unlock: false });
  const password = writeSecret(join(repo.keyDir, 'pw'), 'correct horse\n');
  await vault(repo.dir, ['keys', 'add', '--key-file', repo.keys.default, '--new-password-file', password, '--work-factor', '10']);
  const result = await vault(repo.dir, ['unlock', '--password-file', password]);
  assert.match(result.stdout, /unlocked keyring "default": 0 files decrypted/);
  assert.ok(existsSync(join(repo.dir, '.git/vaultfile/keys/default.key')));
  await vault(repo.dir, ['lock']);
  const viaEnv = await vault(repo.dir, ['unlock', '--keyring', 'default'], { env: { VAULTFILE_KEY_FILE: repo.keys.default } });
  assert.match(viaEnv.stdout, /unlocked keyring "default"/);
  const missing = await runVault(['unlock', '--keyring', 'nope', repo.keys.default], { cwd: repo.dir });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /keyring "nope" not found/);
});

test('two keyrings: a dev member sees prod files as ciphertext and checkouts succeed', async () => {
  const rules = [
    { path: 'deploy/vars/prod.yml', keyring: 'prod' },
    { path: 'deploy/vars/*.yml', keyring: 'dev' },
  ];
  const { origin, clone } = await originAndClone({ keyrings: ['dev', 'prod'], rules });
  assert.match(blob(origin.dir, `HEAD:${PROD}`), /^\$VAULTFILE/);
  const unlock = await vault(clone, ['unlock', origin.keys.dev]);
  assert.match(unlock.stdout, /unlocked keyring "dev": 1 file decrypted/);
  assert.match(unlock.stdout, /still locked \(the key does not open them\): "prod"/);
  assert.is(readFileSync(join(clone, 'deploy/vars/dev.yml'), 'utf8'), 'db: dev-secret\n');
  assert.ok(readFileSync(join(clone, PROD), 'utf8').startsWith(MAGIC));
  assert.is(porcelain(clone), '');
  const status = await vault(clone, ['status']);
  assert.match(status.stdout, /deploy\/vars\/dev\.yml +dev +[0-9a-f]{16} +encrypted +plaintext +yes/);
  assert.match(status.stdout, /deploy\/vars\/prod\.yml +prod +[0-9a-f]{16} +encrypted +encrypted +no/);

  // The dev member edits a dev file and commits; prod stays untouched ciphertext.
  put(clone, 'deploy/vars/dev.yml', 'db: dev-2\n');
  git(clone, ['commit', '-q', '-am', 'dev change']);
  const branch = gitResult(clone, ['checkout', '-q', '-b', 'x', 'HEAD~1']);
  assert.is(branch.code, 0, branch.stderr);
  assert.is(readFileSync(join(clone, 'deploy/vars/dev.yml'), 'utf8'), 'db: dev-secret\n');
  assert.is(porcelain(clone), '');
  await vault(clone, ['check', '--staged']);

  // The prod member sees both after unlocking prod too.
  await vault(clone, ['unlock', '--keyring', 'prod', origin.keys.prod]);
  assert.is(readFileSync(join(clone, PROD), 'utf8'), 'db: prod-secret\n');
  assert.is(porcelain(clone), '');
});

test.run();
