#!/usr/bin/env node
/**
 * The `vault` program: hands this process (its directory, environment, streams and signals) to
 * run() and exits with the code it returns. Started by the launcher (src/bin/vault.ts), which answers
 * `--version` first and handles a closed stdout. With the other executables in src/bin/, the only
 * modules that touch `process`.
 */
import { processHost } from './process-host.js';
import { run } from '../run.js';

run(process.argv.slice(2), processHost()).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('vault: unexpected internal error; run again with --debug for details\n');
    process.exitCode = 1;
  },
);
