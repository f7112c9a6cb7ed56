// Shared test helpers: run the built CLI as a user would, in temporary directories and git
// repositories that never see the developer's own git configuration.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bundle', 'cli.js');
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

/**
 * Run `vault ARGS` synchronously.
 * @param {string[]} args
 * @param {{cwd?: string, env?: Record<string,string>, input?: string | Uint8Array}} [options]
 * @returns {{code: number | null, stdout: string, stderr: string, stdoutBytes: Buffer}}
 */
export function runVault(args, options = {}) {
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
