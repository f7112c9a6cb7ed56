// End-to-end: the user flows of the foundation issue, run with the built CLI exactly as written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, git, runVault, tempDir, tempRepo, writeSecret, modeOf } from './helpers.mjs';

const MAGIC = '$VAULTFILE;1;AES256\n';
const PROD = 'aws_access_key_id: EXAMPLE-ACCESS-KEY-ID\naws_secret_access_key: example/secret/value\n';

test('standalone: encrypt in place, view, decrypt via VAULTFILE_PASSWORD_FILE', async () => {
  const dir = tempDir();
  const pass = writeSecret(join(dir, '.vault-pass'), 'correct horse battery staple');
  mkdirSync(join(dir, 'deploy/vars'), { recursive: true });
  const file = join(dir, 'deploy/vars/prod.yml');
  writeFileSync(file, PROD, { mode: 0o640 });

  const enc = await runVault(['encrypt', 'deploy/vars/prod.yml', '--password-file', pass], { cwd: dir });
  assert.is(enc.code, 0, enc.stderr);
  const sealed = readFileSync(file, 'utf8');
  assert.ok(sealed.startsWith(MAGIC), 'armour line first');
  assert.not.match(sealed, /EXAMPLE-ACCESS-KEY-ID/);
  for (const line of sealed.split('\n').slice(1, -1)) assert.ok(line.length <= 76, 'lines of at most 76 columns');
  assert.ok(sealed.endsWith('\n'));
  assert.is(modeOf(file), 0o640, 'mode kept');

  const view = await runVault(['view', 'deploy/vars/prod.yml', '--password-file', pass], { cwd: dir });
  assert.is(view.code, 0, view.stderr);
  assert.is(view.stdout, PROD);
  assert.is(readFileSync(file, 'utf8'), sealed, 'view changes nothing');

  const dec = await runVault(['decrypt', 'deploy/vars/prod.yml'], { cwd: dir, env: { VAULTFILE_PASSWORD_FILE: pass } });
  assert.is(dec.code, 0, dec.stderr);
  assert.is(readFileSync(file, 'utf8'), PROD);
  assert.is(readdirSync(join(dir, 'deploy/vars')).length, 1, 'no temp file left');
});

test('repository: init, keygen, keys add/list, policy encrypt, CI view with key file, stdin/stdout', async () => {
  const repo = tempRepo();
  const pass = writeSecret(join(repo, '..', `pass-${Date.now()}`), 'correct horse battery staple\n');
  mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
  mkdirSync(join(repo, 'deploy/files'), { recursive: true });
  writeFileSync(join(repo, 'deploy/vars/prod.yml'), PROD);
  writeFileSync(join(repo, 'deploy/vars/staging.yml'), 'token: staging\n');
  writeFileSync(join(repo, 'deploy/files/.env.production'), 'DB_PASSWORD=hunter2\n');

  // A low work factor: this flow opens the password entry four times, and its cost is not what is
  // tested here (the default of 2^17 is, in the init test below).
  const init = await runVault(['init', '--password-file', pass, '--work-factor', '10'], { cwd: repo });
  assert.is(init.code, 0, init.stderr);
  assert.match(init.stderr, /keyring "default" created/);
  const keyringText = readFileSync(join(repo, '.vaultfile/keyrings/default.keyring'), 'utf8');
  assert.not.match(keyringText, /correct horse/);
  assert.match(readFileSync(join(repo, '.vaultfile/policy.yml'), 'utf8'), /deploy\/vars\/\*\.yml/);

  const keygen = await runVault(['keygen', 'ci.key'], { cwd: repo });
  assert.is(keygen.code, 0, keygen.stderr);
  assert.is(modeOf(join(repo, 'ci.key')), 0o600);
  assert.is((await runVault(['keygen', 'ci.key'], { cwd: repo })).code, 6, 'keygen never overwrites');

  const add = await runVault(['keys', 'add', '--key-file', 'ci.key', '--password-file', pass], { cwd: repo });
  assert.is(add.code, 0, add.stderr);
  const list = await runVault(['keys', 'list'], { cwd: repo });
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /password/);
  assert.match(list.stdout, /key-file/);

  // As in the README: no key option, the repository is unlocked since init (key in .git/).
  const enc = await runVault(['encrypt', 'deploy/vars/prod.yml', 'deploy/vars/staging.yml', 'deploy/files/.env.production'], { cwd: repo });
  assert.is(enc.code, 0, enc.stderr);
  for (const f of ['deploy/vars/prod.yml', 'deploy/vars/staging.yml', 'deploy/files/.env.production']) {
    assert.ok(readFileSync(join(repo, f), 'utf8').startsWith(MAGIC), f);
  }
  // A key named explicitly is the one used: a wrong one fails even though .git/ holds the key.
  const wrong = writeSecret(join(repo, '..', `wrong-${Date.now()}`), 'not the password');
  assert.is((await runVault(['view', 'deploy/vars/prod.yml', '--password-file', wrong], { cwd: repo })).code, 4);
  const ci = await runVault(['view', 'deploy/vars/prod.yml', '--key-file', 'ci.key'], { cwd: repo });
  assert.is(ci.code, 0, ci.stderr);
  assert.is(ci.stdout, PROD);

  // Adding a key rewrote only the keyring: files sealed before still open with the new key.
  const piped = await runVault(['encrypt', '-', '--key-file', 'ci.key'], { cwd: repo, input: 'A=1\nB=2\n' });
  assert.is(piped.code, 0, piped.stderr);
  assert.ok(piped.stdout.startsWith(MAGIC));
  const back = await runVault(['decrypt', '-', '--password-file', pass], { cwd: repo, input: piped.stdout });
  assert.is(back.code, 0, back.stderr);
  assert.is(back.stdout, 'A=1\nB=2\n');
});

test('options work before and after the file arguments', async () => {
  const dir = tempDir();
  const key = join(dir, 'k.key');
  assert.is((await runVault(['keygen', key])).code, 0);
  writeFileSync(join(dir, 'a.env'), 'X=1\n');
  assert.is((await runVault(['encrypt', '--key-file', key, 'a.env'], { cwd: dir })).code, 0);
  const out = await runVault(['view', 'a.env', '--key-file', key], { cwd: dir });
  assert.is(out.stdout, 'X=1\n');
});

test('bulk view of many standalone files encrypted in one run costs one KDF', async () => {
  const dir = tempDir();
  const pass = writeSecret(join(dir, 'pw'), 'pw-for-bulk-test');
  const names = [];
  for (let i = 0; i < 30; i++) {
    const name = `f${i}.yml`;
    writeFileSync(join(dir, name), `value: ${i}\n`);
    names.push(name);
  }
  const enc = await runVault(['encrypt', ...names, '--password-file', pass], { cwd: dir });
  assert.is(enc.code, 0, enc.stderr);
  const view = await runVault(['view', ...names, '--password-file', pass], { cwd: dir });
  assert.is(view.code, 0, view.stderr);
  assert.is(view.stdout, names.map((_, i) => `value: ${i}\n`).join(''));
  // One keyring for the whole run: every file carries the same inline entries (one scrypt).
  const entryBlocks = names.slice(0, 3).map((n) => inlineEntries(readFileSync(join(dir, n), 'utf8')));
  assert.ok(entryBlocks[0].length > 0);
  assert.is(entryBlocks[1], entryBlocks[0]);
  assert.is(entryBlocks[2], entryBlocks[0]);
});

test('--help and --version exit 0; unknown command is a usage error (2)', async () => {
  assert.is((await runVault(['--help'])).code, 0);
  assert.is((await runVault(['--version'])).code, 0);
  const bad = await runVault(['frobnicate']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /unknown command/);
  assert.is((await runVault(['encrypt'])).code, 2, 'missing argument');
});

/** The bytes of an envelope after its fixed fields up to the MAC: the inline keyring entries. */
/** @param {string} text */
function inlineEntries(text) {
  const bytes = Buffer.from(text.split('\n').slice(1).join(''), 'base64');
  const nameLength = bytes[2];
  const start = 3 + nameLength + 16 + 32;
  return bytes.subarray(start, start + 64).toString('hex');
}

test('init leaves the repository unlocked: git setup then git add stores an envelope', async () => {
  const repo = tempRepo();
  const pass = writeSecret(join(repo, '..', `pass-init-${Date.now()}`), 'correct horse battery staple');
  mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
  writeFileSync(join(repo, 'deploy/vars/prod.yml'), PROD);
  assert.is((await runVault(['init', '--password-file', pass], { cwd: repo })).code, 0);
  assert.match(readFileSync(join(repo, '.vaultfile/keyrings/default.keyring'), 'utf8'), / password password scrypt logN=17 r=8 p=1 /, 'the default work factor');
  assert.is(modeOf(join(repo, '.git/vaultfile/keys/default.key')), 0o600);
  const setup = await runVault(['git', 'setup'], { cwd: repo });
  assert.is(setup.code, 0, setup.stderr);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'vars']);
  assert.ok(git(repo, ['cat-file', '-p', 'HEAD:deploy/vars/prod.yml']).startsWith(MAGIC));
  assert.is(readFileSync(join(repo, 'deploy/vars/prod.yml'), 'utf8'), PROD, 'work tree stays plaintext');
  assert.is(git(repo, ['status', '--porcelain']), '');
  assert.is(git(repo, ['show', '--textconv', 'HEAD:deploy/vars/prod.yml']), PROD);
});

test('the README demo opens with the shipped demo key', async () => {
  const result = await runVault(['view', 'fixtures/demo/deploy/vars/prod.yml', '--key-file', 'fixtures/demo/demo.key']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /aws_access_key_id: AKIA-DEMO-NOT-A-REAL-KEY/);
});

test('view into a reader that stops early (| head): quiet exit 141, no stack trace', async () => {
  const dir = tempDir();
  const key = join(dir, 'k.key');
  assert.is((await runVault(['keygen', key], { cwd: dir })).code, 0);
  const file = join(dir, 'big.yml');
  writeFileSync(file, 'line: value\n'.repeat(300_000));
  assert.is((await runVault(['encrypt', file, '--key-file', key], { cwd: dir })).code, 0);
  const result = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} view --key-file k.key big.yml | head -c 5; echo " status=\${PIPESTATUS[0]}"`], {
    cwd: dir, encoding: 'utf8',
  });
  assert.is(result.stdout, 'line: status=141\n');
  assert.is(result.stderr, '');
});

test('standard output redirected to a file (written to its descriptor): whole, and appended with >>', async () => {
  const dir = tempDir();
  assert.is((await runVault(['keygen', join(dir, 'k.key')], { cwd: dir })).code, 0);
  writeFileSync(join(dir, 'f.yml'), 'token: abc\n');
  assert.is((await runVault(['encrypt', 'f.yml', '--key-file', 'k.key'], { cwd: dir })).code, 0);
  const vault = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
  const script = `${vault} view --key-file k.key f.yml > out && ${vault} view --key-file k.key f.yml >> out && ${vault} --version >> out`;
  const result = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.is(readFileSync(join(dir, 'out'), 'utf8'), `token: abc\ntoken: abc\n${version}\n`);
});

test.run();
