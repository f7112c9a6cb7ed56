// Helpers shared by the runtime tests (vault exec / vault export): run the built CLI
// asynchronously with a fully controlled environment (the loopback AWS fake lives in this same
// process, so a synchronous spawn would block it), and a child program that prints SHA-256 hashes
// of selected variables, never the values themselves.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { CLI, cleanEnv } from './helpers.mjs';

/** @param {string} text */
export function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// Prints {"NAME": sha256(value) | null, ...} for the names given as arguments.
const PRINT_HASHES = `const {createHash}=require('node:crypto');const out={};
for (const n of process.argv.slice(1)) { const v = process.env[n];
  out[n] = v === undefined ? null : createHash('sha256').update(v, 'utf8').digest('hex'); }
process.stdout.write(JSON.stringify(out));`;

/** `-- node -e <print hashes> NAMES...`: the command part of a `vault exec` call. */
export function hashChild(/** @type {string[]} */ ...names) {
  return ['--', process.execPath, '-e', PRINT_HASHES, ...names];
}

/** The expected output of hashChild for NAME -> value (null: unset). */
export function hashesOf(/** @type {Record<string, string | null>} */ expected) {
  /** @type {Record<string, string | null>} */
  const out = {};
  for (const [name, value] of Object.entries(expected)) out[name] = value === null ? null : sha256(value);
  return out;
}

/**
 * Assert that a `vault exec … hashChild(…)` run wrote no error, exited 0, and that its child saw
 * EXPECTED (NAME -> value, null: unset).
 * @param {{ code: number | null, stdout: string, stderr: string }} result
 * @param {Record<string, string | null>} expected
 */
export function assertExecSet(result, expected) {
  assert.is(result.stderr, '');
  assert.is(result.code, 0);
  assert.equal(JSON.parse(result.stdout), hashesOf(expected));
}

/** A clean environment without any AWS_ variable of the developer's, plus EXTRA. */
export function runtimeEnv(/** @type {Record<string, string>} */ extra = {}) {
  /** @type {Record<string, string>} */
  const env = cleanEnv();
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.endsWith('_TO_RESOLVE')) delete env[name];
  return { ...env, ...extra };
}

/**
 * Run `vault ARGS` with exactly ENV, without blocking this process: the built CLI on this Node
 * (with NODEARGS), or PROGRAM, an installed executable, run directly as a shell would.
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, cwd?: string, nodeArgs?: string[], program?: string }} [options]
 * @returns {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string }>}
 */
export function runAsync(args, options = {}) {
  return new Promise((resolve, reject) => {
    const [file, argv] = options.program === undefined
      ? [process.execPath, [...(options.nodeArgs ?? []), CLI, ...args]]
      : [options.program, args];
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? runtimeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // A hung run fails its test instead of stalling the whole suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
