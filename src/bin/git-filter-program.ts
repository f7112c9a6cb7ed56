/**
 * The git drivers' program (what src/bin/git-filter.ts starts; `vault git setup` writes
 * `node <git-filter.js> filter-process` and the like into the repository config). Not a `vault`
 * subcommand: git starts it once per git command (every checkout, status and add), so its start-up
 * is paid each time. It loads the protocol, the envelope and the key store only: no command-line
 * framework, no other command (the package builds it as one CommonJS file that git-filter.js runs
 * with a code cache, scripts/build-bundle.mjs).
 * The arguments are those of the hidden `vault git ...` commands, which run the same code and
 * keep older configurations working. Errors: one line on stderr and the exit code of errors.ts.
 */
import { writeSync } from 'node:fs';
import { openContext, type Context } from '../context.js';
import { EXIT, UsageError, exitCodeOf } from '../errors.js';
import { fdSink } from '../git/fd-io.js';
import { describeError } from '../git/filter-process.js';
import { serveFilterProcess } from '../git/filter.js';
import { processHost } from './process-host.js';

const USAGE = 'usage: git-filter.js filter-process | clean [--] PATH | smudge [--] PATH | textconv FILE | merge O A B L P (run by git; see "vault git setup")';

const log = (line: string): void => {
  writeSync(2, `vault: ${line}\n`);
};

const writeOut = fdSink(1);

async function main(args: string[], io: Context): Promise<number> {
  const [command, ...rest] = args;
  const operands = rest[0] === '--' ? rest.slice(1) : rest;
  if (command === 'filter-process' && operands.length === 0) {
    serveFilterProcess(io.cwd, io.env, log);
    return EXIT.OK;
  }
  // The single-shot drivers are not on a hot path (textconv runs once per file shown), so they
  // load their module only when asked for.
  const drivers = await import('../git/drivers.js');
  if ((command === 'clean' || command === 'smudge') && operands.length <= 1) {
    await drivers.runSingleShot(command, operands[0] ?? '', io.stdin, writeOut, log, io);
    return EXIT.OK;
  }
  if (command === 'textconv' && operands.length === 1) {
    writeOut(drivers.textconv(operands[0]!, log, io));
    return EXIT.OK;
  }
  if (command === 'merge' && operands.length === 5) {
    const [base, ours, theirs, markerSize, path] = operands as [string, string, string, string, string];
    return drivers.mergeDriver({ base, ours, theirs, markerSize, path }, log, io);
  }
  throw new UsageError(USAGE);
}

/** Run the driver ARGS asks for; the promise settles when it is done, with the exit code set. */
export function start(args: string[]): Promise<void> {
  const { context, close } = openContext(processHost());
  // The merge driver's private copy goes on every way out, process.exit included.
  process.once('exit', close);
  return main(args, context).then(
    (code) => {
      close();
      process.exitCode = code;
    },
    (error: unknown) => {
      close();
      log(describeError(error));
      if (process.env.VAULTFILE_DEBUG === '1' && error instanceof Error && error.stack) writeSync(2, `${error.stack}\n`);
      process.exitCode = exitCodeOf(error);
    },
  );
}
