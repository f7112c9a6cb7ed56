/**
 * The program as a function: `run(args, host)` parses ARGS (what follows `vault`), runs the
 * command and returns the exit code. The one error boundary: a thrown error becomes one line on
 * stderr and an exit code (src/errors.ts); stack traces only with --debug. Touches nothing of the
 * process but what HOST gives it, and keeps nothing between two runs.
 */
import { openContext, type Host, type Output } from './context.js';
import { EXIT, VaultError, exitCodeOf } from './errors.js';

/** Messages of unexpected errors can carry anything; show only the class unless --debug. */
function describe(error: unknown): string {
  if (error instanceof VaultError) return error.message;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return `unexpected ${error.code}; run again with --debug for details`;
  }
  return 'unexpected internal error; run again with --debug for details';
}

export async function run(args: string[], host: Host): Promise<number> {
  const debug = args.includes('--debug') || host.env.VAULTFILE_DEBUG === '1';
  const { context, close } = openContext(host);
  try {
    // Loaded here rather than at the top: what `run` costs before a command starts stays with it.
    const { buildProgram } = await import('./program.js');
    const program = await buildProgram(args, context);
    await program.parseAsync(args, { from: 'user' });
    return context.exitCode ?? EXIT.OK;
  } catch (error) {
    const { CommanderError } = await import('commander');
    if (error instanceof CommanderError) {
      // help and version are "errors" to commander; usage mistakes get our usage code.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return reportError(error, host.stderr, debug);
  } finally {
    close();
  }
}

/** ERROR as the one line on STDERR (its stack too with DEBUG); returns the exit code it maps to. */
export function reportError(error: unknown, stderr: Output, debug: boolean): number {
  stderr.write(`vault: ${describe(error)}\n`);
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return exitCodeOf(error);
}
