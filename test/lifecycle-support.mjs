// Shared setup for the lifecycle tests (edit, create, rekey, rotate): scripted editors, encrypted
// fixtures made with the built CLI, and the check that no plaintext copy is left behind.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { CLI, ROOT, cleanEnv, runVault } from './helpers.mjs';

const HALT_DRIVER = join(ROOT, 'test', 'support', 'halt-at.mjs');

/**
 * Write an executable /bin/sh script.
 * @param {string} path
 * @param {string} body
 */
export function script(path, body) {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * The scripted editors of issue 3 in DIR; each gets the plaintext path as its last argument.
 * @param {string} dir
 */
export function editors(dir) {
  return {
    /** Appends a line (APPEND_TEXT, default "added: line"). */
    append: script(join(dir, 'append.sh'), 'for f; do :; done\nprintf "%s\\n" "${APPEND_TEXT:-added: line}" >> "$f"'),
    /** Changes the file, then fails: nothing may be written. */
    fail: script(join(dir, 'fail.sh'), 'for f; do :; done\necho "lost: edit" >> "$f"\nexit 1'),
    /** Changes nothing (and touches the file: same bytes, new mtime, still "no change"). */
    noop: script(join(dir, 'noop.sh'), 'for f; do :; done\ntouch "$f"'),
    /** Records where it was started and how the copy looked, then sleeps until killed. */
    sleep: script(
      join(dir, 'sleep.sh'),
      'for f; do :; done\nstat -c "%a %n" "$(dirname "$f")" "$f" > "$EDITOR_LOG.tmp"\necho "pid $$" >> "$EDITOR_LOG.tmp"\nmv "$EDITOR_LOG.tmp" "$EDITOR_LOG"\nexec sleep 30',
    ),
    /** Appends its line, then waits for the file $EDITOR_GO before exiting (concurrency tests). */
    gated: script(
      join(dir, 'gated.sh'),
      'for f; do :; done\nprintf "%s\\n" "$APPEND_TEXT" >> "$f"\necho "$f" > "$EDITOR_LOG"\nwhile [ ! -e "$EDITOR_GO" ]; do sleep 0.01; done',
    ),
    /** Replaces the content with $REPLACE_TEXT (for create and validation tests). */
    replace: script(join(dir, 'replace.sh'), 'for f; do :; done\nprintf "%b" "$REPLACE_TEXT" > "$f"'),
  };
}

/**
 * Run vault, asserting nothing about the result.
 * @param {string[]} args
 * @param {string} cwd
 * @param {Record<string, string>} [env]
 */
export async function vault(args, cwd, env = {}) {
  return await runVault(args, { cwd, env });
}

/**
 * Start vault asynchronously; resolves with code, signal, stdout and stderr when it ends. With
 * HALT, the crash-point driver (test/support/halt-at.mjs) runs it and stops it at that step.
 * @param {string[]} args
 * @param {string} cwd
 * @param {Record<string, string>} [env]
 * @param {string | null} [halt]
 */
export function startVault(args, cwd, env = {}, halt = null) {
  const entry = halt === null ? [CLI] : [HALT_DRIVER, halt];
  const child = spawn(process.execPath, [...entry, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  /** @type {Promise<{code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string}>} */
  const done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/**
 * Wait until PREDICATE holds (polling), or fail after TIMEOUT ms.
 * @param {() => boolean} predicate
 * @param {string} what
 * @param {number} [timeout]
 */
export async function waitFor(predicate, what, timeout = 20000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** @param {string} path */
export function mtimeOf(path) {
  return statSync(path).mtimeMs;
}

/**
 * Every file under DIR (recursively) whose bytes contain MARKER.
 * @param {string} dir
 * @param {string} marker
 * @returns {string[]}
 */
export function filesContaining(dir, marker) {
  /** @type {string[]} */
  const found = [];
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesContaining(path, marker));
    else if (entry.isFile()) {
      try {
        if (readFileSync(path).includes(marker)) found.push(path);
      } catch {
        // vanished or unreadable: not ours
      }
    }
  }
  return found;
}

/**
 * After an edit: the private temp root is empty, and no vaultfile-edit directory of PID is left in
 * /dev/shm or the system temp dir; no file under the temp roots holds MARKER.
 * @param {string} tempRoot the VAULTFILE_TMPDIR the test used
 * @param {string} marker a string that only the plaintext contains
 */
export function assertNoPlaintextLeft(tempRoot, marker) {
  assert.equal(readdirSync(tempRoot), [], `${tempRoot} is empty`);
  for (const root of ['/dev/shm', tmpdir()]) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      if (!name.startsWith('vaultfile-edit-')) continue;
      assert.equal(filesContaining(join(root, name), marker), [], `no plaintext under ${join(root, name)}`);
    }
  }
  assert.equal(filesContaining(tempRoot, marker), []);
}
