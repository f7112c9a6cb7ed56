// Runs every test/*.test.mjs file with uvu, one file per process so that a crash stays local, in
// parallel workers (2 by default, the cores of the reference machine; `--jobs N` or
// VAULTFILE_TEST_JOBS=N), slowest files first so that the last file to start is a short one.
// Each file's output is printed whole when it ends; the closing line is what CI reads:
// "N passed, N failed". Arguments that are not options select files by part of their name.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Durations of the last run, to start the slowest first; a fresh clone has none and orders by size.
const timingsFile = join(here, '..', 'node_modules', '.cache', 'vaultfile-test-times.json');

const args = process.argv.slice(2);
let jobs = Number(process.env.VAULTFILE_TEST_JOBS ?? 2);
/** @type {string[]} */
const only = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') jobs = Number(args[++i]);
  else only.push(args[i]);
}
if (!Number.isInteger(jobs) || jobs < 1) {
  process.stderr.write('run.mjs: --jobs takes a whole number of 1 or more\n');
  process.exit(2);
}

/** @type {Record<string, number>} */
let timings = {};
try {
  timings = JSON.parse(readFileSync(timingsFile, 'utf8'));
} catch {
  // no earlier run: estimate by size below
}
const estimate = (/** @type {string} */ name) => timings[name] ?? statSync(join(here, name)).size / 10;
const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.mjs'))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b));

/**
 * Run one test file; resolves with its counts and output.
 * @param {string} name
 * @returns {Promise<{name: string, passed: number, failed: number, ok: boolean, output: string, ms: number}>}
 */
function runFile(name) {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, name)], {
      // The code cache `vault view` keeps per user (src/bin/code-cache.ts) goes under the checkout's
      // node_modules/.cache, not the home directory of whoever runs the suite.
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', XDG_CACHE_HOME: join(here, '..', 'node_modules', '.cache', 'xdg') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (status) => {
      const output = Buffer.concat(chunks).toString('utf8');
      const total = /Total:\s+(\d+)/.exec(output);
      const okCount = /Passed:\s+(\d+)/.exec(output);
      const fileTotal = total ? Number(total[1]) : 0;
      const filePassed = okCount ? Number(okCount[1]) : 0;
      const crashed = status !== 0 && fileTotal === filePassed;
      resolve({
        name,
        passed: filePassed,
        failed: fileTotal - filePassed + (crashed || fileTotal === 0 ? 1 : 0),
        ok: status === 0 && fileTotal > 0,
        output,
        ms: Date.now() - start,
      });
    });
  });
}

let passed = 0;
let failed = 0;
const queue = [...files];
/** @type {Record<string, number>} */
const measured = {};

async function worker() {
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const result = await runFile(name);
    passed += result.passed;
    failed += result.failed;
    measured[name] = result.ms;
    const seconds = (result.ms / 1000).toFixed(1);
    process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${name} (${result.passed}/${result.passed + result.failed}) ${seconds}s\n`);
    if (!result.ok) process.stdout.write(result.output.replace(/^/gm, '    ') + '\n');
    // A file that skips (a peer tool missing) says so loudly; keep that visible in the summary.
    else for (const line of result.output.split('\n').filter((l) => /SKIPPED/.test(l))) process.stdout.write(`    ${line.trim()}\n`);
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
try {
  mkdirSync(dirname(timingsFile), { recursive: true });
  writeFileSync(timingsFile, JSON.stringify({ ...timings, ...measured }, null, 1));
} catch {
  // a read-only checkout: the next run orders by size again
}
process.stdout.write(`${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)}s with ${jobs} workers\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
