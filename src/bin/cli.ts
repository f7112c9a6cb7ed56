#!/usr/bin/env node
/**
 * The `vault` executable: hands this process (its directory, environment, streams and signals) to
 * run() and exits with the code it returns. With the other executables in src/bin/, the only modules
 * that touch `process`.
 */
import { VERSION } from '../version.js';

const args = process.argv.slice(2);

// A reader that went away (`vault view f | head -1`): stop quietly with the status a shell gives a
// program killed by SIGPIPE (128 + 13), as cat does, instead of an unhandled-error stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(128 + 13);
});

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // `vault --version` alone is answered before the program loads: for so small an answer, loading
  // it is most of the cost (docs/benchmarks.md). run() gives the same line through commander.
  process.stdout.write(`${VERSION}\n`);
} else {
  // Loaded with import() so that the answer above costs none of it (no top-level await: the single
  // executable is a CommonJS bundle).
  void Promise.all([import('./process-host.js'), import('../run.js')])
    .then(([{ processHost }, { run }]) => run(args, processHost()))
    .then(
      (code) => {
        process.exitCode = code;
      },
      () => {
        process.stderr.write('vault: unexpected internal error; run again with --debug for details\n');
        process.exitCode = 1;
      },
    );
}
