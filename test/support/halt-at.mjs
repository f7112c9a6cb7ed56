#!/usr/bin/env node
// Test driver for the crash-point tests: `node halt-at.mjs POINT vault-args...` runs the built
// program like dist/bin/cli.js does, with a step callback that, at the named POINT, says so on stderr
// and blocks forever, so the test can SIGKILL the process exactly there. Some points (after the
// rotation marker, before the keyring) are microseconds apart; no test could hit them by watching
// the filesystem. The shipped binary has no such hook: only this script passes the callback.
import { writeSync } from 'node:fs';
import { run } from '../../dist/run.js';
import { processHost } from '../../dist/bin/process-host.js';

const [point, ...args] = process.argv.slice(2);
const step = (/** @type {string} */ reached) => {
  if (reached !== point) return;
  writeSync(2, `vault: test hook: halted at ${reached}\n`);
  // A synchronous wait: nothing else in this process runs until the test kills it.
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
};
process.exitCode = await run(args, { ...processHost(), step });
