// End-to-end `vault edit` with scripted editors (issue 3): bytes, mtime and exit codes after an
// append, a failing editor, no change, signals while the editor is open, invalid YAML/.env, a
// concurrent edit of the same file, and no plaintext left under the temp roots after any of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, cleanEnv, runVault, tempDir, tempRepo, modeOf } from './helpers.mjs';
import { assertNoPlaintextLeft, editors, mtimeOf, script, startVault, vault, waitFor } from './lifecycle-support.mjs';

const SECRET = 'db_password: MARKER-hunter2-7f3a\n';
const MARKER = 'MARKER-hunter2-7f3a';

/** A standalone directory with a key file, scripted editors and `prod.yml` encrypted with the key. */
async function setup(name = 'prod.yml', content = SECRET) {
  const dir = tempDir();
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  const keygen = await vault(['keygen', 'k.key'], dir);
  assert.is(keygen.code, 0, keygen.stderr);
  writeFileSync(join(dir, name), content, { mode: 0o640 });
  const enc = await vault(['encrypt', name, '--key-file', 'k.key'], dir);
  assert.is(enc.code, 0, enc.stderr);
  return { dir, temp, file: join(dir, name), ed: editors(dir), key: ['--key-file', 'k.key'] };
}

/** @param {Awaited<ReturnType<typeof setup>>} s @param {string} name */
async function view(s, name = 'prod.yml') {
  const result = await vault(['view', name, ...s.key], s.dir);
  assert.is(result.code, 0, result.stderr);
  return result.stdout;
}

test('an editor that appends a line: the file is re-encrypted, mode kept, no plaintext left', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { VAULTFILE_EDITOR: s.ed.append, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '"prod.yml": saved\n');
  assert.is(result.stdout, '');
  const after = readFileSync(s.file);
  assert.not.equal(after, before);
  assert.ok(after.toString().startsWith('$VAULTFILE;1;AES256\n'));
  assert.not.ok(after.includes(MARKER));
  assert.is(modeOf(s.file), 0o640);
  assert.is(await view(s), `${SECRET}added: line\n`);
  assert.equal(readdirSync(s.dir).sort(), ['append.sh', 'fail.sh', 'gated.sh', 'k.key', 'noop.sh', 'prod.yml', 'replace.sh', 'sleep.sh', 'tmp']);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('an editor that exits 1: nothing written (same bytes, same mtime), exit 1', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const mtime = mtimeOf(s.file);
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.fail, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 1);
  assert.is(result.stderr, 'vault: the editor exited with code 1; "prod.yml" was left as it was\n');
  assert.equal(readFileSync(s.file), before);
  assert.is(mtimeOf(s.file), mtime);
  assertNoPlaintextLeft(s.temp, MARKER);
  assertNoPlaintextLeft(s.temp, 'lost: edit');
});

test('an editor that changes nothing (even if it touches the copy): nothing written, exit 0', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const mtime = mtimeOf(s.file);
  /** @type {Record<string, string>[]} */
  const envs = [{ VISUAL: s.ed.noop }, { EDITOR: 'true' }];
  for (const env of envs) {
    const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { ...env, VAULTFILE_TMPDIR: s.temp });
    assert.is(result.code, 0, result.stderr);
    // Back within a second unchanged: the editor may not have waited (a forking GUI editor).
    const editor = env.VISUAL ?? env.EDITOR;
    const variable = env.VISUAL ? 'VISUAL' : 'EDITOR';
    assert.is(
      result.stderr,
      `vault: warning: the editor ${JSON.stringify(editor)} returned within a second without a change; it may not have waited for you (give it its wait option in ${variable}, such as "code --wait" or "subl -w")\n` +
        '"prod.yml": no changes; the file was left as it was\n',
    );
    assert.equal(readFileSync(s.file), before);
    assert.is(mtimeOf(s.file), mtime);
  }
  assertNoPlaintextLeft(s.temp, MARKER);
});

for (const [signal, code] of /** @type {const} */ ([['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]])) {
  test(`${signal} to vault while the editor sleeps: copy removed, editor stopped, exit ${code}`, async () => {
    const s = await setup();
    const before = readFileSync(s.file);
    const log = join(s.dir, 'editor.log');
    const run = startVault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
    await waitFor(() => existsSync(log), 'the editor to start');
    const [dirLine, fileLine, pidLine] = readFileSync(log, 'utf8').trim().split('\n');
    // While the editor runs: a 0700 directory under the temp root, a 0600 copy named like the original.
    assert.match(dirLine, new RegExp(`^700 ${s.temp}/vaultfile-edit-${run.child.pid}-\\w+$`));
    const copy = fileLine.split(' ')[1];
    assert.is(fileLine, `600 ${copy}`);
    assert.ok(copy.endsWith('/prod.yml'));
    assert.is(readFileSync(copy, 'utf8'), SECRET);
    run.child.kill(signal);
    const result = await run.done;
    assert.is(result.code, code, result.stderr);
    assert.match(result.stderr, `vault: interrupted (${signal}); the temporary plaintext was removed, nothing was written`);
    assert.equal(readFileSync(s.file), before);
    assert.not.ok(existsSync(copy));
    const editorPid = Number(pidLine.split(' ')[1]);
    await waitFor(() => {
      try {
        process.kill(editorPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 'the editor to stop');
    assertNoPlaintextLeft(s.temp, MARKER);
  });
}

test('without VAULTFILE_TMPDIR the copy lives in /dev/shm and is gone afterwards', async () => {
  const s = await setup();
  const log = join(s.dir, 'editor.log');
  const run = startVault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log });
  await waitFor(() => existsSync(log), 'the editor to start');
  const dir = readFileSync(log, 'utf8').split('\n')[0].split(' ')[1];
  assert.ok(dir.startsWith(`/dev/shm/vaultfile-edit-${run.child.pid}-`), dir);
  run.child.kill('SIGTERM');
  assert.is((await run.done).code, 143);
  assert.not.ok(existsSync(dir));
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('an editor command with arguments and spaces is split like a shell, spawned without one', async () => {
  const s = await setup();
  const spaced = join(s.dir, 'my editors');
  mkdirSync(spaced);
  writeFileSync(join(spaced, 'ed'), '#!/bin/sh\nprintf "args: %s\\n" "$*" >> "$3"\n', { mode: 0o755 });
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: `"${spaced}/ed" --wait '$HOME;x'`, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.match(await view(s), /^db_password: MARKER-hunter2-7f3a\nargs: --wait \$HOME;x \/.*\/prod\.yml\n$/);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('a missing editor: usage error naming the variable, nothing written', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: '/nonexistent/ed', VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 2);
  assert.is(result.stderr, 'vault: editor "/nonexistent/ed" from EDITOR not found; set VAULTFILE_EDITOR or EDITOR to an installed editor\n');
  assert.equal(readFileSync(s.file), before);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('YAML that no longer parses: located, refused without a TTY, nothing written', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, {
    EDITOR: s.ed.append, APPEND_TEXT: '  nested: [unclosed', VAULTFILE_TMPDIR: s.temp,
  });
  assert.is(result.code, 1);
  assert.match(result.stderr, /^vault: "prod\.yml": YAML error at line 1, column \d+: [a-z ]+; nothing was written/);
  assert.not.match(result.stderr, /hunter2|unclosed/);
  assert.equal(readFileSync(s.file), before);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('a .env that no longer parses: line and column, nothing written', async () => {
  const s = await setup('.env.production', `DB_PASSWORD=${MARKER}\n`);
  const before = readFileSync(s.file);
  const result = await vault(['edit', '.env.production', ...s.key], s.dir, {
    EDITOR: s.ed.append, APPEND_TEXT: 'API_KEY="unterminated', VAULTFILE_TMPDIR: s.temp,
  });
  assert.is(result.code, 1);
  assert.is(result.stderr, 'vault: ".env.production": dotenv error at line 2, column 9: unterminated " quoted value; nothing was written (fix it in the editor, or check the file\'s syntax)\n');
  assert.equal(readFileSync(s.file), before);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('a YAML file that did not parse before the edit is not blocked', async () => {
  const s = await setup('broken.yml', `a: [${MARKER}\n`);
  const result = await vault(['edit', 'broken.yml', ...s.key], s.dir, { EDITOR: s.ed.append, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.is(await view(s, 'broken.yml'), `a: [${MARKER}\nadded: line\n`);
});

test('a wrong key or a plaintext file: refused before any editor starts', async () => {
  const s = await setup();
  const log = join(s.dir, 'editor.log');
  await vault(['keygen', 'other.key'], s.dir);
  const wrong = await vault(['edit', 'prod.yml', '--key-file', 'other.key'], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
  assert.ok(wrong.code === 4 || wrong.code === 5, wrong.stderr);
  writeFileSync(join(s.dir, 'plain.yml'), 'a: 1\n');
  const plain = await vault(['edit', 'plain.yml', ...s.key], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
  assert.is(plain.code, 3, plain.stderr);
  const missing = await vault(['edit', 'missing.yml', ...s.key], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
  assert.is(missing.code, 6, missing.stderr);
  assert.not.ok(existsSync(log), 'the editor never started');
  assert.equal(readdirSync(s.temp), []);
});

test('a read-only file is refused before the editor opens, so no edit is typed in vain', async () => {
  const s = await setup();
  chmodSync(s.file, 0o444);
  const log = join(s.dir, 'editor.log');
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 6);
  assert.is(result.stderr, 'vault: "prod.yml": is read-only; make it writable (chmod u+w) and retry\n');
  assert.not.ok(existsSync(log));
});

test('editing through a symlink replaces the target and keeps the link', async () => {
  const s = await setup();
  symlinkSync('prod.yml', join(s.dir, 'link.yml'));
  const result = await vault(['edit', 'link.yml', ...s.key], s.dir, { EDITOR: s.ed.append, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.ok(lstatSync(join(s.dir, 'link.yml')).isSymbolicLink());
  assert.is(await view(s), `${SECRET}added: line\n`);
});

test('leftovers of a killed run are reported at the start of the next edit', async () => {
  const s = await setup();
  const leftover = join(s.temp, 'vaultfile-edit-999999999-abc123');
  mkdirSync(leftover, { mode: 0o700 });
  writeFileSync(join(leftover, 'prod.yml'), 'old plaintext');
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: 'true', VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.is(
    result.stderr,
    `vault: warning: ${JSON.stringify(leftover)} holds plaintext left by an interrupted edit; read what you need, then remove it\n` +
      'vault: warning: the editor "true" returned within a second without a change; it may not have waited for you (give it its wait option in EDITOR, such as "code --wait" or "subl -w")\n' +
      '"prod.yml": no changes; the file was left as it was\n',
  );
  assert.ok(existsSync(leftover), 'reported, not deleted behind the user\'s back');
});

test('two concurrent edits of one file: the first wins, the second is kept encrypted in a side file', async () => {
  const s = await setup();
  const env = (/** @type {string} */ who) => ({
    EDITOR: s.ed.gated, APPEND_TEXT: `by: ${who}`, EDITOR_LOG: join(s.dir, `${who}.log`), EDITOR_GO: join(s.dir, `${who}.go`), VAULTFILE_TMPDIR: s.temp,
  });
  const alice = startVault(['edit', 'prod.yml', ...s.key], s.dir, env('alice'));
  const bob = startVault(['edit', 'prod.yml', ...s.key], s.dir, env('bob'));
  await waitFor(() => existsSync(join(s.dir, 'alice.log')) && existsSync(join(s.dir, 'bob.log')), 'both editors');
  writeFileSync(join(s.dir, 'alice.go'), '');
  const first = await alice.done;
  assert.is(first.code, 0, first.stderr);
  writeFileSync(join(s.dir, 'bob.go'), '');
  const second = await bob.done;
  assert.is(second.code, 6, second.stderr);
  const side = readdirSync(s.dir).filter((name) => name.startsWith('prod.yml.vault-conflict-'));
  assert.is(side.length, 1);
  assert.match(side[0], /^prod\.yml\.vault-conflict-\d{8}T\d{6}Z$/);
  assert.is(
    second.stderr,
    `vault: "prod.yml" changed on disk while the editor was open; it was not overwritten. your edit is saved encrypted in "prod.yml.vault-conflict-${side[0].slice(-16)}": compare with "vault view", merge, then remove it\n`,
  );
  assert.is(modeOf(join(s.dir, side[0])), 0o600);
  assert.ok(readFileSync(join(s.dir, side[0]), 'utf8').startsWith('$VAULTFILE;1;AES256\n'), 'the side file is encrypted');
  assert.is(await view(s), `${SECRET}by: alice\n`);
  assert.is(await view(s, side[0]), `${SECRET}by: bob\n`);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('two edits released at the same instant, 10 times: always exactly one saved, the other kept in a side file', async () => {
  const s = await setup();
  const rounds = 10;
  for (let round = 0; round < rounds; round++) {
    const go = join(s.dir, `go-${round}`);
    const env = (/** @type {string} */ who) => ({
      EDITOR: s.ed.gated, APPEND_TEXT: `${who}_${round}: edited`, EDITOR_LOG: join(s.dir, `${who}-${round}.log`), EDITOR_GO: go, VAULTFILE_TMPDIR: s.temp,
    });
    const before = await view(s);
    const runs = ['alice', 'bob'].map((who) => ({ who, run: startVault(['edit', 'prod.yml', ...s.key], s.dir, env(who)) }));
    try {
      await waitFor(() => runs.every(({ who }) => existsSync(join(s.dir, `${who}-${round}.log`))), 'both editors');
    } catch (error) {
      writeFileSync(go, ''); // a failed start must not leave the other editor gated forever
      const ended = await Promise.all(runs.map(({ run }) => run.done));
      throw new Error(`round ${round}: ${error}: ${JSON.stringify(ended.map((r) => [r.code, r.signal, r.stderr]))}`);
    }
    writeFileSync(go, ''); // both gated editors see it within one poll and exit together
    const results = await Promise.all(runs.map(async ({ who, run }) => ({ who, ...(await run.done) })));
    const saved = results.filter((r) => r.code === 0);
    const kept = results.filter((r) => r.code === 6);
    assert.is(saved.length, 1, `round ${round}: exactly one saved: ${JSON.stringify(results.map((r) => [r.code, r.stderr]))}`);
    assert.is(kept.length, 1, `round ${round}: the other is kept`);
    assert.is(saved[0].stderr, '"prod.yml": saved\n');
    const side = /your edit is saved encrypted in "(prod\.yml\.vault-conflict-[0-9TZ-]+)"/.exec(kept[0].stderr)?.[1];
    assert.ok(side, kept[0].stderr);
    assert.is(await view(s), `${before}${saved[0].who}_${round}: edited\n`, `round ${round}: the winner's edit is in the file`);
    assert.is(await view(s, side), `${before}${kept[0].who}_${round}: edited\n`, `round ${round}: the other edit is in the side file`);
    rmSync(join(s.dir, side));
  }
  assert.equal(readdirSync(s.dir).filter((name) => name.includes('vaultfile') || name.startsWith('.')), [], 'no lock or temp file left');
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('the per-file lock: a dead owner\'s lock is taken over, a live one is waited for; none is left', async () => {
  const s = await setup();
  const lock = join(s.dir, '.prod.yml.vaultfile-lock');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(lock, `${dead} ${hostname()}\n`);
  const stale = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.append, VAULTFILE_TMPDIR: s.temp });
  assert.is(stale.code, 0, stale.stderr);
  assert.is(stale.stderr, '"prod.yml": saved\n');
  assert.not.ok(existsSync(lock), 'the stale lock was taken over and removed');
  // A lock held by a live process (this one): the save waits until it goes.
  writeFileSync(lock, `${process.pid} ${hostname()}\n`);
  const run = startVault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: s.ed.append, APPEND_TEXT: 'more: line', VAULTFILE_TMPDIR: s.temp });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.ok(existsSync(lock), 'still waiting');
  rmSync(lock);
  const waited = await run.done;
  assert.is(waited.code, 0, waited.stderr);
  assert.is(await view(s), `${SECRET}added: line\nmore: line\n`);
  assert.equal(readdirSync(s.dir).filter((name) => name.startsWith('.')), []);
});

/**
 * Run vault under script(1), which gives it a pseudo-terminal; ANSWER is typed after DELAY ms.
 * @param {string} dir @param {string} command @param {string} answer
 */
function onTerminal(dir, command, answer, delay = 2500) {
  return spawnSync('/bin/sh', ['-c', `(sleep ${delay / 1000}; printf '${answer}') | script -qec "stty cols 400; $0" /dev/null`, command], {
    cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 60000,
  });
}

test('on a terminal, YAML that no longer parses offers to re-open the editor on the edited copy', async () => {
  const s = await setup();
  // First run breaks the YAML; the second sees the broken copy (the edit is not lost) and fixes it.
  const flip = script(join(s.dir, 'flip.sh'), [
    'for f; do :; done',
    'if grep -q "nested" "$f"; then grep -v nested "$f" > "$f.new"; echo "fixed: yes" >> "$f.new"; cat "$f.new" > "$f"; rm "$f.new";',
    'else echo "  nested: [" >> "$f"; fi',
  ].join('\n'));
  const command = `VAULTFILE_TMPDIR='${s.temp}' EDITOR='${flip}' '${process.execPath}' '${CLI}' edit prod.yml --key-file k.key`;
  const yes = onTerminal(s.dir, command, 'y\r');
  assert.match(yes.stdout, /"prod\.yml": YAML error at line 1, column \d+: [a-z ]+\. open the editor again\?/);
  assert.match(yes.stdout, '"prod.yml": saved');
  assert.is(await view(s), `${SECRET}fixed: yes\n`);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('on a terminal, an edit that cannot be sealed (inline !vault values) re-opens the editor too', async () => {
  // An extensionless Ansible vars file: nothing checks its syntax before sealing, so the YAML
  // error comes from sealing the inline values again; the edit must not be lost to it.
  const dir = tempDir();
  writeFileSync(join(dir, 'pw'), 'inline edit password\n', { mode: 0o600 });
  const made = await runVault(['encrypt-string', '--vault-id', 'pw', '--stdin-name', 'db'], { cwd: dir, input: MARKER });
  assert.is(made.code, 0, made.stderr);
  writeFileSync(join(dir, 'vars'), `${made.stdout}plain: 1\n`);
  const flip = script(join(dir, 'flip.sh'), [
    'for f; do :; done',
    'if grep -q "nested" "$f"; then grep -v nested "$f" > "$f.new"; echo "fixed: yes" >> "$f.new"; cat "$f.new" > "$f"; rm "$f.new";',
    'else echo "  nested: [" >> "$f"; fi',
  ].join('\n'));
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  const command = `VAULTFILE_TMPDIR='${temp}' EDITOR='${flip}' '${process.execPath}' '${CLI}' edit vars --vault-id pw`;
  const yes = onTerminal(dir, command, 'y\r');
  assert.match(yes.stdout, /YAML does not parse \(line \d+, column \d+\)[^\n]*open the editor again\?/);
  assert.match(yes.stdout, '"vars": saved');
  assert.is((await vault(['view', 'vars', '--vault-id', 'pw'], dir)).stdout, `db: ${MARKER}\nplain: 1\nfixed: yes\n`);
  assert.not.match(readFileSync(join(dir, 'vars'), 'utf8'), MARKER);
  assertNoPlaintextLeft(temp, MARKER);
});

test('on a terminal, declining to re-open writes nothing', async () => {
  const s = await setup();
  const before = readFileSync(s.file);
  const command = `VAULTFILE_TMPDIR='${s.temp}' APPEND_TEXT='  nested: [' EDITOR='${s.ed.append}' '${process.execPath}' '${CLI}' edit prod.yml --key-file k.key`;
  const no = onTerminal(s.dir, command, 'n\r');
  assert.match(no.stdout, 'open the editor again?');
  assert.match(no.stdout, /nothing was written/);
  assert.equal(readFileSync(s.file), before);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('Ctrl-C on a terminal while the editor is open: one line, exit 130, no plaintext left (5 runs)', async () => {
  if (spawnSync('script', ['--version']).status !== 0) {
    console.log('  SKIPPED: script(1) is not installed, so no terminal can be simulated');
    return;
  }
  const s = await setup();
  const before = readFileSync(s.file);
  for (let run = 0; run < 5; run++) {
    const log = join(s.dir, `editor-${run}.log`);
    // `exec`: a shell left waiting between script and vault (dash) would die of the same Ctrl-C.
    const line = `exec '${process.execPath}' '${CLI}' edit prod.yml --key-file k.key`;
    const env = cleanEnv({ EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp });
    const result = await new Promise((resolve) => {
      const pty = spawn('script', ['-qfec', line, '/dev/null'], { cwd: s.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      pty.stdout.on('data', (chunk) => (out += chunk));
      const timer = setTimeout(() => pty.kill('SIGKILL'), 20000);
      const poll = setInterval(() => {
        if (!existsSync(log)) return;
        clearInterval(poll);
        pty.stdin.write('\x03'); // the line discipline signals the foreground group: vault and the editor
      }, 10);
      pty.on('close', (code) => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve({ code, out });
      });
    });
    const { code, out } = /** @type {{ code: number, out: string }} */ (result);
    assert.is(out.replace(/^\^C/, ''), 'vault: interrupted (SIGINT); the temporary plaintext was removed, nothing was written\r\n', `run ${run}`);
    assert.is(code, 130);
  }
  assert.equal(readFileSync(s.file), before);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('a plaintext file under the git filter: edit says the filter decrypted it and it can be edited directly', async () => {
  const repo = tempRepo();
  const pass = join(repo, '..', `pw-${process.pid}-${Date.now()}`);
  writeFileSync(pass, 'filter password\n', { mode: 0o600 });
  assert.is((await vault(['init', '--password-file', pass, '--work-factor', '10'], repo)).code, 0);
  const setupResult = await vault(['git', 'setup'], repo);
  assert.is(setupResult.code, 0, setupResult.stderr);
  mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
  writeFileSync(join(repo, 'deploy/vars/prod.yml'), SECRET);
  const result = await vault(['edit', 'vars/prod.yml', '--password-file', pass], join(repo, 'deploy'), { EDITOR: 'true' });
  assert.is(result.code, 2, result.stderr);
  assert.is(
    result.stderr,
    'vault: "vars/prod.yml" is plaintext in the work tree: the git filter (filter=vault) decrypted it on checkout; edit it directly with any editor, and "git add" encrypts it\n',
  );
  // Outside the filter a plaintext file still gets the usual advice.
  writeFileSync(join(repo, 'notes.txt'), 'plain\n');
  const plain = await vault(['edit', 'notes.txt', '--password-file', pass], repo, { EDITOR: 'true' });
  assert.is(plain.code, 3);
  assert.is(plain.stderr, 'vault: "notes.txt": not a vault file; encrypt it first with "vault encrypt"\n');
});

test('temp files left beside the file by an interrupted write are reported when the edit starts', async () => {
  const s = await setup();
  const leftover = join(s.dir, '.prod.yml.vaultfile-a1b2c3d4e5f6.tmp');
  writeFileSync(leftover, SECRET);
  const result = await vault(['edit', 'prod.yml', ...s.key], s.dir, { EDITOR: 'true', VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.is(
    result.stderr,
    'vault: warning: ".prod.yml.vaultfile-a1b2c3d4e5f6.tmp" is a temp file left by an interrupted write and may hold plaintext (from a decrypt); remove it\n' +
      'vault: warning: the editor "true" returned within a second without a change; it may not have waited for you (give it its wait option in EDITOR, such as "code --wait" or "subl -w")\n' +
      '"prod.yml": no changes; the file was left as it was\n',
  );
  assert.ok(existsSync(leftover), 'reported, not removed');
});

test.run();
