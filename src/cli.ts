#!/usr/bin/env node
/**
 * The `vault` executable: hands this process (its directory, environment, streams and signals) to
 * run() and exits with the code it returns. With git-filter.ts, the only modules that touch `process`.
 */
import { processHost } from './process-host.js';
import { run } from './run.js';

// A reader that went away (`vault view f | head -1`): stop quietly with the status a shell gives a
// program killed by SIGPIPE (128 + 13), as cat does, instead of an unhandled-error stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(128 + 13);
});

run(process.argv.slice(2), processHost()).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('vault: unexpected internal error; run again with --debug for details\n');
    process.exitCode = 1;
  },
);
