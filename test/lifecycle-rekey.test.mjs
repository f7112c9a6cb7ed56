// End-to-end `vault rekey` (issue 3): many files in one call re-encrypted for new keys in memory,
// one new inline keyring (one KDF per new key) shared by all of them, nothing written when any
// file fails, keyring files refused, Ansible files kept in Ansible format (checked with the real
// ansible-vault), and the progress bar drawn on a terminal only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanEnv, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { editors, vault } from './lifecycle-support.mjs';
import { inspectEnvelope } from '../dist/core/envelope.js';

const hasAnsible = spawnSync('ansible-vault', ['--version']).status === 0;

/** DIR with old.key, new.key, new.pw and FILES encrypted together with old.key. */
async function setup(count = 3) {
  const dir = tempDir();
  for (const name of ['old.key', 'new.key']) assert.is((await vault(['keygen', name], dir)).code, 0);
  writeSecret(join(dir, 'new.pw'), 'the new password\n');
  const files = [];
  for (let i = 0; i < count; i++) {
    const name = `f${i}.yml`;
    writeFileSync(join(dir, name), `secret: value-${i}\n`);
    files.push(name);
  }
  const enc = await vault(['encrypt', ...files, '--key-file', 'old.key'], dir);
  assert.is(enc.code, 0, enc.stderr);
  return { dir, files };
}

/** @param {string} dir @param {string[]} files */
function snapshot(dir, files) {
  return files.map((name) => readFileSync(join(dir, name)));
}

test('many files rekeyed to a new key file and password: new keys open them, the old one does not', async () => {
  const { dir, files } = await setup(4);
  const result = await vault(['rekey', ...files, '--key-file', 'old.key', '--new-key-file', 'new.key', '--new-password-file', 'new.pw'], dir);
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, 'rekeyed 4 files for --new-password-file "new.pw", --new-key-file "new.key"; older copies (git history, backups) still open with the old keys\n');
  for (const [i, name] of files.entries()) {
    assert.is((await vault(['view', name, '--key-file', 'new.key'], dir)).stdout, `secret: value-${i}\n`);
    assert.is((await vault(['view', name, '--password-file', 'new.pw'], dir)).stdout, `secret: value-${i}\n`);
    const old = await vault(['view', name, '--key-file', 'old.key'], dir);
    assert.ok(old.code === 4 || old.code === 5, old.stderr);
  }
  // One inline keyring for the whole call: every file carries the same entries (same salts), so
  // the new password cost one scrypt, not one per file.
  const entries = files.map((name) => JSON.stringify(inspectEnvelope(readFileSync(join(dir, name)), name).inlineKeyring?.entries.map((e) => [e.id, 'salt' in e ? Buffer.from(e.salt).toString('hex') : ''])));
  assert.is(new Set(entries).size, 1);
  assert.match(entries[0], /"[0-9a-f]{8}"/);
});

test('a wrong old key or a bad file anywhere: no file is written', async () => {
  const { dir, files } = await setup(3);
  const before = snapshot(dir, files);
  const wrong = await vault(['rekey', ...files, '--key-file', 'new.key', '--new-password-file', 'new.pw'], dir);
  assert.ok(wrong.code === 4 || wrong.code === 5, wrong.stderr);
  writeFileSync(join(dir, 'plain.yml'), 'not: encrypted\n');
  const mixed = await vault(['rekey', files[0], files[1], 'plain.yml', files[2], '--key-file', 'old.key', '--new-key-file', 'new.key'], dir);
  assert.is(mixed.code, 3, mixed.stderr);
  assert.equal(snapshot(dir, files), before);
});

test('a write failing part-way (EFBIG): the message counts what was written; running again finishes', async () => {
  const { dir, files } = await setup(1);
  // A second file too big for the file-size limit below: its new ciphertext cannot be written.
  writeFileSync(join(dir, 'big.yml'), `big: ${'x'.repeat(60000)}\n`);
  assert.is((await vault(['encrypt', 'big.yml', '--key-file', 'old.key'], dir)).code, 0);
  const bigBefore = readFileSync(join(dir, 'big.yml'));
  const args = ['rekey', files[0], 'big.yml', '--key-file', 'old.key', '--new-key-file', 'new.key'];
  // 100 blocks of 512 bytes; SIGXFSZ ignored so that the write fails with EFBIG instead.
  const limited = spawnSync('/bin/sh', ['-c', 'ulimit -f 100; trap "" XFSZ; exec "$0" "$@"', process.execPath, CLI, ...args], {
    cwd: dir,
    env: cleanEnv(),
    encoding: 'utf8',
  });
  assert.is(limited.status, 6, limited.stderr);
  assert.is(
    limited.stderr,
    'vault: "big.yml": no space left while writing; free some space and retry (the file is unchanged); 1 of 2 files were already written with the new keys: run the same command again to finish (it skips them)\n',
  );
  assert.equal(readFileSync(join(dir, 'big.yml')), bigBefore);
  assert.is((await vault(['view', files[0], '--key-file', 'new.key'], dir)).stdout, 'secret: value-0\n');
  const again = await vault(args, dir);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stderr, 'rekeyed 1 file for --new-key-file "new.key" (1 already under the new keys, left as they were); older copies (git history, backups) still open with the old keys\n');
  for (const name of [files[0], 'big.yml']) assert.is((await vault(['view', name, '--key-file', 'new.key'], dir)).code, 0);
  // Neither the old keys nor the new ones open a file of somebody else: still an auth error.
  const stranger = await setup(1);
  const refused = await vault(['rekey', 'f0.yml', '--key-file', join(dir, 'old.key'), '--new-key-file', join(dir, 'new.key')], stranger.dir);
  assert.is(refused.code, 4, refused.stderr);
});

test('usage errors: no new key, standard input', async () => {
  const { dir, files } = await setup(1);
  const none = await vault(['rekey', files[0], '--key-file', 'old.key'], dir);
  assert.is(none.code, 2);
  assert.is(none.stderr, 'vault: give the new key: --new-password-file FILE, --new-key-file FILE or --new-vault-id LABEL@FILE\n');
  const stdin = await vault(['rekey', '-', '--key-file', 'old.key', '--new-key-file', 'new.key'], dir);
  assert.is(stdin.code, 2);
});

test('a file sealed under a repository keyring is refused with the way to change its keys', async () => {
  const repo = tempRepo();
  const pass = writeSecret(join(repo, '..', `rekey-pw-${process.pid}`), 'repo password\n');
  assert.is((await vault(['init', '--password-file', pass, '--work-factor', '10'], repo)).code, 0);
  assert.is((await vault(['keygen', join(repo, '..', `rekey-new-${process.pid}.key`)], repo)).code, 0);
  writeFileSync(join(repo, 'a.yml'), 'a: 1\n');
  assert.is((await vault(['encrypt', 'a.yml', '--keyring', 'default', '--password-file', pass], repo)).code, 0);
  const before = readFileSync(join(repo, 'a.yml'));
  const result = await vault(['rekey', 'a.yml', '--password-file', pass, '--new-key-file', join(repo, '..', `rekey-new-${process.pid}.key`)], repo);
  assert.is(result.code, 2);
  assert.is(result.stderr, 'vault: "a.yml": sealed under keyring "default", whose keys are shared; use "vault keys add" / "vault keys remove" then "vault rotate"\n');
  assert.equal(readFileSync(join(repo, 'a.yml')), before);
});

test('Ansible files stay Ansible on rekey and edit (checked with the real ansible-vault)', async () => {
  if (!hasAnsible) {
    console.log('  (ansible-vault not installed: skipped)');
    return;
  }
  const dir = tempDir();
  writeSecret(join(dir, 'old.pw'), 'old ansible password\n');
  writeSecret(join(dir, 'new.pw'), 'new ansible password\n');
  writeFileSync(join(dir, 'vars.yml'), 'db_password: s3cret\n');
  writeFileSync(join(dir, 'ids.yml'), 'api_key: k3y\n');
  const ansible = (/** @type {string[]} */ args) => spawnSync('ansible-vault', args, { cwd: dir, encoding: 'utf8', env: cleanEnv() });
  assert.is(ansible(['encrypt', '--vault-password-file', 'old.pw', 'vars.yml', 'ids.yml']).status, 0);

  const rekey = await vault(['rekey', 'vars.yml', '--vault-password-file', 'old.pw', '--new-password-file', 'new.pw'], dir);
  assert.is(rekey.code, 0, rekey.stderr);
  assert.ok(readFileSync(join(dir, 'vars.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.1;AES256\n'));
  assert.is(ansible(['view', '--vault-password-file', 'new.pw', 'vars.yml']).stdout, 'db_password: s3cret\n');
  assert.is.not(ansible(['view', '--vault-password-file', 'old.pw', 'vars.yml']).status, 0);

  const labelled = await vault(['rekey', 'ids.yml', '--password-file', 'old.pw', '--new-vault-id', 'prod@new.pw'], dir);
  assert.is(labelled.code, 0, labelled.stderr);
  assert.ok(readFileSync(join(dir, 'ids.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n'));
  assert.is(ansible(['view', '--vault-id', 'prod@new.pw', 'ids.yml']).stdout, 'api_key: k3y\n');

  const ed = editors(dir);
  const edit = await vault(['edit', 'vars.yml', '--password-file', 'new.pw'], dir, { EDITOR: ed.append, APPEND_TEXT: 'db_user: app' });
  assert.is(edit.code, 0, edit.stderr);
  assert.ok(readFileSync(join(dir, 'vars.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.1;AES256\n'));
  assert.is(ansible(['view', '--vault-password-file', 'new.pw', 'vars.yml']).stdout, 'db_password: s3cret\ndb_user: app\n');
  const editLabelled = await vault(['edit', 'ids.yml', '--vault-id', 'prod@new.pw'], dir, { EDITOR: ed.append, APPEND_TEXT: 'api_user: bot' });
  assert.is(editLabelled.code, 0, editLabelled.stderr);
  assert.ok(readFileSync(join(dir, 'ids.yml'), 'utf8').startsWith('$ANSIBLE_VAULT;1.2;AES256;prod\n'));
  assert.is(ansible(['view', '--vault-id', 'prod@new.pw', 'ids.yml']).stdout, 'api_key: k3y\napi_user: bot\n');
});

test('the progress bar is drawn on a terminal and absent on a pipe', async () => {
  const { dir, files } = await setup(5);
  const piped = await vault(['rekey', ...files, '--key-file', 'old.key', '--new-key-file', 'new.key'], dir);
  assert.is(piped.code, 0, piped.stderr);
  assert.not.match(piped.stderr, /\r|\[#/);
  // script(1) gives the command a pseudo-terminal; its output is what the terminal showed.
  const command = [process.execPath, CLI, 'rekey', ...files, '--key-file', 'new.key', '--new-key-file', 'old.key'].map((a) => `'${a}'`).join(' ');
  const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: cleanEnv() });
  assert.is(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /\rrekey \[#+\] 10\/10 f4\.yml\x1b\[K/);
  assert.match(tty.stdout, /\r\x1b\[Krekeyed 5 files/);
  assert.is((await vault(['view', files[0], '--key-file', 'old.key'], dir)).stdout, 'secret: value-0\n');
});

test.run();
