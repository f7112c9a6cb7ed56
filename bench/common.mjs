// Shared benchmark helpers: run a command N times and keep the median wall time.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bundle', 'bin', 'vault.js');
export const RSS = join(ROOT, 'test', 'support', 'report-rss.mjs');

/**
 * Median wall time (ms) of running COMMAND ARGS `runs` times; `prepare` runs before each run, untimed.
 * @param {string} command
 * @param {string[]} args
 * @param {{cwd?: string, runs?: number, prepare?: () => void, env?: NodeJS.ProcessEnv}} [options]
 */
export function timeCommand(command, args, options = {}) {
  const times = [];
  for (let i = 0; i < (options.runs ?? 3); i++) {
    options.prepare?.();
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: options.env ?? process.env, maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${result.stderr}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median wall times (ms) of several commands measured in alternation, one run of each per round,
 * so that drift in the machine's speed (a shared VM) falls on every tool alike.
 * @param {Array<{command: string, args: string[], options?: {cwd?: string, prepare?: () => void, env?: NodeJS.ProcessEnv}}>} specs
 * @param {number} runs
 */
export function timeAlternating(specs, runs) {
  /** @type {number[][]} */
  const times = specs.map(() => []);
  for (let round = 0; round < runs; round++) {
    specs.forEach((spec, i) => times[i]?.push(timeCommand(spec.command, spec.args, { ...spec.options, runs: 1 })));
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN);
}

/** @param {number} x */
export function fmt(x) {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/**
 * The environment every tool of a benchmark runs in. NODE_EXTRA_CA_CERTS is removed unless
 * BENCH_KEEP_ENV=1: Node 20 reads that certificate bundle at every start-up, before any script
 * runs (about 40 ms here, where the sandbox sets it), although none of the timed commands opens a
 * TLS connection; the Python and C peers never read it. Say so in the output, either way.
 * @param {NodeJS.ProcessEnv} [base]
 */
export function benchEnv(base = process.env) {
  const env = { ...base };
  if (process.env.BENCH_KEEP_ENV !== '1' && env.NODE_EXTRA_CA_CERTS) {
    delete env.NODE_EXTRA_CA_CERTS;
    process.stdout.write('note: NODE_EXTRA_CA_CERTS removed for every tool (Node reads it at each start-up; no timed command uses TLS); BENCH_KEEP_ENV=1 keeps it\n');
  } else if (env.NODE_EXTRA_CA_CERTS) {
    process.stdout.write('note: NODE_EXTRA_CA_CERTS kept: each Node start-up reads the certificate bundle\n');
  }
  return env;
}
