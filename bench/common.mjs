// Shared benchmark helpers: run a command N times and keep the median wall time.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
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

/** @param {number} x */
export function fmt(x) {
  return x >= 100 ? x.toFixed(0) : x.toFixed(2);
}
