// Shared test helpers: run the built CLI as a user would, in temporary directories and git
// repositories that never see the developer's own git configuration.
//
// Two ways to run it. `runVault` calls the program's run() in this process (most tests: no node
// start-up per command); `runVaultBinary` and `spawnVault` start `node bundle/bin/vault.js` for what needs
// a real process: signals, SIGKILL, terminals, output of children that inherit the descriptors.
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import { openContext } from '../dist/context.js';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bundle', 'bin', 'vault.js');
export const FIXTURES = join(ROOT, 'fixtures');

/** Environment for children: no user git config, no inherited vaultfile variables. */
export function cleanEnv(extra = {}) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (key.startsWith('VAULTFILE_') || key.startsWith('ANSIBLE_') || key.startsWith('GIT_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

/** What a host's exit() throws in process: the run ends with CODE (only on the signal paths). */
export class HostExit extends Error {
  /** @param {number} code */
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** A writable that keeps every byte written to it. */
function collector() {
  /** @type {Buffer[]} */
  const chunks = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/**
 * A host for one in-process run: ENV, standard input INPUT, collected output, signals that only
 * the test can emit (`host.signals.emit`). What the program reads of `process` is not involved.
 * @param {{cwd?: string, env?: Record<string, string | undefined>, input?: string | Uint8Array}} [options]
 */
export function testHost(options = {}) {
  const out = collector();
  const err = collector();
  const emitter = new EventEmitter();
  const input = options.input ?? '';
  const host = {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    stdin: Readable.from(input.length === 0 ? [] : [Buffer.from(input)]),
    stdout: out.stream,
    stderr: err.stream,
    execPath: process.execPath,
    signals: {
      on: (/** @type {string} */ signal, /** @type {any} */ listener) => void emitter.on(signal, listener),
      off: (/** @type {string} */ signal, /** @type {any} */ listener) => void emitter.off(signal, listener),
      listenerCount: (/** @type {string} */ signal) => emitter.listenerCount(signal),
      /** @type {string[]} */
      raised: [],
      raise(/** @type {string} */ signal) {
        this.raised.push(signal);
      },
      emit: (/** @type {string} */ signal) => emitter.emit(signal, signal),
    },
    /** @param {number} code */
    exit(code) {
      throw new HostExit(code);
    },
  };
  return { host, stdout: out.bytes, stderr: err.bytes };
}

/**
 * The context of one run on a test host (see testHost), for modules that take one.
 * @param {{cwd?: string, env?: Record<string, string | undefined>, input?: string | Uint8Array}} [options]
 */
export function testContext(options = {}) {
  return openContext(/** @type {any} */ (testHost(options).host)).context;
}

/** @type {Promise<typeof import('../dist/run.js')> | null} */
let program = null;

/**
 * Run `vault ARGS` in this process, as the binary would run it: the clean environment, CWD,
 * standard input INPUT; resolves with the exit code and the bytes written. The process's own
 * directory and environment point at the run's meanwhile, because what the program starts (git,
 * editors, scripts) inherits them and relative paths resolve against them.
 * @param {string[]} args
 * @param {{cwd?: string, env?: Record<string,string>, input?: string | Uint8Array}} [options]
 * @returns {Promise<{code: number | null, stdout: string, stderr: string, stdoutBytes: Buffer}>}
 */
export async function runVault(args, options = {}) {
  program ??= import('../dist/run.js');
  const { run } = await program;
  const cwd = options.cwd ?? ROOT;
  const env = cleanEnv(options.env);
  const { host, stdout, stderr } = testHost({ cwd, env, input: options.input });
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  process.env = env;
  process.chdir(cwd);
  /** @type {number} */
  let code;
  try {
    code = await run(args, host);
  } catch (error) {
    if (!(error instanceof HostExit)) throw error;
    code = error.code;
  } finally {
    process.env = savedEnv;
    process.chdir(savedCwd);
  }
  const stdoutBytes = stdout();
  return { code, stdout: stdoutBytes.toString('utf8'), stderr: stderr().toString('utf8'), stdoutBytes };
}

/**
 * Run `vault ARGS` synchronously in a new process (`node bundle/bin/vault.js`, what `vault` runs).
 * @param {string[]} args
 * @param {{cwd?: string, env?: Record<string,string>, input?: string | Uint8Array}} [options]
 * @returns {{code: number | null, stdout: string, stderr: string, stdoutBytes: Buffer}}
 */
export function runVaultBinary(args, options = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    input: options.input ?? '',
    maxBuffer: 512 * 1024 * 1024,
  });
  return {
    code: result.status,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    stdoutBytes: result.stdout,
  };
}

/**
 * Run `vault ARGS` asynchronously (for signals and concurrency).
 * @param {string[]} args
 * @param {{cwd?: string, env?: Record<string,string>}} [options]
 */
export function spawnVault(args, options = {}) {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A fresh temporary directory (real path, so comparisons with cwd work). */
export function tempDir(prefix = 'vaultfile-test-') {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/**
 * Run git in DIR with the clean environment; throws on failure.
 * @param {string} dir
 * @param {string[]} args
 * @param {{env?: Record<string,string>, input?: string}} [options]
 */
export function git(dir, args, options = {}) {
  const result = spawnSync('git', args, {
    cwd: dir,
    env: cleanEnv(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`git ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

/** A temporary git repository with an initial branch "main". */
export function tempRepo() {
  const dir = tempDir('vaultfile-repo-');
  git(dir, ['init', '-q', '-b', 'main']);
  return dir;
}

/**
 * Write a 0600 file (passwords, keys).
 * @param {string} path
 * @param {string} text
 */
export function writeSecret(path, text) {
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/**
 * Remove a temporary directory.
 * @param {string} dir
 */
export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** @param {string} path */
export function readBytes(path) {
  return readFileSync(path);
}

/** @param {string} path */
export function modeOf(path) {
  return statSync(path).mode & 0o777;
}

/**
 * Assert that FN rejects with an error of TYPE (whose message matches MESSAGE, when given).
 * @param {() => Promise<unknown>} fn
 * @param {Function} type
 * @param {RegExp} [message]
 * @returns {Promise<Error>}
 */
export async function rejects(fn, type, message) {
  try {
    await fn();
  } catch (error) {
    assert.instance(error, type, `expected ${type.name}, got ${error}`);
    if (message) assert.match(/** @type {Error} */ (error).message, message);
    return /** @type {Error} */ (error);
  }
  assert.unreachable(`expected ${type.name}`);
  throw new Error('unreachable');
}
