// git-crypt: its formats read by the core (vectors made by Debian's git-crypt 0.7.0), and whole
// repositories made and committed with the real git-crypt, migrated with `vault migrate --from
// git-crypt` (unlocked, and locked with --git-crypt-key), cloned and unlocked with a vaultfile
// key, and their old commits read with `vault view --git-crypt-key`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, cleanEnv, git, runVault, tempDir, tempRepo } from './helpers.mjs';
import { put, vault } from './git-support.mjs';
import { isGitCryptFile, openGitCrypt, parseGitCryptKey } from '../dist/core/git-crypt.js';
import { translateGitCryptAttributes, attributeGlob } from '../dist/git/git-crypt-attributes.js';
import { AuthError, FormatError } from '../dist/errors.js';

const DIR = join(FIXTURES, 'git-crypt');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
/** @type {Record<string, Function>} */
const CLASSES = { auth: AuthError, format: FormatError };

for (const vector of manifest.vectors) {
  test(`git-crypt vector ${vector.file} with ${vector.key}: ${vector.expect}`, () => {
    const open = () => openGitCrypt(readFileSync(join(DIR, vector.file)), parseGitCryptKey(readFileSync(join(DIR, vector.key)), vector.key), vector.file);
    if (vector.expect === 'success') {
      const expected = vector.plaintext === null ? Buffer.alloc(0) : readFileSync(join(DIR, vector.plaintext));
      assert.equal(Buffer.from(open()), expected);
      if (vector.keyName) assert.is(parseGitCryptKey(readFileSync(join(DIR, vector.key)), 'k').name, vector.keyName);
    } else {
      assert.throws(open, (/** @type {unknown} */ error) => error instanceof CLASSES[vector.expect]);
    }
  });
}

test('git-crypt key files: format 2 fields, legacy keys, and refusals', () => {
  const key = parseGitCryptKey(readFileSync(join(DIR, 'default.key')), 'k');
  assert.is(key.name, null);
  assert.equal(key.entries.map((entry) => [entry.version, entry.aesKey.length, entry.hmacKey.length]), [[0, 32, 64]]);
  assert.is(parseGitCryptKey(readFileSync(join(DIR, 'legacy.key')), 'l').entries[0].aesKey[31], 31);
  assert.throws(() => parseGitCryptKey(readFileSync(join(DIR, 'format-3.key')), 'f3.key'), /"f3\.key": not a git-crypt key file \(key file format 3/);
  assert.throws(() => parseGitCryptKey(readFileSync(join(DIR, 'truncated.key')), 't.key'), /truncated/);
  // An unknown even field is skipped, an odd one is critical (git-crypt's rule).
  const base = readFileSync(join(DIR, 'default.key'));
  const withField = (/** @type {number} */ id) => Buffer.concat([base.subarray(0, 16), Buffer.from([0, 0, 0, id, 0, 0, 0, 2, 9, 9]), base.subarray(16)]);
  assert.is(parseGitCryptKey(withField(2), 'even').entries.length, 1);
  assert.throws(() => parseGitCryptKey(withField(3), 'odd'), /unknown critical field 3/);
  assert.ok(isGitCryptFile(readFileSync(join(DIR, 'empty.gitcrypt'))));
  assert.not.ok(isGitCryptFile(readFileSync(join(DIR, 'secret.txt'))));
});

test('git-crypt attributes become policy rules, exceptions become exclude', () => {
  assert.is(attributeGlob('', '*.key'), '**/*.key');
  assert.is(attributeGlob('', '/top.env'), 'top.env');
  assert.is(attributeGlob('sub', 'x/*.yml'), 'sub/x/*.yml');
  const t = translateGitCryptAttributes(
    [
      { dir: '', text: '# secrets\nsecrets/** filter=git-crypt diff=git-crypt\nsecrets/README !filter !diff\n*.pem filter=git-crypt-ops\n.gitattributes !filter !diff\n*.png binary\n' },
      { dir: 'app', text: '.env.* filter=git-crypt diff=git-crypt\n.env.example !filter\n' },
    ],
    null,
    'prod',
  );
  assert.equal(t.rules, [
    { path: 'secrets/**', keyring: 'prod', exclude: ['secrets/README'] },
    { path: 'app/**/.env.*', keyring: 'prod', exclude: ['app/**/.env.example'] },
  ]);
  assert.equal(t.rewritten.map((file) => file.text), ['# secrets\n*.pem filter=git-crypt-ops\n*.png binary\n', '']);
  assert.equal(t.skipped, ['.gitattributes: *.pem filter=git-crypt-ops (another git-crypt key)']);
  assert.throws(() => translateGitCryptAttributes([{ dir: '', text: '"a b" filter=git-crypt\n' }], null, 'k'), /quoted pattern/);
});

/** Run the real git-crypt in DIR. */
function gitCrypt(/** @type {string} */ dir, /** @type {string[]} */ args) {
  const result = spawnSync('git-crypt', args, { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
  assert.is(result.status, 0, `git-crypt ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const ATTRIBUTES = 'deploy/vars/*.yml filter=git-crypt diff=git-crypt\ndeploy/vars/common.yml !filter !diff\n.env.* filter=git-crypt diff=git-crypt\n.env.example !filter !diff\n*.png binary\n';
/** @type {Record<string, string>} */
const FILES = {
  'deploy/vars/prod.yml': 'db_password: git-crypt-prod\n',
  'deploy/vars/common.yml': 'project: demo\n',
  'deploy/files/.env.prod': 'API_KEY=prod-key\n',
  'deploy/files/.env.example': 'API_KEY=\n',
};

/** A repository made and committed with git-crypt; its key exported to KEYS/gc.key. */
async function gitCryptRepo() {
  const dir = tempRepo();
  const keys = tempDir('vaultfile-keys-');
  gitCrypt(dir, ['init']);
  put(dir, '.gitattributes', ATTRIBUTES);
  for (const [path, content] of Object.entries(FILES)) put(dir, path, content);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'secrets under git-crypt']);
  gitCrypt(dir, ['export-key', join(keys, 'gc.key')]);
  const blob = spawnSync('git', ['cat-file', 'blob', 'HEAD:deploy/vars/prod.yml'], { cwd: dir, env: cleanEnv() }).stdout;
  assert.ok(isGitCryptFile(blob), 'git-crypt encrypted it');
  await vault(keys, ['keygen', 'k.key']);
  return { dir, keys };
}

async function assertMigrated(/** @type {string} */ dir, /** @type {string} */ keys) {
  for (const path of ['deploy/vars/prod.yml', 'deploy/files/.env.prod']) {
    assert.match(git(dir, ['cat-file', '-p', `HEAD:${path}`]), /^\$VAULTFILE;1;AES256/, `${path} is a vaultfile envelope`);
    assert.is(readFileSync(join(dir, path), 'utf8'), FILES[path], `${path} is plaintext in the work tree`);
  }
  for (const path of ['deploy/vars/common.yml', 'deploy/files/.env.example']) assert.is(git(dir, ['cat-file', '-p', `HEAD:${path}`]), FILES[path]);
  assert.not.match(readFileSync(join(dir, '.git/config'), 'utf8'), /git-crypt/);
  const attributes = readFileSync(join(dir, '.gitattributes'), 'utf8');
  assert.not.match(attributes, /git-crypt/);
  assert.match(attributes, /^\*\.png binary$/m);

  // A fresh clone opens with the vaultfile key alone; old commits with the git-crypt key alone.
  const clone = tempDir('vaultfile-clone-');
  git(clone, ['clone', '-q', dir, '.']);
  assert.match(readFileSync(join(clone, 'deploy/vars/prod.yml'), 'utf8'), /^\$VAULTFILE;1;AES256/);
  await vault(clone, ['unlock', join(keys, 'k.key')]);
  for (const [path, content] of Object.entries(FILES)) assert.is(readFileSync(join(clone, path), 'utf8'), content, `${path} in the clone`);
  const old = spawnSync('git', ['cat-file', 'blob', 'HEAD~1:deploy/vars/prod.yml'], { cwd: clone, env: cleanEnv() }).stdout;
  const view = await runVault(['view', '-', '--git-crypt-key', join(keys, 'gc.key')], { cwd: clone, input: old });
  assert.is(view.code, 0, view.stderr);
  assert.is(view.stdout, FILES['deploy/vars/prod.yml']);
  await vault(keys, ['keygen', 'other.key']);
  const wrong = await runVault(['view', '-', '--git-crypt-key', join(FIXTURES, 'git-crypt', 'other.key')], { cwd: clone, input: old });
  assert.is(wrong.code, 4);
  assert.match(wrong.stderr, /^vault: "standard input": the git-crypt key does not open it/);
  // Files that are not git-crypt's open as usual beside the option.
  const current = spawnSync('git', ['cat-file', 'blob', 'HEAD:deploy/vars/prod.yml'], { cwd: clone, env: cleanEnv() }).stdout;
  const both = await runVault(['view', '-', '--git-crypt-key', join(keys, 'gc.key'), '--key-file', join(keys, 'k.key')], { cwd: clone, input: current });
  assert.is(both.stdout, FILES['deploy/vars/prod.yml'], both.stderr);
}

test('migrate --from git-crypt in an unlocked git-crypt repository; clone, unlock, read history', async () => {
  const { dir, keys } = await gitCryptRepo();
  const migrate = await vault(dir, ['migrate', '--from', 'git-crypt', '--key-file', join(keys, 'k.key')]);
  assert.match(migrate.stderr, /^created keyring "default"; policy rules from git-crypt's \.gitattributes:\n {2}deploy\/vars\/\*\.yml \(except deploy\/vars\/common\.yml\)\n {2}\*\*\/\.env\.\* \(except \*\*\/\.env\.example\)\n/);
  assert.match(migrate.stderr, /migrate: 2 file\(s\) staged as vaultfile envelopes/);
  assert.match(migrate.stderr, /caveat: whoever had the git-crypt key can still read these files in every earlier commit/);
  git(dir, ['commit', '-q', '-m', 'Move from git-crypt to vaultfile']);
  await assertMigrated(dir, keys);
});

test('migrate --from git-crypt in a locked repository with --git-crypt-key', async () => {
  const { dir, keys } = await gitCryptRepo();
  gitCrypt(dir, ['lock']);
  assert.ok(isGitCryptFile(readFileSync(join(dir, 'deploy/vars/prod.yml'))), 'locked: the work tree holds git-crypt blobs');
  const migrate = await vault(dir, ['migrate', '--from', 'git-crypt', '--git-crypt-key', join(keys, 'gc.key'), '--key-file', join(keys, 'k.key')]);
  assert.match(migrate.stderr, /opened 2 git-crypt file\(s\) in the work tree with the git-crypt key/);
  git(dir, ['commit', '-q', '-m', 'Move from git-crypt to vaultfile']);
  await assertMigrated(dir, keys);
});

test('migrate --from git-crypt refuses without a git-crypt key, and changes nothing', async () => {
  const { dir, keys } = await gitCryptRepo();
  gitCrypt(dir, ['lock']);
  const before = readFileSync(join(dir, '.git/config'), 'utf8');
  const result = await runVault(['migrate', '--from', 'git-crypt', '--key-file', join(keys, 'k.key')], { cwd: dir });
  assert.is(result.code, 5);
  assert.is(result.stderr, 'vault: no git-crypt key: run "git-crypt unlock" first, or pass --git-crypt-key FILE (made by "git-crypt export-key")\n');
  assert.is(readFileSync(join(dir, '.git/config'), 'utf8'), before);
  assert.not.ok(existsSync(join(dir, '.vaultfile')));
  assert.is(git(dir, ['status', '--porcelain']), '');
  const usage = await runVault(['migrate', '--from', 'sops'], { cwd: dir });
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /--from sops: only git-crypt is supported/);
  assert.is((await runVault(['migrate'], { cwd: dir })).code, 2);
});

test.run();
