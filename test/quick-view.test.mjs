// The quick `vault view` (src/quick-view.ts) and its code cache (src/bin/code-cache.ts), as the
// npm package runs them: `node bundle/bin/vault.js view ...`. What it runs it must run exactly as
// the whole program (bundle/bin/cli.mjs) does; what it declines the whole program must get
// untouched; its command-line reading must agree with commander's; its cache must be one only this
// user could have written, and hold no secret.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, copyFileSync, existsSync, lstatSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { sealForPassword } from './core-helpers.mjs';
import { CLI, FIXTURES, ROOT, cleanEnv, removeDir, runVault, tempDir, tempRepo, testContext, testHost, writeSecret } from './helpers.mjs';

const WHOLE = join(ROOT, 'bundle', 'bin', 'cli.mjs');
const dir = tempDir('vaultfile-quick-');
const cacheHome = join(dir, 'cache-home');
const MARKER = `quick-view-marker-${randomBytes(6).toString('hex')}`;

/**
 * Run PROGRAM (the launcher, or the whole program) with ARGS in the test directory (or CWD).
 * @param {string} program @param {string[]} args
 * @param {{env?: Record<string, string>, input?: string | Buffer, cwd?: string}} [options]
 */
function node(program, args, options = {}) {
  const result = spawnSync(process.execPath, [program, ...args], {
    cwd: options.cwd ?? dir,
    env: cleanEnv({ XDG_CACHE_HOME: cacheHome, ...options.env }),
    input: options.input ?? '',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/**
 * The scripts V8 compiled in one run of `vault ARGS`, as NODE_V8_COVERAGE records them (no hook in
 * the program): whether the quick path's file and the whole program's ran.
 * @param {string[]} args @param {{input?: string, cwd?: string}} [options]
 */
function compiled(args, options = {}) {
  const coverage = tempDir('vaultfile-quick-v8-');
  try {
    const result = node(CLI, args, { env: { NODE_V8_COVERAGE: coverage }, input: options.input, cwd: options.cwd });
    const urls = readdirSync(coverage).flatMap((file) => JSON.parse(readFileSync(join(coverage, file), 'utf8')).result.map((/** @type {{url: string}} */ s) => s.url));
    return { result, quick: urls.some((url) => url.endsWith('/bin/view.js')), whole: urls.some((url) => url.endsWith('/bin/cli.mjs')) };
  } finally {
    removeDir(coverage);
  }
}

/**
 * `vault ARGS` through the launcher and through the whole program give the same exit code, output
 * and errors; returns the launcher's run and which code ran.
 * @param {string[]} args @param {{input?: string}} [options]
 */
function sameAsWhole(args, options = {}) {
  const run = compiled(args, options);
  const whole = node(WHOLE, args, options);
  assert.is(run.result.status, whole.status, `${args.join(' ')}: ${run.result.stderr}`);
  assert.is(run.result.stderr, whole.stderr, args.join(' '));
  assert.ok(run.result.stdout.equals(whole.stdout), `${args.join(' ')}: the same standard output`);
  return run;
}

const vault = (/** @type {string[]} */ args) => {
  const result = node(WHOLE, args);
  assert.is(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
};

test.before(async () => {
  vault(['keygen', 'k.key']);
  vault(['keygen', 'other.key']);
  writeFileSync(join(dir, 'vars.yml'), `db_password: ${MARKER}\n`);
  writeFileSync(join(dir, 'other.yml'), 'token: abc123\n');
  vault(['encrypt', '--key-file', 'k.key', 'vars.yml', 'other.yml']);
  writeSecret(join(dir, 'pw'), 'correct horse battery staple\n');
  writeFileSync(join(dir, 'pw.yml'), await sealForPassword('sealed: with a password\n', 'correct horse battery staple'));
  copyFileSync(join(FIXTURES, 'ansible', 'v11-simple.vault'), join(dir, 'ansible.yml'));
  writeSecret(join(dir, 'ansible-pw'), readFileSync(join(FIXTURES, 'ansible', 'pw-default.txt'), 'utf8'));
});
test.after(() => removeDir(dir));

test('a plain view with key or password files runs on the quick path, with the output of the whole program', () => {
  for (const args of [
    ['view', '--key-file', 'k.key', 'vars.yml'],
    ['view', 'vars.yml', '--key-file=k.key'],
    ['view', '-q', '--no-pager', '--no-kms', '--key-file', 'other.key', '--key-file', 'k.key', '--', 'vars.yml', 'other.yml'],
    ['view', '--quiet', '--password-file', 'pw', 'pw.yml'],
  ]) {
    const run = sameAsWhole(args);
    assert.is(run.result.status, 0);
    assert.ok(run.quick && !run.whole, `${args.join(' ')}: the quick path alone`);
  }
  assert.is(node(CLI, ['view', '--key-file', 'k.key', 'vars.yml']).stdout.toString(), `db_password: ${MARKER}\n`);
});

test('in a repository: a keyring opened with a key file, or the data key an unlocked clone keeps, on the quick path', () => {
  const repo = tempRepo();
  const inRepo = (/** @type {string[]} */ args) => {
    const result = node(WHOLE, args, { cwd: repo });
    assert.is(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
  };
  copyFileSync(join(dir, 'k.key'), join(repo, 'k.key'));
  chmodSync(join(repo, 'k.key'), 0o600);
  inRepo(['init', '--key-file', 'k.key']);
  writeFileSync(join(repo, 'prod.yml'), `db_password: ${MARKER}\n`);
  inRepo(['encrypt', 'prod.yml']);
  for (const args of [['view', 'prod.yml'], ['view', '--key-file', 'k.key', 'prod.yml']]) {
    const run = compiled(args, { cwd: repo });
    assert.is(run.result.status, 0, run.result.stderr);
    assert.is(run.result.stdout.toString(), `db_password: ${MARKER}\n`);
    assert.ok(run.quick && !run.whole, `${args.join(' ')}: the quick path alone`);
  }
  removeDir(repo);
});

test('what the quick path declines runs in the whole program, untouched: the same output, errors and exit code', () => {
  const cases = [
    // failures while opening: the whole program's messages
    { args: ['view', '--key-file', 'other.key', 'vars.yml'], quick: true },
    { args: ['view', '--key-file', 'k.key', 'missing.yml'], quick: true },
    { args: ['view', '--key-file', 'k.key', 'vars.yml', 'plain-text-file'], quick: true },
    // code the quick file was built without (Ansible's codec)
    { args: ['view', '--password-file', 'ansible-pw', 'ansible.yml'], quick: true },
    // standard input is never read on the quick path
    { args: ['view', '--key-file', 'k.key', '-'], input: readFileSync(join(dir, 'other.yml'), 'utf8') },
    // command lines it does not read
    { args: ['view', '--key-file', 'k.key', '--debug', 'vars.yml'] },
    { args: ['view', '--identity', 'k.key', 'vars.yml'] },
    { args: ['view', '--bogus', 'vars.yml'] },
    { args: ['view'] },
    { args: ['view', '--key-file'] },
    { args: ['view', '--password-file', 'pw', '--password-file', 'pw', 'pw.yml'] },
  ];
  writeFileSync(join(dir, 'plain-text-file'), 'not sealed\n');
  for (const { args, input, quick } of cases) {
    const run = sameAsWhole(args, { input });
    assert.ok(run.whole, `${args.join(' ')}: the whole program ran`);
    assert.is(run.quick, quick === true, `${args.join(' ')}: the quick path ${quick ? 'tried' : 'was not tried'}`);
  }
});

test('a failure after output began is reported by the quick path as the whole program reports it', () => {
  // Past 8 MiB an envelope streams: a chunk damaged near the end fails after the first ones were shown.
  writeFileSync(join(dir, 'large.yml'), Buffer.alloc(9 * 1024 * 1024, 'a'));
  vault(['encrypt', '--key-file', 'k.key', 'large.yml']);
  const sealed = readFileSync(join(dir, 'large.yml'));
  sealed[sealed.length - 100] ^= 1;
  writeFileSync(join(dir, 'large.yml'), sealed);
  const run = sameAsWhole(['view', '--key-file', 'k.key', 'large.yml']);
  assert.ok(run.quick && !run.whole, 'the quick path reported it');
  assert.is.not(run.result.status, 0);
  assert.match(run.result.stderr, /^vault: .+\n$/);
  assert.ok(run.result.stdout.length > 0, 'output had begun');
});

test('the quick path reads a command line exactly as commander does, and declines what commander refuses', async () => {
  const { readViewArgs } = await import('../dist/commands/view-args.js');
  const { buildProgram } = await import('../dist/program.js');
  /** @param {string[]} args */
  const commander = async (args) => {
    const program = await buildProgram(args, testContext());
    /** @type {{files: string[], options: Record<string, unknown>} | null} */
    let parsed = null;
    program.commands.find((command) => command.name() === 'view')?.action((files, options) => {
      parsed = { files, options };
    });
    program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    try {
      await program.parseAsync(args, { from: 'user' });
    } catch {
      return null;
    }
    return parsed;
  };
  /** @param {{files: string[], options: {keyFile?: string[], passwordFile?: string, pager?: unknown, kms?: unknown, quiet?: unknown}}} request */
  const meaning = ({ files, options }) => ({
    files,
    keyFile: options.keyFile ?? [],
    passwordFile: options.passwordFile,
    pager: options.pager !== false,
    kms: options.kms !== false,
    quiet: options.quiet === true,
  });
  const read = [
    ['view', 'a'],
    ['view', 'a', 'b', '--key-file', 'k'],
    ['view', '--key-file=k', '--key-file', 'j', 'a'],
    ['view', '--password-file', 'p', '--no-pager', 'a'],
    ['view', '--password-file=p', '--no-kms', '-q', 'a'],
    ['view', '--quiet', '--', 'a', 'b'],
    ['view', '--key-file', 'k', '--', 'a'],
  ];
  for (const args of read) {
    const quick = readViewArgs(args);
    const full = await commander(args);
    assert.ok(quick !== null && full !== null, args.join(' '));
    assert.equal(meaning(quick), meaning(full), args.join(' '));
  }
  const refused = [['view'], ['view', '--key-file'], ['view', '--bogus', 'a'], ['view', '--no-pager=x', 'a'], ['view', '-x', 'a']];
  for (const args of refused) {
    assert.is(await commander(args), null, `commander refuses ${args.join(' ')}`);
    assert.is(readViewArgs(args), null, `so does the quick path: ${args.join(' ')}`);
  }
  // What commander reads its own way (a value or file that starts with "-", a repeated single
  // option, any other option) is left to it.
  for (const args of [['view', '--key-file', '-k', 'a'], ['view', '--', '-a'], ['view', '--password-file', 'p', '--password-file', 'q', 'a'], ['view', '--vault-id', 'x@y', 'a'], ['status']]) {
    assert.is(readViewArgs(args), null, args.join(' '));
  }
});

test('in process (the tsc build, nothing left out): warnings written before the files are open wait, then show; a prompt it would need declines', async () => {
  const { quickView } = await import('../dist/quick-view.js');
  copyFileSync(join(FIXTURES, 'ansible', 'inline.yml'), join(dir, 'inline.yml'));
  // Values under two passwords, one given: the other is shown still sealed, with a warning.
  const args = ['view', '--password-file', join(dir, 'ansible-pw'), join(dir, 'inline.yml')];
  const quick = testHost({ cwd: dir, env: cleanEnv() });
  const code = await quickView(args, /** @type {any} */ (quick.host));
  const whole = await runVault(args, { cwd: dir });
  assert.is(code, whole.code);
  assert.is(quick.stdout().toString(), whole.stdout);
  assert.is(quick.stderr().toString(), whole.stderr);
  assert.match(whole.stderr, /^vault: warning: .+shown still encrypted\n$/);
  // No key at all: the prompt would read standard input, so the quick path leaves it, unwritten.
  const none = testHost({ cwd: dir, env: cleanEnv() });
  assert.is(await quickView(['view', join(dir, 'vars.yml')], /** @type {any} */ (none.host)), null);
  assert.is(none.stdout().length + none.stderr().length, 0);
});

/** The cache files in CACHE_HOME/vaultfile. @param {string} home */
const caches = (home) => (existsSync(join(home, 'vaultfile')) ? readdirSync(join(home, 'vaultfile')).filter((name) => name.endsWith('.cache')) : []);

test('the code cache is made on the first run, private, taken by the next, and holds no secret', () => {
  const home = tempDir('vaultfile-quick-cache-');
  const view = () => {
    const result = node(CLI, ['view', '--key-file', 'k.key', 'vars.yml'], { env: { XDG_CACHE_HOME: home } });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.toString(), `db_password: ${MARKER}\n`);
  };
  view();
  const [name, ...more] = caches(home);
  assert.ok(name !== undefined && more.length === 0, 'one cache file');
  assert.match(name, new RegExp(`^view-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}-[0-9a-f]{16}\\.cache$`));
  const path = join(home, 'vaultfile', name);
  assert.is(statSync(join(home, 'vaultfile')).mode & 0o777, 0o700);
  assert.is(statSync(path).mode & 0o777, 0o600);
  const bytes = readFileSync(path);
  assert.ok(bytes.length > 0);
  assert.not.ok(bytes.includes(MARKER), 'no plaintext in the cache');
  const keyText = readFileSync(join(dir, 'k.key'), 'latin1');
  for (const line of keyText.split('\n').filter((l) => l.length > 20)) assert.not.ok(bytes.includes(line), 'no key in the cache');
  const { ino } = statSync(path);
  view();
  assert.is(statSync(path).ino, ino, 'taken, not made again');
  assert.equal(caches(home), [name]);
  // The cache of an older build of the file goes when a new one is written.
  // (The same installation: the same prefix, up to the hash of the text.)
  const stale = `${name.slice(0, -'0000000000000000.cache'.length)}0000000000000000.cache`;
  writeFileSync(join(home, 'vaultfile', stale), 'old', { mode: 0o600 });
  removeDir(path);
  view();
  assert.equal(caches(home), [name]);
  removeDir(home);
});

test('two installations in turn keep a cache each', () => {
  const home = tempDir('vaultfile-quick-cache-');
  const other = tempDir('vaultfile-quick-install-');
  for (const name of ['vault.js', 'view.js', 'package.json']) copyFileSync(join(ROOT, 'bundle', 'bin', name), join(other, name));
  const view = (/** @type {string} */ launcher) => {
    const result = node(launcher, ['view', '--key-file', 'k.key', 'vars.yml'], { env: { XDG_CACHE_HOME: home } });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.toString(), `db_password: ${MARKER}\n`);
  };
  view(CLI);
  view(join(other, 'vault.js'));
  const made = caches(home);
  assert.is(made.length, 2, made.join(', '));
  const inodes = made.map((name) => statSync(join(home, 'vaultfile', name)).ino);
  view(CLI);
  view(join(other, 'vault.js'));
  assert.equal(caches(home), made);
  assert.equal(made.map((name) => statSync(join(home, 'vaultfile', name)).ino), inodes, 'each taken, neither made again');
  removeDir(home);
  removeDir(other);
});

test('a damaged cache is refused by V8 and made again; one where others could write is neither read nor written', () => {
  const home = tempDir('vaultfile-quick-cache-');
  const view = (/** @type {Record<string, string>} */ env = {}) => {
    const result = node(CLI, ['view', '--key-file', 'k.key', 'vars.yml'], { env: { XDG_CACHE_HOME: home, ...env } });
    assert.is(result.status, 0, result.stderr);
    assert.is(result.stdout.toString(), `db_password: ${MARKER}\n`);
    assert.is(result.stderr, '');
  };
  view();
  const [name] = caches(home);
  const path = join(home, 'vaultfile', name);
  const garbage = randomBytes(4096);
  writeFileSync(path, garbage);
  view();
  assert.not.ok(readFileSync(path).equals(garbage), 'refused and made again');
  // A directory others can write: anything in it could be theirs.
  writeFileSync(path, garbage);
  chmodSync(join(home, 'vaultfile'), 0o777);
  view();
  assert.ok(readFileSync(path).equals(garbage), 'neither read nor written');
  chmodSync(join(home, 'vaultfile'), 0o700);
  // A cache file that is a link: not followed, and replaced by a file of our own.
  const elsewhere = join(home, 'elsewhere');
  writeFileSync(elsewhere, garbage);
  removeDir(path);
  symlinkSync(elsewhere, path);
  view();
  assert.ok(lstatSync(path).isFile(), 'the link was replaced');
  assert.ok(readFileSync(elsewhere).equals(garbage), 'its target untouched');
  // Owned by another user (needs root to arrange).
  if (process.getuid?.() === 0) {
    writeFileSync(path, garbage);
    chownSync(join(home, 'vaultfile'), 65534, 65534);
    view();
    assert.ok(readFileSync(path).equals(garbage), 'another user\'s directory: neither read nor written');
    chownSync(join(home, 'vaultfile'), 0, 0);
  }
  // Node's switch for its own compile cache turns this one off too.
  const off = tempDir('vaultfile-quick-cache-');
  const result = node(CLI, ['view', '--key-file', 'k.key', 'vars.yml'], { env: { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' } });
  assert.is(result.status, 0, result.stderr);
  assert.not.ok(existsSync(join(off, 'vaultfile')), 'no cache directory');
  // A cache directory that cannot be made (a file is in the way): the view runs all the same.
  const blocked = tempDir('vaultfile-quick-cache-');
  writeFileSync(join(blocked, 'file'), '');
  const noCache = node(CLI, ['view', '--key-file', 'k.key', 'vars.yml'], { env: { XDG_CACHE_HOME: join(blocked, 'file') } });
  assert.is(noCache.status, 0, noCache.stderr);
  assert.is(noCache.stdout.toString(), `db_password: ${MARKER}\n`);
  for (const made of [home, off, blocked]) removeDir(made);
});

test.run();
