// The single executable (`npm run build:binary`): it runs without node or node_modules beside it,
// does the tour (encrypt, view, exec), is the git filter `vault git setup` writes when run from
// it, and dispatches on the name it was started under. Built here when missing or older than src/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BINARY, buildBinary } from '../scripts/build-binary.mjs';
import { ROOT, cleanEnv, git, removeDir, tempDir } from './helpers.mjs';
import { repositoryTour, runner, standaloneTour } from './dist-support.mjs';


/** Newest modification time under DIR. @param {string} dir @returns {number} */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < newest(join(ROOT, 'src'))) {
  console.log(`building ${BINARY} (missing or older than src/)`);
  await buildBinary();
}

// A copy in a directory of its own, away from the source tree and node_modules: the binary is the product.
const home = tempDir('vaultfile-bin-');
const program = join(home, 'vault');
copyFileSync(BINARY, program);
/** @type {Record<string, string>} */
const ENV = {};

test.after(() => removeDir(home));

test('the binary prints its version and runs encrypt, view and exec', () => {
  const vault = runner(program, ENV);
  assert.match(vault(home, ['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  removeDir(standaloneTour(vault));
});

/**
 * The scripts V8 compiled in one run of the binary, as NODE_V8_COVERAGE (which the single
 * executable honours) records them at exit: no hook in the program.
 * @param {string[]} args @param {string} [name] the binary's name
 */
function compiledScripts(args, name = program) {
  const dir = tempDir('vaultfile-v8cov-');
  try {
    const result = spawnSync(name, args, { cwd: home, env: cleanEnv({ ...ENV, NODE_V8_COVERAGE: dir }), encoding: 'utf8' });
    const urls = readdirSync(dir).flatMap((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')).result.map((/** @type {{url: string}} */ script) => script.url));
    return { result, urls: urls.filter((url) => !url.startsWith('node:')) };
  } finally {
    removeDir(dir);
  }
}

test('--version of the binary answers from the launcher: the program asset is not compiled', () => {
  for (const flag of ['--version', '-V']) {
    const { result, urls } = compiledScripts([flag]);
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.is(result.stderr, '');
    assert.is(urls.length, 1, urls.join(' '));
    assert.match(urls[0], /launcher\.cjs$/);
  }
  // Any other command runs the program from its asset, with the code cache made at build time
  // (V8 names the script as the cache was made: program.js).
  const help = compiledScripts(['--help']);
  assert.is(help.result.status, 0, help.result.stderr);
  assert.ok(help.urls.includes('program.js'), help.urls.join(' '));
  // --version with more arguments is commander's (the same line), from the program.
  const extra = compiledScripts(['--version', 'x']);
  assert.is(extra.result.stdout, compiledScripts(['--version']).result.stdout);
  assert.ok(extra.urls.includes('program.js'), extra.urls.join(' '));
  // Started as the Ansible client, --version is the client's (an unknown argument).
  mkdirSync(join(home, 'named'));
  const client = join(home, 'named', 'vaultfile-client');
  symlinkSync(program, client);
  const asClient = compiledScripts(['--version'], client);
  assert.is(asClient.result.status, 2);
  assert.match(asClient.result.stderr, /^vaultfile-client: unknown argument "--version"/);
});

test('view with a key file runs from the quick view asset; what it declines runs the program, with the same result', () => {
  const dir = tempDir('vaultfile-bin-view-');
  const vault = runner(program, ENV);
  try {
    vault(dir, ['keygen', 'k']);
    vault(dir, ['keygen', 'other']);
    writeFileSync(join(dir, 'f'), 'token: abc\n');
    vault(dir, ['encrypt', '--key-file', 'k', 'f']);
    const inDir = (/** @type {string[]} */ args) => {
      const coverage = tempDir('vaultfile-v8cov-');
      try {
        const result = spawnSync(program, args, { cwd: dir, env: cleanEnv({ ...ENV, NODE_V8_COVERAGE: coverage }), encoding: 'utf8' });
        const urls = readdirSync(coverage).flatMap((file) => JSON.parse(readFileSync(join(coverage, file), 'utf8')).result.map((/** @type {{url: string}} */ s) => s.url));
        return { result, urls };
      } finally {
        removeDir(coverage);
      }
    };
    const quick = inDir(['view', 'f', '--key-file', 'k']);
    assert.is(quick.result.stdout, 'token: abc\n');
    assert.ok(quick.urls.includes('view.js') && !quick.urls.includes('program.js'), quick.urls.join(' '));
    // The wrong key: the quick path declines, and the program says what the npm package says.
    const declined = inDir(['view', 'f', '--key-file', 'other']);
    assert.ok(declined.urls.includes('view.js') && declined.urls.includes('program.js'), declined.urls.join(' '));
    const npm = spawnSync(process.execPath, [join(ROOT, 'bundle', 'bin', 'cli.mjs'), 'view', 'f', '--key-file', 'other'], { cwd: dir, env: cleanEnv(ENV), encoding: 'utf8' });
    assert.equal([declined.result.status, declined.result.stdout, declined.result.stderr], [npm.status, npm.stdout, npm.stderr]);
    assert.is.not(npm.status, 0);
  } finally {
    removeDir(dir);
  }
});

test('the binary runs a --password-command (the program imports child_process on demand)', () => {
  const dir = tempDir('vaultfile-bin-pw-');
  const vault = runner(program, ENV);
  try {
    vault(dir, ['keygen', 'k']);
    writeFileSync(join(dir, 'f'), 'token: abc\n');
    vault(dir, ['encrypt', '--key-file', 'k', 'f']);
    const view = vault(dir, ['view', 'f', '--key-file', 'k', '--password-command', 'echo unused']);
    assert.is(view.stdout, 'token: abc\n');
  } finally {
    removeDir(dir);
  }
});

test('vault git setup from the binary makes the binary the git filter', () => {
  const { dir, setup } = repositoryTour(runner(program, ENV));
  assert.match(setup, new RegExp(`filter\\.vault\\.process = .* ; exec ${program.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} git filter-process\\n`));
  assert.match(git(dir, ['config', 'merge.vault.driver']), / git merge %O %A %B %L %P\n$/);
  // textconv through the binary: git diff shows plaintext lines.
  assert.match(git(dir, ['log', '-p', '-1', '--textconv', '--', 'deploy/vars/prod.yml']), /^\+db_password: s3cret$/m);
  removeDir(dir);
});

test('a bad filter invocation gets the filter usage line and exit 2, nothing on stdout', () => {
  const result = spawnSync(program, ['git', 'clean', 'a', 'b'], { cwd: home, env: cleanEnv(ENV), encoding: 'utf8' });
  assert.is(result.status, 2);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /^vault: usage: git-filter\.js filter-process/);
});

test('started as vaultfile-client the binary is the Ansible vault password client', () => {
  const client = join(home, 'vaultfile-client');
  symlinkSync(program, client);
  const usage = spawnSync(client, ['--help'], { cwd: home, env: cleanEnv(ENV), encoding: 'utf8' });
  assert.is(usage.status, 0, usage.stderr);
  assert.match(usage.stdout, /^usage: vaultfile-client \[--vault-id LABEL\]/);
  // Outside a repository: Ansible's "no secret for this vault-id" status, one line on stderr.
  const result = spawnSync(client, ['--vault-id', 'prod'], { cwd: home, env: cleanEnv(ENV), encoding: 'utf8' });
  assert.is(result.status, 2);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /^vaultfile-client: no \.vaultfile\/ directory above /);
});

test.run();
