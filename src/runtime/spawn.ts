/**
 * Runs the child of `vault exec`: spawned directly (no shell, so arguments are never re-parsed),
 * stdio inherited, SIGINT/SIGTERM/SIGHUP forwarded while it runs. Resolves to the exit status a
 * shell would report: the child's code, or 128 + the signal number when a signal ended it.
 * Must not print the environment or put any value in argv.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { VaultError, quotePath } from '../errors.js';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The command could not be started: 127 when not found, 126 when not executable (as shells do). */
export class CommandStartError extends VaultError {
  override readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The status a shell reports for a child that ended with CODE or by SIGNAL. */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return 128 + (number ?? 0);
}

export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      // The child may already be gone; a failed kill then changes nothing.
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      done();
      if (error.code === 'ENOENT') {
        reject(new CommandStartError(`${quotePath(command)}: command not found; check the name and PATH`, 127));
      } else if (error.code === 'EACCES' || error.code === 'ENOEXEC') {
        reject(new CommandStartError(`${quotePath(command)}: cannot execute (${error.code}); check that it is an executable file`, 126));
      } else {
        reject(new CommandStartError(`${quotePath(command)}: cannot start (${error.code ?? 'error'})`, 126));
      }
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(exitStatusOf(code, signal));
    });
  });
}
