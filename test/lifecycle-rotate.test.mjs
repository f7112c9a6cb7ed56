// End-to-end `vault rotate` (issue 3): a new data key, the keyring written before any file, every
// file re-encrypted; crash injection (SIGKILL at several points over 200 files): every file opens
// with the current keys at every moment, the keyring stays consistent, and a second rotate
// finishes the job. Also: keys remove + rotate locks the removed key out; missing keys are refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, cleanEnv, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { startVault, vault } from './lifecycle-support.mjs';
import { inspectEnvelope, openEnvelope } from '../dist/core/envelope.js';
import { openKeyring, parseKeyring } from '../dist/core/keyring.js';
import { KdfCache } from '../dist/core/kdf.js';

const PASSWORD = 'ops team password';
const COUNT = 200;
const hex = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString('hex');

/** A repository with keyring "default" (fast scrypt) and COUNT files sealed under it. */
async function setup(count = COUNT) {
  const repo = tempRepo();
  const pass = writeSecret(join(repo, '..', `ops-${process.pid}-${Date.now()}.pw`), `${PASSWORD}\n`);
  const init = await vault(['init', '--password-file', pass, '--work-factor', '10'], repo);
  assert.is(init.code, 0, init.stderr);
  mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
  const files = [];
  for (let i = 0; i < count; i++) {
    const name = `deploy/vars/app-${String(i).padStart(3, '0')}.yml`;
    writeFileSync(join(repo, name), `secret_${i}: value-${i}\n`);
    files.push(name);
  }
  if (count > 0) {
    const enc = await vault(['encrypt', ...files, '--password-file', pass], repo);
    assert.is(enc.code, 0, enc.stderr);
  }
  return { repo, pass, files, keyring: join(repo, '.vaultfile/keyrings/default.keyring') };
}

const kdf = new KdfCache();
/** @returns {import('../dist/core/credential.js').Credential} */
const credential = () => ({ kind: 'password', password: new TextEncoder().encode(PASSWORD), origin: 'test' });

/**
 * The state on disk opens: files are read FIRST, then the keyring (so the keyring is at least as
 * new as any file). Every file must decrypt to its original text with the keyring's keys.
 * @param {Awaited<ReturnType<typeof setup>>} s
 */
async function assertAllOpen(s) {
  const contents = s.files.map((name) => readFileSync(join(s.repo, name)));
  const keyring = parseKeyring(readFileSync(s.keyring, 'utf8'), 'keyring');
  const unlocked = await openKeyring(keyring, [credential()], kdf); // checks the keyring MAC too
  const ids = { current: 0, previous: 0 };
  for (const [i, bytes] of contents.entries()) {
    const plaintext = openEnvelope(bytes, unlocked, s.files[i]);
    assert.is(new TextDecoder().decode(plaintext), `secret_${i}: value-${i}\n`);
    if (hex(inspectEnvelope(bytes, s.files[i]).dataKeyId) === hex(keyring.dataKeyId)) ids.current++;
    else ids.previous++;
  }
  return ids;
}

/** @param {Awaited<ReturnType<typeof setup>>} s */
function filesUnderCurrentKey(s) {
  const id = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'keyring').dataKeyId);
  return s.files.filter((name) => hex(inspectEnvelope(readFileSync(join(s.repo, name)), name).dataKeyId) === id).length;
}

test('rotate re-encrypts every file under a new key; old keys stay readable in the keyring', async () => {
  const s = await setup(5);
  const oldId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId);
  const result = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(result.code, 0, result.stderr);
  const keyring = parseKeyring(readFileSync(s.keyring, 'utf8'), 'k');
  assert.is.not(hex(keyring.dataKeyId), oldId);
  assert.equal(keyring.previous.map((p) => hex(p.dataKeyId)), [oldId]);
  assert.match(result.stderr, new RegExp(`^rotated keyring "default" \\(.vaultfile/keyrings/default.keyring\\): new data key ${hex(keyring.dataKeyId).slice(0, 16)}; 5 files re-encrypted\n`));
  assert.match(result.stderr, 'anyone whose key was removed could already read every file up to now');
  assert.match(result.stderr, 'change the secrets themselves upstream');
  // init stored the data key for the git filters: rotate refreshes it and says how to re-stage.
  assert.match(result.stderr, 'renormalize');
  assert.equal(await assertAllOpen(s), { current: 5, previous: 0 });
  assert.not.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')));
});

test('on a terminal rotate draws a progress bar on stderr', async () => {
  const s = await setup(3);
  const command = [process.execPath, CLI, 'rotate', '--password-file', s.pass].map((a) => `'${a}'`).join(' ');
  const tty = spawnSync('script', ['-qec', `stty cols 200; ${command}`, '/dev/null'], { cwd: s.repo, encoding: 'utf8', env: cleanEnv() });
  assert.is(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /\rrotate \[#+\] 3\/3 deploy\/vars\/app-002\.yml\x1b\[K/);
  assert.match(tty.stdout, /\r\x1b\[Krotated keyring "default"/);
});

test('keys remove then rotate: the removed key no longer opens the keyring or the files', async () => {
  const s = await setup(3);
  const alice = join(s.repo, '..', `alice-${process.pid}-${Date.now()}.key`);
  assert.is((await vault(['keygen', alice], s.repo)).code, 0);
  assert.is((await vault(['keys', 'add', '--password-file', s.pass, '--new-key-file', alice, '--label', 'alice'], s.repo)).code, 0);
  assert.is((await vault(['view', s.files[0], '--key-file', alice], s.repo)).stdout, 'secret_0: value-0\n');
  const oldKeyring = readFileSync(s.keyring, 'utf8');
  assert.is((await vault(['keys', 'remove', 'alice', '--password-file', s.pass], s.repo)).code, 0);
  const rotate = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(rotate.code, 0, rotate.stderr);
  assert.ok((await vault(['view', s.files[0], '--key-file', alice], s.repo)).code !== 0);
  // With the OLD keyring (git history) alice can still open the old data key, not the new files.
  writeFileSync(s.keyring, oldKeyring);
  const stale = await vault(['view', s.files[0], '--key-file', alice], s.repo);
  assert.ok(stale.code === 4 || stale.code === 5, stale.stderr);
});

test('entries whose keys are not given are refused, or dropped with --drop-unopened', async () => {
  const s = await setup(2);
  const ci = join(s.repo, '..', `ci-${process.pid}-${Date.now()}.key`);
  assert.is((await vault(['keygen', ci], s.repo)).code, 0);
  assert.is((await vault(['keys', 'add', '--password-file', s.pass, '--new-key-file', ci, '--label', 'ci'], s.repo)).code, 0);
  const before = readFileSync(s.keyring);
  const refused = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(refused.code, 2);
  assert.is(refused.stderr, 'vault: the keys given do not open entries "ci", so they cannot receive the new data key; give their keys too (--key-file, --vault-id LABEL@FILE) or pass --drop-unopened to remove them\n');
  assert.equal(readFileSync(s.keyring), before, 'nothing written');
  const both = await vault(['rotate', '--password-file', s.pass, '--key-file', ci], s.repo);
  assert.is(both.code, 0, both.stderr);
  assert.is((await vault(['view', s.files[1], '--key-file', ci], s.repo)).stdout, 'secret_1: value-1\n');
  const dropped = await vault(['rotate', '--password-file', s.pass, '--drop-unopened'], s.repo);
  assert.is(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stderr, /^removed entry "ci" \(its key was not given\)\n/);
  assert.is(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').entries.length, 1);
  assert.equal(await assertAllOpen(s), { current: 2, previous: 0 });
});

test('usage: outside a repository, unknown keyring', async () => {
  const s = await setup(0);
  const outside = await vault(['rotate', '--password-file', s.pass], join(s.repo, '..'));
  assert.ok(outside.code === 2, outside.stderr);
  const unknown = await vault(['rotate', '--keyring', 'nope', '--password-file', s.pass], s.repo);
  assert.is(unknown.code, 2);
  assert.is(unknown.stderr, 'vault: keyring "nope" does not exist; run "vault keys list" or "vault init --keyring nope"\n');
});

test('a damaged envelope and files of other keyrings are left alone', async () => {
  const s = await setup(3);
  writeFileSync(join(s.repo, 'damaged.yml'), '$VAULTFILE;1;AES256\n!!!!\n');
  assert.is((await vault(['init', '--keyring', 'other', '--password-file', s.pass, '--work-factor', '10'], s.repo)).code, 0);
  writeFileSync(join(s.repo, 'other.yml'), 'x: 1\n');
  assert.is((await vault(['encrypt', 'other.yml', '--keyring', 'other', '--password-file', s.pass], s.repo)).code, 0);
  const other = readFileSync(join(s.repo, 'other.yml'));
  const result = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, 'vault: warning: "damaged.yml" looks like a vault file but its header is damaged; not rotated\n');
  assert.match(result.stderr, '3 files re-encrypted');
  assert.is(readFileSync(join(s.repo, 'damaged.yml'), 'utf8'), '$VAULTFILE;1;AES256\n!!!!\n');
  assert.equal(readFileSync(join(s.repo, 'other.yml')), other);
});

test('a file that cannot be re-encrypted is reported, the marker stays, and a rerun finishes once it is fixed', async () => {
  const s = await setup(3);
  // A file sealed under another repository's keyring that is also called "default": its header
  // names this keyring, but its data key is not in it.
  const stranger = await setup(1);
  const foreign = join(s.repo, 'foreign.yml');
  writeFileSync(foreign, readFileSync(join(stranger.repo, stranger.files[0])));
  const first = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(first.code, 1, first.stderr);
  assert.match(first.stderr, /^vault: .*foreign\.yml.*\n/);
  assert.match(first.stderr, 'vault: 1 of 4 files could not be re-encrypted (see above); fix them and run "vault rotate --keyring default" again to finish\n');
  assert.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')));
  assert.equal(await assertAllOpen(s), { current: 3, previous: 0 });
  const newId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId);
  writeFileSync(foreign, 'now: plaintext\n');
  const second = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`^finished rotating keyring "default" .*: new data key ${newId.slice(0, 16)}; 0 files re-encrypted, 3 already under the new key\n`));
  assert.not.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')));
});

test('temp files left by a killed write are reported (they may hold plaintext), never rotated', async () => {
  const s = await setup(2);
  const leftover = 'deploy/vars/.app-000.yml.vaultfile-0a1b2c3d4e5f.tmp';
  writeFileSync(join(s.repo, leftover), 'secret_0: value-0\n');
  const result = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, `vault: warning: "${leftover}" is a temp file left by an interrupted write and may hold plaintext (from a decrypt); remove it\n`);
  assert.match(result.stderr, '2 files re-encrypted');
  assert.is(readFileSync(join(s.repo, leftover), 'utf8'), 'secret_0: value-0\n', 'reported, not touched');
});

test('status shows each file\'s keyring and key id, and marks files still under an old key after a partial rotation', async () => {
  const s = await setup(5);
  const oldId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId).slice(0, 16);
  await killRotateAt(s, 'rotate:files=2');
  const newId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId).slice(0, 16);
  writeFileSync(join(s.repo, 'deploy/vars/.app-004.yml.vaultfile-00ff00ff00ff.tmp'), 'secret_4: value-4\n');
  const status = await vault(['status'], s.repo);
  assert.is(status.code, 0, status.stderr);
  const lines = status.stdout.split('\n');
  assert.match(lines[0], /^PATH +KEYRING +KEY ID +INDEX +TREE +KEY +FORMAT$/);
  for (const i of [0, 1]) assert.match(status.stdout, new RegExp(`^deploy/vars/app-00${i}\\.yml +default +${newId} +- +encrypted +yes +vaultfile$`, 'm'));
  for (const i of [2, 3, 4]) assert.match(status.stdout, new RegExp(`^deploy/vars/app-00${i}\\.yml +default +${oldId} \\(old\\) +- +encrypted +yes +vaultfile$`, 'm'));
  assert.is(status.stderr, 'vault: warning: "deploy/vars/.app-004.yml.vaultfile-00ff00ff00ff.tmp" is a temp file left by an interrupted write and may hold plaintext (from a decrypt); remove it\n');
  assert.is((await vault(['rotate', '--password-file', s.pass], s.repo)).code, 0);
  assert.not.match((await vault(['status'], s.repo)).stdout, /\(old\)/);
});

test('data keys stored by "vault unlock" for the git filters get the new key', async () => {
  const s = await setup(2);
  const unlock = await vault(['unlock', '--password-file', s.pass], s.repo);
  assert.is(unlock.code, 0, unlock.stderr);
  const { readStoredKeys } = await import('../dist/repo/key-store.js');
  const commonDir = join(s.repo, '.git');
  const before = readStoredKeys(commonDir, 'default');
  assert.ok(before);
  const rotate = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(rotate.code, 0, rotate.stderr);
  const after = readStoredKeys(commonDir, 'default');
  const keyring = parseKeyring(readFileSync(s.keyring, 'utf8'), 'k');
  assert.ok(after);
  assert.is(after.currentId, hex(keyring.dataKeyId));
  assert.ok(after.keys.has(before.currentId), 'the old key is kept for history');
  assert.match(rotate.stderr, 'files under the git filter: run "git add --renormalize ." and commit, so the index holds them under the new key\n');
  assert.is((await vault(['view', s.files[0], '--password-file', s.pass], s.repo)).stdout, 'secret_0: value-0\n');
});

/**
 * Start `vault rotate` in S's repository, halted by the test hook at HALT (none: killed at once),
 * checking while it runs that every file opens; then SIGKILL it there.
 * @param {{repo: string, pass: string, files: string[], keyring: string}} s
 * @param {string | null} halt
 */
async function killRotateAt(s, halt) {
  const run = startVault(['rotate', '--password-file', s.pass], s.repo, {}, halt);
  if (halt) {
    /** @type {string} */
    let stderr = '';
    run.child.stderr?.on('data', (chunk) => (stderr += chunk));
    let exited = false;
    run.done.then(() => (exited = true));
    // Meanwhile, the files and keyring on disk must open at every moment we look.
    while (!stderr.includes(`vault: test hook: halted at ${halt}\n`)) {
      assert.not.ok(exited, `rotate ended before reaching ${halt}`);
      await assertAllOpen(s);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  run.child.kill('SIGKILL');
  const result = await run.done;
  assert.is(result.signal, 'SIGKILL', `killed ${halt ? `at ${halt}` : 'at once'}: ${result.stderr}`);
}

test(`SIGKILL at five points over ${COUNT} files, each from the same fresh state: every file opens, a second rotate finishes`, async () => {
  const base = await setup();
  const k0 = readFileSync(base.keyring, 'utf8');
  const oldId = hex(parseKeyring(k0, 'k').dataKeyId);
  const quarter = COUNT / 4;
  const points = [
    // stage, halt point, files under the new key when killed, does the rerun resume?
    { point: 'at once', halt: null, done: 0, marker: false, keyring: false },
    { point: 'after the marker, before the keyring', halt: 'rotate:marker', done: 0, marker: true, keyring: false },
    { point: 'after the keyring, before any file', halt: 'rotate:keyring', done: 0, marker: true, keyring: true },
    { point: 'after 25% of the files', halt: `rotate:files=${quarter}`, done: quarter, marker: true, keyring: true },
    { point: 'after 75% of the files', halt: `rotate:files=${3 * quarter}`, done: 3 * quarter, marker: true, keyring: true },
  ];
  const seen = [];
  for (const { point, halt, done, marker, keyring } of points) {
    const repo = join(tempDir(), 'repo');
    cpSync(base.repo, repo, { recursive: true });
    const s = { ...base, repo, keyring: join(repo, '.vaultfile/keyrings/default.keyring') };
    const markerFile = join(repo, '.vaultfile/default.rotating');
    await killRotateAt(s, halt);

    // The kill landed where intended: marker, keyring and file counts of that stage.
    const state = await assertAllOpen(s); // every file decrypts; the keyring MAC holds
    const killedKeyring = readFileSync(s.keyring, 'utf8');
    assert.is(existsSync(markerFile), marker, `${point}: marker`);
    assert.is(killedKeyring !== k0, keyring, `${point}: keyring rewritten`);
    // "current": under the keyring's current key (the old one while the keyring is not rewritten).
    assert.equal(state, keyring ? { current: done, previous: COUNT - done } : { current: COUNT, previous: 0 }, point);
    if (marker) assert.match(readFileSync(markerFile, 'utf8'), /^rotation of keyring default to data key [0-9a-f]{32} /);
    if (keyring) assert.equal(parseKeyring(killedKeyring, 'k').previous.map((p) => hex(p.dataKeyId)), [oldId], `${point}: old key kept`);

    const finish = await vault(['rotate', '--password-file', s.pass], repo);
    assert.is(finish.code, 0, finish.stderr);
    const newId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId);
    if (keyring) {
      // The keyring with the new key was written: the rerun RESUMES that rotation, same key.
      assert.is(newId, hex(parseKeyring(killedKeyring, 'k').dataKeyId), `${point}: same key`);
      const rest = COUNT - done;
      assert.match(
        finish.stderr,
        new RegExp(`^finished rotating keyring "default" .*: new data key ${newId.slice(0, 16)}; ${rest} files re-encrypted${done > 0 ? `, ${done} already under the new key` : ''}\n`),
        point,
      );
    } else {
      // Killed before the keyring was written: the new key died with the process and the old keyring is
      // still current, so there is nothing to resume; the rerun rotates afresh (and replaces a marker).
      assert.match(finish.stderr, new RegExp(`^rotated keyring "default" .*: new data key ${newId.slice(0, 16)}; ${COUNT} files re-encrypted\n`), point);
      assert.is.not(newId, oldId);
    }
    assert.equal(await assertAllOpen(s), { current: COUNT, previous: 0 }, `${point}: all under the new key`);
    assert.not.ok(existsSync(markerFile), `${point}: the marker is gone once the rotation is complete`);
    assert.equal(readdirSync(join(repo, 'deploy/vars')).filter((name) => name.startsWith('.')), [], `${point}: no temp or lock file left`);
    seen.push(`${point}: ${keyring ? state.current : 0}/${COUNT} under the new key, then ${keyring ? 'resumed' : 'rotated afresh'}`);
  }
  console.log(`  kill points: ${seen.join('; ')}`);
});

test('a resumed rotation keeps the same new key and skips files already under it', async () => {
  const s = await setup(40);
  await killRotateAt(s, 'rotate:files=5');
  const midId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId);
  assert.is(filesUnderCurrentKey(s), 5);
  const finish = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(finish.code, 0, finish.stderr);
  assert.is(hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId), midId, 'same key: the run was finished, not restarted');
  assert.match(finish.stderr, new RegExp(`^finished rotating keyring "default" .*: new data key ${midId.slice(0, 16)}; 35 files re-encrypted, 5 already under the new key\n`));
  assert.equal(await assertAllOpen(s), { current: 40, previous: 0 });
});

test('an entry removed while a rotation was unfinished knew the new key: the next rotate starts over', async () => {
  const s = await setup(40);
  const bob = join(s.repo, '..', `bob-${process.pid}-${Date.now()}.key`);
  assert.is((await vault(['keygen', bob], s.repo)).code, 0);
  assert.is((await vault(['keys', 'add', '--password-file', s.pass, '--new-key-file', bob, '--label', 'bob'], s.repo)).code, 0);
  const k0 = readFileSync(s.keyring, 'utf8');
  const run = startVault(['rotate', '--password-file', s.pass, '--key-file', bob], s.repo);
  let exited = false;
  run.done.then(() => (exited = true));
  while (!exited && readFileSync(s.keyring, 'utf8') === k0) await new Promise((r) => setTimeout(r, 2));
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.is(killed.signal, 'SIGKILL', 'killed half-way');
  assert.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')), 'the rotation was left unfinished');
  const midId = hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId);
  assert.is((await vault(['keys', 'remove', 'bob', '--password-file', s.pass], s.repo)).code, 0);
  const again = await vault(['rotate', '--password-file', s.pass], s.repo);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stderr, /^rotated keyring "default"/);
  assert.is.not(hex(parseKeyring(readFileSync(s.keyring, 'utf8'), 'k').dataKeyId), midId);
  assert.ok((await vault(['view', s.files[0], '--key-file', bob], s.repo)).code !== 0);
  assert.equal(await assertAllOpen(s), { current: 40, previous: 0 });
});

test.run();
