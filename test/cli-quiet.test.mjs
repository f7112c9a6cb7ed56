// -q/--quiet on every command that prints progress or notes: the same run with and without it has
// the same exit code and the same stdout (minus summaries printed there), and with it stderr is
// empty or holds only the documented safety warnings; errors still print.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { notesStream } from '../dist/commands/options.js';
import { createProgress } from '../dist/fs/progress.js';
import { removeDir, runVault, tempDir, tempRepo } from './helpers.mjs';
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

test('errors still print with -q, with the same exit code', async () => {
  const { loud, quiet } = await both((fx) => ['rotate', '--key-file', join(fx.keys, 'missing.key')], encryptBoth);
  assert.ok(loud.code !== 0);
  assert.is(quiet.code, loud.code);
  const anyDir = (/** @type {string} */ text) => text.replace(/vaultfile-quiet-keys-\w+/g, 'KEYS');
  assert.is(anyDir(quiet.stderr), anyDir(loud.stderr));
  assert.match(quiet.stderr, /^vault: [^\n]+\n$/);
});

test.run();
