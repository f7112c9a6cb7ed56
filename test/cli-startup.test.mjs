// Start-up: `vault --version` and `vault --help` load no command module, and a command loads only
// what it uses (`vault view` of a vaultfile envelope with a key file: no YAML parser, no prompts,
// no git library, no AWS SDK). Runs the tsc build, where every source file is its own module.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, cleanEnv, removeDir, runVaultBinary, tempDir } from './helpers.mjs';

const work = tempDir('vaultfile-startup-');
const LOG = join(work, 'modules.log');
const PRELOAD = join(ROOT, 'test', 'support', 'log-modules.mjs');

/**
 * The files of the modules `node ENTRY ARGS` loads (ENTRY: dist/bin/cli.js unless told), each
 * once: the log names ES modules by URL and CommonJS ones (the launcher) by path, some both ways.
 * @param {string[]} args
 */
function modulesOf(args, entry = join(ROOT, 'dist', 'bin', 'cli.js'), status = 0, { cwd = work, input = '' } = {}) {
  rmSync(LOG, { force: true });
  const result = spawnSync(process.execPath, ['--import', PRELOAD, entry, ...args], {
    cwd,
    input,
    env: cleanEnv({ VAULTFILE_TEST_MODULE_LOG: LOG }),
    encoding: 'utf8',
  });
  assert.is(result.status, status, result.stderr);
  const lines = readFileSync(LOG, 'utf8').split('\n').filter(Boolean);
  return [...new Set(lines.map((line) => (line.startsWith('file:') ? fileURLToPath(line) : line)))];
}

/** @param {string[]} modules */
const commandModules = (modules) => modules.filter((url) => /\/dist\/commands\//.test(url));

test.after(() => removeDir(work));

test('--version and --help load no command module', () => {
  for (const flag of ['--version', '--help']) {
    const modules = modulesOf([flag]);
    assert.ok(modules.some((url) => url.endsWith('/dist/version.js')), 'the log records modules');
    assert.equal(commandModules(modules), [], `${flag} loads ${commandModules(modules).join(', ')}`);
    assert.not.ok(modules.some((url) => /node_modules\/(yaml|@inquirer|simple-git|@aws-sdk)\//.test(url)), flag);
  }
});

test('the launcher `vault` links to answers --version alone, -V too, and reads no other file of the package', () => {
  const launcher = join(ROOT, 'bundle', 'bin', 'vault.js');
  for (const flag of ['--version', '-V']) {
    const files = modulesOf([flag], launcher);
    assert.equal(files.filter((file) => file.includes('/bundle/')), [launcher], `${flag} loads ${files.join(', ')}`);
  }
  // Anything else goes to the program, as before: the same version line through commander.
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.is(runVaultBinary(['--version']).stdout, `${version}\n`);
  assert.is(runVaultBinary(['--debug', '--version']).stdout, `${version}\n`);
  assert.ok(modulesOf(['--debug', '--version'], launcher).some((url) => url.endsWith('/bundle/bin/cli.mjs')), 'the program answers --debug --version');
});

test('--help lists every command as the command modules describe them', () => {
  const quick = runVaultBinary(['--help']);
  const full = runVaultBinary(['help']);
  assert.is(quick.code, 0);
  // A command added or re-described in its module must be listed in src/command-summaries.ts too.
  assert.is(quick.stdout, full.stdout, 'src/command-summaries.ts differs from the commands: run node scripts/command-summaries.mjs');
  assert.match(quick.stdout, /^  completion \[options\] <shell> +print a shell completion script/m);
});

test('view of an envelope with a key file loads view alone: no YAML, prompts, git library or AWS SDK', () => {
  assert.is(runVaultBinary(['keygen', 'k.key'], { cwd: work }).code, 0);
  writeFileSync(join(work, 'notes.txt'), 'x'.repeat(2048));
  assert.is(runVaultBinary(['encrypt', 'notes.txt', '--key-file', 'k.key'], { cwd: work }).code, 0);
  const unwantedPackages = ['yaml', '@inquirer', 'simple-git', '@aws-sdk', 'picomatch', '@scure/base', 'age-encryption'];
  // The whole program (src/run.ts): view and the key-source options it shares with every command
  // that takes a key.
  const whole = modulesOf(['view', 'notes.txt', '--key-file', 'k.key']);
  assert.equal(commandModules(whole).map((url) => url.replace(/.*\/dist\//, '')).sort(), ['commands/key-flags.js', 'commands/options.js', 'commands/view-files.js', 'commands/view.js']);
  // The launcher's quick path (src/quick-view.ts): no commander either.
  const quick = modulesOf(['view', 'notes.txt', '--key-file', 'k.key'], join(ROOT, 'dist', 'bin', 'vault.js'));
  assert.ok(quick.some((url) => url.endsWith('/dist/quick-view.js')), 'the quick path ran');
  assert.equal(commandModules(quick).map((url) => url.replace(/.*\/dist\//, '')).sort(), ['commands/key-flags.js', 'commands/view-args.js', 'commands/view-files.js']);
  assert.not.ok(quick.some((url) => url.endsWith('/dist/program.js')), 'no command-line framework');
  for (const [modules, unwanted] of [...unwantedPackages.map((name) => [whole, `/node_modules/${name}/`]), ...['commander', ...unwantedPackages].map((name) => [quick, `/node_modules/${name}/`])]) {
    assert.not.ok(/** @type {string[]} */ (modules).some((url) => url.includes(/** @type {string} */ (unwanted))), `view loads ${unwanted}`);
  }
  for (const modules of [whole, quick]) {
    for (const unwanted of UNUSED_BY_VIEW) {
      assert.not.ok(modules.some((url) => url.endsWith(`/dist/${unwanted.replace(/\.ts$/, '.js')}`)), `view loads ${unwanted}`);
    }
  }
});

/**
 * What `view` of an envelope with a key file does not use: the Ansible codecs, git-crypt, age and
 * SSH identities, KMS, Ansible's password sources and the clone's records of sealing.
 */
const UNUSED_BY_VIEW = [
  'core/ansible-vault.ts', 'core/ansible-inline.ts', 'formats/ansible-formats.ts', 'formats/keyring-ansible.ts', 'keys/ansible-secrets.ts',
  'core/git-crypt.ts', 'formats/git-crypt-files.ts', 'keys/identities.ts', 'core/age-native.ts', 'keys/ssh-passphrase.ts', 'keys/kms.ts',
  'repo/keyring-history.ts', 'repo/placement.ts', 'git/git-query.ts',
];

test('the bundle: view of an envelope with a key file runs the launcher and the quick view file, which holds none of the code view leaves out', () => {
  const launcher = join(ROOT, 'bundle', 'bin', 'vault.js');
  const quickFile = join(ROOT, 'bundle', 'bin', 'view.js');
  // The quick view is compiled from its file with a code cache (src/bin/code-cache.ts), not through
  // Node's loaders: the log shows the launcher alone, no chunk and no cli.mjs.
  assert.equal(modulesOf(['view', 'notes.txt', '--key-file', 'k.key'], launcher).filter((url) => url.includes('/bundle/')), [launcher]);
  // esbuild's unminified output opens each bundled module with a comment naming its path.
  const text = readFileSync(quickFile, 'utf8');
  const sources = [...text.matchAll(/^\/\/ (src\/[\w/.-]+\.ts|node_modules\/(?:@[\w-]+\/)?[\w.-]+)/gm)].map((m) => m[1]);
  assert.ok(sources.includes('src/quick-view.ts') && sources.includes('src/core/envelope.ts'), 'the file names its modules');
  const unwanted = [
    ...UNUSED_BY_VIEW.map((path) => `src/${path}`), 'src/program.ts', 'src/commands/options.ts',
    ...['commander', 'yaml', 'picomatch', '@inquirer/prompts', 'simple-git', '@aws-sdk/client-kms', '@scure/base', 'age-encryption'].map((name) => `node_modules/${name}`),
  ];
  for (const name of unwanted) assert.not.ok(sources.includes(name), `the quick view holds ${name}`);
  // Nothing it leaves out can load: every import() was replaced (scripts/build-bundle.mjs).
  assert.not.ok(/\bimport\(/.test(text), 'no import() left');
});

const BIN = join(ROOT, 'bundle', 'bin');
const FILTER = join(BIN, 'git-filter.js');

/**
 * The files of the package V8 compiled in one run of the git filter with ARGS, as NODE_V8_COVERAGE
 * records them: the program runs from its own file with a code cache (src/bin/code-cache.ts), not
 * through Node's loaders, so the module log would not show it.
 * @param {string[]} args @param {{status?: number, cwd?: string, input?: string, cacheHome?: string}} [options]
 */
function filterScripts(args, { status = 0, cwd = work, input = '', cacheHome = join(work, 'cache-home') } = {}) {
  const coverage = tempDir('vaultfile-startup-v8-');
  try {
    const result = spawnSync(process.execPath, [FILTER, ...args], { cwd, input, env: cleanEnv({ NODE_V8_COVERAGE: coverage, XDG_CACHE_HOME: cacheHome }), encoding: 'utf8' });
    assert.is(result.status, status, result.stderr);
    const urls = readdirSync(coverage).flatMap((file) => JSON.parse(readFileSync(join(coverage, file), 'utf8')).result.map((/** @type {{url: string}} */ s) => s.url));
    const files = urls.map((url) => (url.startsWith('file:') ? fileURLToPath(url) : url)).filter((file) => file.startsWith(BIN));
    return { files: [...new Set(files)].sort(), stderr: result.stderr };
  } finally {
    removeDir(coverage);
  }
}

test('the git drivers of the package: a launcher and one program file, no chunk', () => {
  // A usage error comes after the single-shot drivers were loaded: they are in the program file too.
  assert.equal(filterScripts(['clean', 'a', 'b'], { status: 2 }).files, [FILTER, join(BIN, 'git-filter-program.js')].sort());
  // Through Node's loaders it reads the launcher alone.
  assert.equal(modulesOf(['clean', 'a', 'b'], FILTER, 2).filter((file) => file.includes('/bundle/')), [FILTER]);
});

test('the git filter reads its YAML parser and glob matcher only when a file needs the policy, and keeps a code cache', () => {
  const repo = join(work, 'repo');
  const cacheHome = join(work, 'filter-cache-home');
  mkdirSync(join(repo, '.vaultfile'), { recursive: true });
  writeFileSync(join(repo, '.vaultfile', 'policy.yml'), 'version: 1\nrules:\n  - path: deploy/vars/*.yml\n    keyring: default\n');
  // One session of git's filter protocol (gitattributes(5)): handshake, one request, end.
  const packet = (/** @type {string} */ text) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
  const session = (/** @type {string} */ command) =>
    [packet('git-filter-client\n'), packet('version=2\n'), '0000', packet('capability=clean\n'), packet('capability=smudge\n'), '0000',
      packet(`command=${command}\n`), packet('pathname=notes.txt\n'), '0000', packet('plain text\n'), '0000'].join('');
  const run = (/** @type {string} */ command) => filterScripts(['filter-process'], { cwd: repo, input: session(command), cacheHome });
  const program = [FILTER, join(BIN, 'git-filter-program.js')].sort();
  // A checkout smudges: no policy.
  const smudge = run('smudge');
  assert.equal(smudge.files, program);
  assert.match(smudge.stderr, /"notes\.txt" is not encrypted in the repository/);
  // The first run wrote the program's code cache; the next runs take it.
  const caches = () => readdirSync(join(cacheHome, 'vaultfile')).filter((name) => name.endsWith('.cache'));
  assert.equal(caches().map((name) => name.replace(/-[0-9a-f]{8}-[0-9a-f]{16}\.cache$/, '')), [`git-filter-program-${process.version}-${process.arch}`]);
  // Clean asks the policy for the file's keyring (notes.txt matches no rule: refused, after the match).
  const clean = run('clean');
  assert.equal(clean.files, [...program, join(BIN, 'git-filter-picomatch.js'), join(BIN, 'git-filter-yaml.js')].sort());
  assert.match(clean.stderr, /"notes\.txt" has filter=vault but matches no rule/);
  assert.equal(caches().length, 1);
});

test.run();
