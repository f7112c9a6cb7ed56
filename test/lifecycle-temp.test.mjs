// Private temporary copies for edit/create (src/fs/private-temp.ts): 0700 dir, 0600 file named
// after the original, removed on every exit path, leftovers of dead runs reported.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir, removeDir, modeOf, testContext } from './helpers.mjs';
import {
  TEMP_PREFIX,
  chooseTempBase,
  createPrivateTemp,
  findLeftovers,
  reportLeftovers,
  tempBases,
  withPrivateTemp,
} from '../dist/fs/private-temp.js';

const DIST = join(ROOT, 'dist');

/** A run's context whose environment is ENV (signals only the test emits). @param {Record<string, string>} env */
const hostWith = (env) => testContext({ env });

test('the copy is a 0600 file named after the original in a 0700 directory', () => {
  const base = tempDir();
  const temp = createPrivateTemp('deploy/vars/prod.yml', new TextEncoder().encode('token: s3cret\n'), hostWith({ VAULTFILE_TMPDIR: base }));
  try {
    assert.is(temp.file, join(temp.dir, 'prod.yml'));
    assert.ok(temp.dir.startsWith(join(base, `${TEMP_PREFIX}${process.pid}-`)));
    assert.is(modeOf(temp.dir), 0o700);
    assert.is(modeOf(temp.file), 0o600);
    assert.is(readFileSync(temp.file, 'utf8'), 'token: s3cret\n');
  } finally {
    temp.remove();
    temp.remove(); // idempotent
  }
  assert.not.ok(existsSync(temp.dir));
  removeDir(base);
});

test('without VAULTFILE_TMPDIR the copy goes to /dev/shm when usable', () => {
  assert.equal(tempBases({}).slice(0, 1), ['/dev/shm']);
  const base = chooseTempBase({});
  assert.is(base, existsSync('/dev/shm') ? '/dev/shm' : base);
});

test('a VAULTFILE_TMPDIR that is not a writable directory is refused', () => {
  const dir = tempDir();
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  assert.throws(() => chooseTempBase({ VAULTFILE_TMPDIR: file }), /VAULTFILE_TMPDIR ".*plain-file" is not a writable directory/);
  assert.throws(() => chooseTempBase({ VAULTFILE_TMPDIR: join(dir, 'missing') }), /not a writable directory/);
  removeDir(dir);
});

test('odd original names cannot escape the directory', () => {
  const base = tempDir();
  for (const name of ['..', '/', '']) {
    const temp = createPrivateTemp(name, new Uint8Array(0), hostWith({ VAULTFILE_TMPDIR: base }));
    assert.is(temp.file, join(temp.dir, 'secret'));
    temp.remove();
  }
  assert.equal(readdirSync(base), []);
  removeDir(base);
});

test('withPrivateTemp removes the directory after success and after a throw', async () => {
  const base = tempDir();
  const env = hostWith({ VAULTFILE_TMPDIR: base });
  const seen = await withPrivateTemp('a.env', new Uint8Array([65]), async (temp) => temp.dir, env);
  assert.not.ok(existsSync(seen));
  let dir = '';
  try {
    await withPrivateTemp('a.env', new Uint8Array([65]), async (temp) => {
      dir = temp.dir;
      throw new Error('boom');
    }, env);
    assert.unreachable();
  } catch (error) {
    assert.is(/** @type {Error} */ (error).message, 'boom');
  }
  assert.not.ok(existsSync(dir));
  assert.equal(readdirSync(base), []);
  removeDir(base);
});

test('a failed write removes the directory and names the fix', () => {
  const base = tempDir();
  const env = hostWith({ VAULTFILE_TMPDIR: base });
  // A name longer than NAME_MAX makes open() fail with ENAMETOOLONG after the dir exists.
  assert.throws(() => createPrivateTemp('x'.repeat(300), new Uint8Array([1]), env), (/** @type {Error} */ error) =>
    /cannot write the temporary copy in ".*": ENAMETOOLONG; free space or set VAULTFILE_TMPDIR/.test(error.message),
  );
  assert.equal(readdirSync(base), []);
  removeDir(base);
});

/**
 * Start a child that creates a private copy, prints its dir and waits; returns the child and dir.
 * @param {string} base
 * @param {string} [extra]
 */
function holder(base, extra = '') {
  const script = `
    import { createPrivateTemp } from ${JSON.stringify(join(DIST, 'fs', 'private-temp.js'))};
    import { openContext } from ${JSON.stringify(join(DIST, 'context.js'))};
    import { processHost } from ${JSON.stringify(join(DIST, 'bin', 'process-host.js'))};
    // As the executables do: the run's cleanups also run when the process exits.
    const { context, close } = openContext(processHost());
    process.once('exit', close);
    const temp = createPrivateTemp('prod.yml', new TextEncoder().encode('password: hunter2\\n'), context);
    temp.onInterrupt((signal) => process.stdout.write('hook ' + signal + '\\n'));
    ${extra}
    process.stdout.write(temp.dir + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, VAULTFILE_TMPDIR: base },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** @type {Promise<{dir: string, code: number | null, stdout: string, stderr: string}>} */
  const done = new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ dir: stdout.split('\n').find((l) => l.startsWith('/')) ?? '', code, stdout, stderr }));
  });
  /** @type {Promise<string>} */
  const ready = new Promise((resolve) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('/'));
      if (line) resolve(line);
    });
  });
  return { child, done, ready };
}

for (const [signal, code] of /** @type {const} */ ([['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]])) {
  test(`${signal} removes the directory and exits ${code}`, async () => {
    const base = tempDir();
    const { child, done, ready } = holder(base);
    const dir = await ready;
    assert.ok(existsSync(join(dir, 'prod.yml')));
    child.kill(signal);
    const result = await done;
    assert.is(result.code, code);
    assert.match(result.stdout, `hook ${signal}`);
    assert.match(result.stderr, `vault: interrupted (${signal}); the temporary plaintext was removed, nothing was written`);
    assert.not.ok(existsSync(dir));
    assert.equal(readdirSync(base), []);
    removeDir(base);
  });
}

test('process.exit without remove() still removes the directory', async () => {
  const base = tempDir();
  const { done } = holder(base, 'setTimeout(() => process.exit(3), 50);');
  const result = await done;
  assert.is(result.code, 3);
  assert.equal(readdirSync(base), []);
  removeDir(base);
});

test('SIGKILL leaves a directory that the next run reports; live ones are not reported', async () => {
  const base = tempDir();
  const env = { VAULTFILE_TMPDIR: base };
  const first = holder(base);
  const dir = await first.ready;
  // While the owner runs, its directory is not a leftover (a concurrent edit).
  assert.equal(findLeftovers(env).filter((p) => p.startsWith(base)), []);
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(existsSync(dir));
  assert.equal(findLeftovers(env).filter((p) => p.startsWith(base)), [dir]);
  /** @type {string[]} */
  const lines = [];
  reportLeftovers(env, /** @type {any} */ ({ write: (/** @type {string} */ text) => lines.push(text) }));
  assert.ok(lines.some((line) => line === `vault: warning: ${JSON.stringify(dir)} holds plaintext left by an interrupted edit; read what you need, then remove it\n`));
  // Files with the prefix that are not directories, or names without a pid, are ignored.
  writeFileSync(join(base, `${TEMP_PREFIX}1-file`), '');
  mkdirSync(join(base, `${TEMP_PREFIX}nopid`));
  assert.equal(findLeftovers(env).filter((p) => p.startsWith(base)), [dir]);
  removeDir(base);
});

test('a missing base directory is skipped when looking for leftovers', () => {
  assert.equal(findLeftovers({ VAULTFILE_TMPDIR: '/nonexistent/vaultfile' }).filter((p) => p.startsWith('/nonexistent')), []);
});

test.run();
