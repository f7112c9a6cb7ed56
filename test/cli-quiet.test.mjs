// -q/--quiet on every command that writes anything but errors to stderr: the same run with and without it has
// the same exit code and the same stdout (minus summaries printed there), and with it stderr is
// empty or holds only the documented safety warnings; errors still print.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { notesStream } from '../dist/commands/options.js';
import { createProgress } from '../dist/fs/progress.js';
import { removeDir, runVault, runVaultBinary, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { editors } from './lifecycle-support.mjs';

/** A repository with keyring "default" opened by a key file kept outside it, and two sealed files. */
async function repoWithFiles() {
  const repo = tempRepo();
  const keys = tempDir('vaultfile-quiet-keys-');
  const key = join(keys, 'ops.key');
  assert.is((await runVault(['keygen', key])).code, 0);
  const init = await runVault(['init', '--key-file', key], { cwd: repo });
  assert.is(init.code, 0, init.stderr);
  mkdirSync(join(repo, 'deploy'), { recursive: true });
  writeFileSync(join(repo, 'deploy/a.yml'), 'a: 1\n');
  writeFileSync(join(repo, 'deploy/b.yml'), 'b: 2\n');
  return { repo, keys, key, cleanup: () => (removeDir(repo), removeDir(keys)) };
}

/**
 * Run ARGS in two fresh fixtures made by PREPARE, once as is and once with -q; return both.
 * @param {(fx: any) => string[]} args
 * @param {(fx: any) => Promise<void>} [prepare]
 * @param {(fx: any) => Record<string, string>} [env]
 */
async function both(args, prepare = async () => {}, env = (/** @type {any} */ _fx) => ({})) {
  const runs = [];
  for (const quiet of [false, true]) {
    const fx = await repoWithFiles();
    await prepare(fx);
    const argv = args(fx);
    runs.push(await runVault(quiet ? [...argv, '-q'] : argv, { cwd: fx.repo, env: env(fx) }));
    fx.cleanup();
  }
  return { loud: runs[0], quiet: runs[1] };
}

/** @param {{code: number | null, stdout: string, stderr: string}} loud @param {{code: number | null, stdout: string, stderr: string}} quiet */
function assertQuiet(loud, quiet, { notesOnStdout = false, loudStderr = true } = {}) {
  assert.is(quiet.code, loud.code, quiet.stderr);
  assert.is(quiet.stderr, '');
  if (loudStderr) assert.ok(loud.stderr.length > 0 || notesOnStdout, 'the run without -q prints notes');
  if (notesOnStdout) {
    assert.ok(loud.stdout.length > 0);
    assert.is(quiet.stdout, '');
  } else {
    assert.is(quiet.stdout, loud.stdout);
  }
}

const encryptBoth = async (/** @type {any} */ fx) => {
  const run = await runVault(['encrypt', '--key-file', fx.key, 'deploy/a.yml', 'deploy/b.yml'], { cwd: fx.repo });
  assert.is(run.code, 0, run.stderr);
};

test('the progress bar of a quiet run draws nothing on a terminal', () => {
  /** @type {string[]} */
  const writes = [];
  const tty = { isTTY: true, columns: 80, write: (/** @type {string} */ text) => writes.push(text) };
  const progress = createProgress(3, 'rotate', notesStream(tty, true));
  for (const name of ['a', 'b', 'c']) progress.tick(name);
  progress.done();
  assert.equal(writes, []);
  assert.is(notesStream(tty, false), tty);
});

test('init -q: no "wrote" lines, no policy listing, same exit code', async () => {
  const runs = [];
  for (const quiet of [false, true]) {
    const repo = tempRepo();
    const keys = tempDir('vaultfile-quiet-keys-');
    await runVault(['keygen', join(keys, 'k.key')]);
    runs.push(await runVault(['init', '--key-file', join(keys, 'k.key'), ...(quiet ? ['-q'] : [])], { cwd: repo }));
    removeDir(repo);
    removeDir(keys);
  }
  assert.match(runs[0].stderr, /keyring "default" created/);
  assertQuiet(runs[0], runs[1]);
});

test('encrypt -q and decrypt -q: same exit code and output', async () => {
  const enc = await both((fx) => ['encrypt', '--key-file', fx.key, 'deploy/a.yml', 'deploy/b.yml']);
  assertQuiet(enc.loud, enc.quiet, { loudStderr: false });
  const dec = await both((fx) => ['decrypt', '--key-file', fx.key, 'deploy/a.yml', 'deploy/b.yml'], encryptBoth);
  assertQuiet(dec.loud, dec.quiet, { loudStderr: false });
  const out = await both((fx) => ['decrypt', '--key-file', fx.key, '-o', '-', 'deploy/a.yml'], encryptBoth);
  assert.is(out.quiet.stdout, 'a: 1\n');
  assertQuiet(out.loud, out.quiet, { loudStderr: false });
});

test('rotate -q: no summary and no reminder note', async () => {
  const { loud, quiet } = await both((fx) => ['rotate', '--key-file', fx.key], encryptBoth);
  assert.match(loud.stderr, /note: rotation protects/);
  assertQuiet(loud, quiet);
});

test('rekey -q: no summary', async () => {
  const { loud, quiet } = await both(
    (fx) => ['rekey', '--key-file', fx.key, '--new-key-file', join(fx.keys, 'new.key'), join(fx.keys, 's.yml')],
    async (fx) => {
      await runVault(['keygen', join(fx.keys, 'new.key')]);
      writeFileSync(join(fx.keys, 's.yml'), 's: 1\n');
      const enc = await runVault(['encrypt', '--key-file', fx.key, 's.yml'], { cwd: fx.keys });
      assert.is(enc.code, 0, enc.stderr);
    },
  );
  assert.match(loud.stderr, /rekeyed 1 file/);
  assertQuiet(loud, quiet);
});

test('migrate -q: no per-file lines and no summary', async () => {
  const { loud, quiet } = await both(
    (fx) => ['migrate', '--key-file', fx.key, '--vault-id', `ops@${join(fx.keys, 'ansible.pw')}`, 'deploy/a.yml'],
    async (fx) => {
      writeFileSync(join(fx.keys, 'ansible.pw'), 'ansible password\n', { mode: 0o600 });
      const enc = await runVault(['encrypt', '--format', 'ansible', '--vault-id', `ops@${join(fx.keys, 'ansible.pw')}`, 'deploy/a.yml'], { cwd: fx.repo });
      assert.is(enc.code, 0, enc.stderr);
    },
  );
  assert.match(loud.stderr, /converted/);
  assertQuiet(loud, quiet);
});

test('keys add -q and keys remove -q: no notes', async () => {
  const add = await both(
    (fx) => ['keys', 'add', '--key-file', fx.key, '--new-key-file', join(fx.keys, 'two.key'), '--label', 'two'],
    async (fx) => void (await runVault(['keygen', join(fx.keys, 'two.key')])),
  );
  assert.match(add.loud.stderr, /added key-file entry "two"/);
  assertQuiet(add.loud, add.quiet);
  const remove = await both(
    (fx) => ['keys', 'remove', '--key-file', fx.key, 'two'],
    async (fx) => {
      await runVault(['keygen', join(fx.keys, 'two.key')]);
      const added = await runVault(['keys', 'add', '--key-file', fx.key, '--new-key-file', join(fx.keys, 'two.key'), '--label', 'two'], { cwd: fx.repo });
      assert.is(added.code, 0, added.stderr);
    },
  );
  assert.match(remove.loud.stderr, /run "vault rotate" now/);
  assertQuiet(remove.loud, remove.quiet);
});

test('keygen -q: no note; --age keeps the recipient on stdout; a key file git would commit is still warned about', async () => {
  const dir = tempDir('vaultfile-quiet-keygen-');
  const loud = await runVault(['keygen', join(dir, 'a.key')]);
  const quiet = await runVault(['keygen', join(dir, 'b.key'), '-q']);
  assertQuiet(loud, quiet);
  const ageLoud = await runVault(['keygen', '--age', join(dir, 'a.age')]);
  const ageQuiet = await runVault(['keygen', '--age', join(dir, 'b.age'), '-q']);
  assert.match(ageQuiet.stdout, /^age1[0-9a-z]+\n$/);
  assert.is(ageQuiet.code, ageLoud.code);
  assert.ok(ageLoud.stderr.length > 0);
  assert.is(ageQuiet.stderr, '');
  removeDir(dir);
  const repo = tempRepo();
  const inside = await runVault(['keygen', 'in.key', '-q'], { cwd: repo });
  assert.is(inside.code, 0);
  assert.match(inside.stderr, /^vault: warning: "in\.key" is inside the git work tree .* not ignored/);
  assert.is(inside.stderr.split('\n').filter(Boolean).length, 1);
  removeDir(repo);
});

test('edit -q and create -q: no "saved" or "created" line', async () => {
  const ed = editors(tempDir('vaultfile-quiet-editors-'));
  const edit = await both((fx) => ['edit', '--key-file', fx.key, 'deploy/a.yml'], encryptBoth, () => ({ EDITOR: ed.append }));
  assert.match(edit.loud.stderr, /saved/);
  assertQuiet(edit.loud, edit.quiet);
  const create = await both((fx) => ['create', '--key-file', fx.key, 'deploy/new.yml'], async () => {}, () => ({ EDITOR: ed.replace, REPLACE_TEXT: 'x: 1\\n' }));
  assert.match(create.loud.stderr, /created/);
  assertQuiet(create.loud, create.quiet);
});

test('git setup -q, lock -q, unlock -q: the summaries on stdout are left out', async () => {
  const setup = await both(() => ['git', 'setup']);
  assertQuiet(setup.loud, setup.quiet, { notesOnStdout: true });
  const lock = await both(() => ['lock']);
  assertQuiet(lock.loud, lock.quiet, { notesOnStdout: true });
  const unlock = await both((fx) => ['unlock', '--key-file', fx.key], async (fx) => void (await runVault(['lock'], { cwd: fx.repo })));
  assert.is(unlock.loud.code, 0, unlock.loud.stderr);
  assertQuiet(unlock.loud, unlock.quiet, { notesOnStdout: true });
});

/**
 * A vars file with a plain value and two inline Ansible values, "A" under vault-id "one" and "B"
 * under "two": opened with "one" only, B is what the commands warn about.
 */
async function inlineVars() {
  const dir = tempDir('vaultfile-quiet-inline-');
  const one = writeSecret(join(dir, 'one.pw'), 'first password\n');
  const two = writeSecret(join(dir, 'two.pw'), 'second password\n');
  const a = await runVault(['encrypt-string', '--vault-id', `one@${one}`, '--stdin-name', 'A'], { input: 'alpha' });
  const b = await runVault(['encrypt-string', '--vault-id', `two@${two}`, '--stdin-name', 'B'], { input: 'beta' });
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  writeFileSync(join(dir, 'vars.yml'), `PLAIN: plain\n${a.stdout}${b.stdout}`);
  return { dir, key: `one@${one}` };
}

/**
 * A command that prints only output and warnings: -q changes nothing, and the warnings stay.
 * @param {{code: number | null, stdout: string, stderr: string}} loud
 * @param {{code: number | null, stdout: string, stderr: string}} quiet
 * @param {RegExp} warning
 */
function assertWarningsStay(loud, quiet, warning) {
  assert.is(quiet.code, loud.code, quiet.stderr);
  assert.is(quiet.stdout, loud.stdout);
  assert.match(loud.stderr, warning);
  assert.is(quiet.stderr, loud.stderr);
}

test('view -q: the plaintext as before; values left encrypted are still warned about', async () => {
  const { dir, key } = await inlineVars();
  const [loud, quiet] = [await runVault(['view', '--vault-id', key, 'vars.yml'], { cwd: dir }), await runVault(['view', '-q', '--vault-id', key, 'vars.yml'], { cwd: dir })];
  assert.is(loud.code, 0, loud.stderr);
  assert.match(quiet.stdout, /^PLAIN: plain\nA: alpha\nB: !vault \|/);
  assertWarningsStay(loud, quiet, /^vault: warning: [^\n]*B[^\n]*; shown still encrypted\n$/);
  removeDir(dir);
});

test('export -q and exec -q: the same variables; a variable left unset (--allow-unresolved) is still warned about', async () => {
  const { dir, key } = await inlineVars();
  const args = ['-f', 'vars.yml', '--vault-id', key, '--allow-unresolved'];
  const exported = [await runVault(['export', ...args], { cwd: dir }), await runVault(['export', ...args, '-q'], { cwd: dir })];
  assert.is(exported[1].code, 0, exported[1].stderr);
  assert.is(exported[1].stdout, "PLAIN='plain'\nA='alpha'\n");
  assertWarningsStay(exported[0], exported[1], /^vault: warning: "vars\.yml": B cannot be opened with the keys given; left unset \(--allow-unresolved\)\n$/);
  const child = ['--', process.execPath, '-e', 'process.stdout.write(JSON.stringify([process.env.A, process.env.B ?? null]))'];
  // The child writes to the real standard output: run the built CLI in its own process.
  const ran = [runVaultBinary(['exec', ...args, ...child], { cwd: dir }), runVaultBinary(['exec', '-q', ...args, ...child], { cwd: dir })];
  assert.is(ran[1].code, 0, ran[1].stderr);
  assert.is(ran[1].stdout, '["alpha",null]');
  assertWarningsStay(ran[0], ran[1], /left unset \(--allow-unresolved\)\n$/);
  removeDir(dir);
});

test('encrypt-string -q: a value typed in the command line is still warned about (a possible leak)', async () => {
  const { dir, key } = await inlineVars();
  const loud = await runVault(['encrypt-string', '--vault-id', key, '-n', 'X', 'value'], { cwd: dir });
  const quiet = await runVault(['encrypt-string', '-q', '--vault-id', key, '-n', 'X', 'value'], { cwd: dir });
  // The salts are random: the blocks differ, their shape does not.
  const shape = (/** @type {string} */ text) => text.replace(/^ {10}[0-9a-f]+$/gm, 'HEX');
  assert.match(quiet.stdout, /^X: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;one\n/);
  assertWarningsStay({ ...loud, stdout: shape(loud.stdout) }, { ...quiet, stdout: shape(quiet.stdout) }, /^vault: note: a value given as an argument is visible in the process list/);
  removeDir(dir);
});

test('status -q and keys list -q: the table, the lines under it and the warnings, as before', async () => {
  const fx = await repoWithFiles();
  await encryptBoth(fx);
  // The temp file of an interrupted write may hold plaintext: a possible leak, so status warns with -q too.
  writeFileSync(join(fx.repo, 'deploy', '.a.yml.vaultfile-1234abcd.tmp'), 'a: 1\n');
  for (const command of [['status'], ['keys', 'list']]) {
    const loud = await runVault(command, { cwd: fx.repo });
    const quiet = await runVault([...command, '-q'], { cwd: fx.repo });
    assert.is(loud.code, 0, loud.stderr);
    assert.is(quiet.code, loud.code, quiet.stderr);
    assert.is(quiet.stdout, loud.stdout);
    assert.is(quiet.stderr, loud.stderr);
    if (command[0] === 'status') {
      assert.match(quiet.stdout, /run "vault git setup"/);
      assert.match(quiet.stderr, /^vault: warning: "deploy\/\.a\.yml\.vaultfile-1234abcd\.tmp" is a temp file left by an interrupted write/);
    } else {
      assert.match(quiet.stdout, /key-file/);
    }
  }
  fx.cleanup();
});

test('every command that writes more than errors to stderr takes -q (the help says so)', async () => {
  for (const command of [['view'], ['export'], ['exec'], ['push'], ['status'], ['encrypt-string'], ['keys', 'list']]) {
    const help = await runVault([...command, '--help']);
    assert.is(help.code, 0, command.join(' '));
    assert.match(help.stdout, /-q, --quiet +print no progress bar or notes/, command.join(' '));
  }
  // The completion scripts are generated from the registered options: they offer the new -q too.
  const fish = await runVault(['completion', 'fish']);
  for (const command of ['view', 'export', 'exec', 'push', 'status', 'encrypt-string', 'list']) {
    assert.match(fish.stdout, new RegExp(`__fish_seen_subcommand_from ${command}' -s q -l quiet`), command);
  }
  const ssmEnv = await runVault(['ssm-env', '-h']);
  assert.match(ssmEnv.stdout, /\n {2}-q, -quiet +print no notes; errors and the -no-fail warnings still print/);
});

test('errors still print with -q, with the same exit code', async () => {
  const { loud, quiet } = await both((fx) => ['rotate', '--key-file', join(fx.keys, 'missing.key')], encryptBoth);
  assert.ok(loud.code !== 0);
  assert.is(quiet.code, loud.code);
  const anyDir = (/** @type {string} */ text) => text.replace(/vaultfile-quiet-keys-\w+/g, 'KEYS');
  assert.is(anyDir(quiet.stderr), anyDir(loud.stderr));
  assert.match(quiet.stderr, /^vault: [^\n]+\n$/);
});

test.run();
