#!/usr/bin/env node
/**
 * The one error boundary: runs the program and turns a thrown error into one line on stderr and
 * an exit code (src/errors.ts). Stack traces only with --debug. Nothing else here.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT, VaultError, exitCodeOf } from './errors.js';

const debug = process.argv.includes('--debug') || process.env.VAULTFILE_DEBUG === '1';

/** Messages of unexpected errors can carry anything; show only the class unless --debug. */
function describe(error: unknown): string {
  if (error instanceof VaultError) return error.message;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return `unexpected ${error.code}; run again with --debug for details`;
  }
  return 'unexpected internal error; run again with --debug for details';
}

async function main(): Promise<number> {
  const program = await buildProgram(process.argv);
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" to commander; usage mistakes get our usage code.
      if (error.exitCode === 0) return EXIT.OK;
      return EXIT.USAGE;
    }
    process.stderr.write(`vault: ${describe(error)}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

// A reader that went away (`vault view f | head -1`): stop quietly with the status a shell gives a
// program killed by SIGPIPE (128 + 13), as cat does, instead of an unhandled-error stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(128 + 13);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vault: ${describe(error)}\n`);
    process.exitCode = EXIT.FAILURE;
  },
);
