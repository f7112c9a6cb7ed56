// vault exec and vault export end to end: the built CLI runs a child that prints hashes of its
// environment; sources, precedence, --pristine, exit statuses, signals, and export formats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, removeDir, tempDir } from './helpers.mjs';
import { assertExecSet, hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';

const dir = tempDir('vaultfile-exec-');
const envFile = join(dir, '.env.production');
writeFileSync(
  envFile,
  [
    '# production',
    'export DB_PASSWORD="p@ss word\\nline2"',
    "API_KEY='k$y#1'",
    'SHARED=from-dotenv',
    'CERT="-----BEGIN-----',
    'abc',
    '-----END-----"',
  ].join('\n'),
);
const yamlFile = join(dir, 'prod.yml');
writeFileSync(yamlFile, 'shared: from-yaml\nport: 5432\nnested: {a: [1, 2]}\n');

test('exec: dotenv and YAML sources in order reach the child; later files win', async () => {
  const result = await runAsync(
    ['exec', '-f', envFile, '-f', yamlFile, ...hashChild('DB_PASSWORD', 'API_KEY', 'SHARED', 'PORT', 'NESTED', 'CERT', 'UNSET')],
    { cwd: dir },
  );
  assertExecSet(result, {
    DB_PASSWORD: 'p@ss word\nline2',
    API_KEY: 'k$y#1',
    SHARED: 'from-yaml',
    PORT: '5432',
    NESTED: '{"a":[1,2]}',
    CERT: '-----BEGIN-----\nabc\n-----END-----',
    UNSET: null,
  });
});

test('exec: the existing environment wins unless --overload', async () => {
  const env = runtimeEnv({ SHARED: 'from-env', API_KEY: 'env-key' });
  const kept = await runAsync(['exec', '-f', envFile, ...hashChild('SHARED', 'API_KEY', 'DB_PASSWORD')], { env });
  assert.is(kept.code, 0);
  assert.equal(JSON.parse(kept.stdout), hashesOf({ SHARED: 'from-env', API_KEY: 'env-key', DB_PASSWORD: 'p@ss word\nline2' }));
  const over = await runAsync(['exec', '--overload', '-f', envFile, ...hashChild('SHARED', 'API_KEY')], { env });
  assert.equal(JSON.parse(over.stdout), hashesOf({ SHARED: 'from-dotenv', API_KEY: 'k$y#1' }));
});

// Node itself adds NODE_V8_COVERAGE to every child while coverage is on; it is not ours.
const PRINT_NAMES = 'process.stdout.write(JSON.stringify(Object.keys(process.env).filter((n) => n !== "NODE_V8_COVERAGE").sort()))';

test('exec --pristine: only PATH and the variables read; --no-path drops PATH too', async () => {
  const env = runtimeEnv({ LEAKED_TOKEN: 'should-not-pass' });
  const pristine = await runAsync(['exec', '--pristine', '-f', yamlFile, '--', process.execPath, '-e', PRINT_NAMES], { env });
  assert.is(pristine.code, 0);
  assert.equal(JSON.parse(pristine.stdout), ['NESTED', 'PATH', 'PORT', 'SHARED']);
  const bare = await runAsync(['exec', '--pristine', '--no-path', '-f', yamlFile, '--', process.execPath, '-e', PRINT_NAMES], { env });
  assert.equal(JSON.parse(bare.stdout), ['NESTED', 'PORT', 'SHARED']);
  const inherited = await runAsync(['exec', '--', process.execPath, '-e', PRINT_NAMES], { env });
  assert.ok(JSON.parse(inherited.stdout).includes('LEAKED_TOKEN'));
  const alone = await runAsync(['exec', '--no-path', '--', process.execPath, '-e', 'console.log("ran")'], { env });
  assert.is(alone.code, 2);
  assert.is(alone.stdout, '');
  assert.match(alone.stderr, /^vault: --no-path only applies with --pristine .*; add --pristine\n$/);
});

test('exec: arguments pass unchanged, with no shell in between', async () => {
  const args = ['--flag', '-f', 'two words', '$(echo pwned)', 'a;b', '*', ''];
  const result = await runAsync(['exec', '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', '--', ...args]);
  assert.is(result.code, 0);
  assert.equal(JSON.parse(result.stdout), args);
  // Without "--", options after the command still belong to the command (passThroughOptions).
  const argvScript = join(dir, 'argv.cjs');
  writeFileSync(argvScript, 'process.stdout.write(JSON.stringify(process.argv.slice(2)))');
  const bare = await runAsync(['exec', process.execPath, argvScript, '--overload', '-f', 'x']);
  assert.is(bare.code, 0);
  assert.equal(JSON.parse(bare.stdout), ['--overload', '-f', 'x']);
});

test('exec: exit statuses: the child code, 127 not found, 126 not executable', async () => {
  const seven = await runAsync(['exec', '--', process.execPath, '-e', 'process.exit(7)']);
  assert.is(seven.code, 7);
  assert.is(seven.stderr, '');
  const missing = await runAsync(['exec', '--', 'no-such-command-vaultfile']);
  assert.is(missing.code, 127);
  assert.is(missing.stderr, 'vault: "no-such-command-vaultfile": command not found; check the name and PATH\n');
  const script = join(dir, 'not-executable.sh');
  writeFileSync(script, '#!/bin/sh\necho hi\n');
  chmodSync(script, 0o644);
  const denied = await runAsync(['exec', '--', script]);
  assert.is(denied.code, 126);
  assert.match(denied.stderr, /^vault: ".*not-executable\.sh": cannot execute \(EACCES\); check that it is an executable file\n$/);
  const killed = await runAsync(['exec', '--', process.execPath, '-e', 'process.kill(process.pid, "SIGKILL")']);
  assert.is(killed.code, 137);
});

/**
 * Start `vault exec` on a child that reports SIGNAL and then acts as BEHAVIOUR says; send SIGNAL to
 * vault (not to the child) once the child is ready.
 * @param {NodeJS.Signals} signal
 * @param {string} behaviour JS run in the child's handler
 */
function signalRun(signal, behaviour) {
  const childCode = `process.on(${JSON.stringify(signal)}, () => { process.stdout.write('got ${signal}\\n'); ${behaviour} });
process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  return new Promise((resolve, reject) => {
    const vault = spawn(process.execPath, [CLI, 'exec', '--', process.execPath, '-e', childCode], {
      env: runtimeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => vault.kill('SIGKILL'), 15000);
    vault.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout === 'ready\n') vault.kill(signal);
    });
    vault.stderr.on('data', (chunk) => (stderr += chunk));
    vault.on('error', reject);
    vault.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

test('exec: SIGTERM sent to vault reaches the child; killed child => 143', async () => {
  const result = /** @type {any} */ (
    await signalRun('SIGTERM', `process.removeAllListeners('SIGTERM'); process.kill(process.pid, 'SIGTERM');`)
  );
  assert.is(result.stdout, 'ready\ngot SIGTERM\n');
  assert.is(result.code, 143);
  assert.is(result.signal, null);
  assert.is(result.stderr, '');
});

test('exec: SIGINT and SIGHUP are forwarded; the child exit code is kept', async () => {
  const int = /** @type {any} */ (await signalRun('SIGINT', 'process.exit(5);'));
  assert.is(int.stdout, 'ready\ngot SIGINT\n');
  assert.is(int.code, 5);
  const hup = /** @type {any} */ (await signalRun('SIGHUP', `process.removeAllListeners('SIGHUP'); process.kill(process.pid, 'SIGHUP');`));
  assert.is(hup.stdout, 'ready\ngot SIGHUP\n');
  assert.is(hup.code, 129);
});

/** A child that counts SIGINTs and, a second after the first, prints the count and exits 0. */
function sigintCounter() {
  const child = join(dir, 'count-sigint.cjs');
  writeFileSync(
    child,
    `let count = 0;
process.on('SIGINT', () => { count += 1; if (count === 1) setTimeout(() => { process.stdout.write('count=' + count + '\\n'); process.exit(0); }, 1000); });
process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`,
  );
  return child;
}

/**
 * Run WORDS on a pseudo-terminal with `script` (util-linux); once the child prints "ready", call
 * ONREADY with the terminal's stdin. Resolves to script's exit code and everything printed.
 * The line starts with `exec`: script runs it with $SHELL -c, and a shell left waiting in between
 * (dash) dies of the same Ctrl-C, so script would report the shell's 130 instead of vault's status.
 * @param {string[]} words @param {(stdin: import('node:stream').Writable) => void} onReady
 * @returns {Promise<{ code: number | null, out: string }>}
 */
function onTerminal(words, onReady) {
  const commandLine = 'exec ' + words.map((word) => `'${word}'`).join(' ');
  return new Promise((resolve, reject) => {
    const pty = spawn('script', ['-qfec', commandLine, '/dev/null'], { env: runtimeEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let ready = false;
    const timer = setTimeout(() => pty.kill('SIGKILL'), 20000);
    pty.stdout.on('data', (chunk) => {
      out += chunk;
      if (!ready && out.includes('ready')) {
        ready = true;
        onReady(pty.stdin);
      }
    });
    pty.on('error', reject);
    pty.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

test('exec on a terminal: Ctrl-C reaches the child once, not twice', async () => {
  // Writing ^C to the terminal makes the line discipline signal the foreground process group,
  // as a user's Ctrl-C does.
  if (!hasScript) return console.log('SKIPPED: no script(1) to make a pseudo-terminal');
  const { code, out } = await onTerminal([process.execPath, CLI, 'exec', '--', process.execPath, sigintCounter()], (stdin) => stdin.write('\x03'));
  assert.match(out, /count=1\r?\n/);
  assert.is(code, 0);
});

test('exec as PID 1 on a terminal (docker run -t): a SIGINT sent to vault alone is forwarded', async () => {
  // A container's entrypoint: PID 1 of a new PID namespace, leading its own session on the
  // terminal. `docker stop` with STOPSIGNAL SIGINT signals vault alone.
  const canNamespace = hasScript && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
  if (!canNamespace) return console.log('SKIPPED: unshare --pid needs root and util-linux');
  const child = sigintCounter();
  const words = ['unshare', '--pid', '--fork', '--mount-proc', 'setsid', '-c', process.execPath, CLI, 'exec', '--', process.execPath, child];
  const { code, out } = await onTerminal(words, () => {
    // vault is the process whose innermost PID is 1 and whose command line runs the counter.
    const pids = spawnSync('pgrep', ['-f', `${CLI} exec -- ${process.execPath} ${child}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    const vault = pids.find((pid) => /^NSpid:.*\s1$/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')));
    assert.ok(vault, 'vault runs as PID 1 of its namespace');
    process.kill(Number(vault), 'SIGINT');
  });
  assert.match(out, /count=1\r?\n/);
  assert.is(code, 0);
});

test('exec: file errors name the file and the line, never the content; nothing runs', async () => {
  const missing = await runAsync(['exec', '-f', join(dir, 'nope.env'), '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(missing.code, 6);
  assert.is(missing.stdout, '');
  assert.match(missing.stderr, /^vault: ".*nope\.env": no such file; check the path\n$/);
  const broken = join(dir, 'broken.env');
  writeFileSync(broken, 'OK=1\nTOPSECRETVALUE\n');
  const bad = await runAsync(['exec', '-f', broken, '--', process.execPath, '-e', 'console.log("ran")']);
  assert.is(bad.code, 3);
  assert.is(bad.stdout, '');
  assert.match(bad.stderr, /^vault: ".*broken\.env": line 2: expected NAME=VALUE; fix the dotenv syntax\n$/);
  assert.not.match(bad.stderr, /TOPSECRET/);
  const folder = await runAsync(['exec', '-f', dir, '--', 'true']);
  assert.is(folder.code, 6);
  assert.match(folder.stderr, /is a directory/);
  const usage = await runAsync(['exec']);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /missing required argument 'command'/);
});

test('export: dotenv, json and shell print only what the sources define, with effective values', async () => {
  const env = runtimeEnv({ SHARED: 'from-env', UNRELATED: 'not-printed' });
  const json = await runAsync(['export', '-f', envFile, '--format', 'json'], { env });
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout), {
    DB_PASSWORD: 'p@ss word\nline2',
    API_KEY: 'k$y#1',
    SHARED: 'from-env',
    CERT: '-----BEGIN-----\nabc\n-----END-----',
  });
  const over = await runAsync(['export', '-f', envFile, '-f', yamlFile, '--overload'], { env });
  assert.is(over.code, 0);
  assert.match(over.stdout, /^DB_PASSWORD='p@ss word\nline2'\nAPI_KEY='k\$y#1'\nSHARED='from-yaml'\nCERT=/);
  assert.not.match(over.stdout, /UNRELATED/);
  const shell = await runAsync(['export', '-f', yamlFile, '--format', 'shell']);
  assert.is(shell.stdout, `export SHARED='from-yaml'\nexport PORT='5432'\nexport NESTED='{"a":[1,2]}'\n`);
  const wrong = await runAsync(['export', '-f', yamlFile, '--format', 'xml']);
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /option '--format <format>' argument 'xml' is invalid/);
});

test.after(() => removeDir(dir));
test.run();
