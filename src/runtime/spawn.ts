/**
 * Runs the child of `vault exec`: spawned directly (no shell, so arguments are never re-parsed),
 * stdio inherited, SIGINT/SIGTERM/SIGHUP forwarded while it runs. Resolves to the exit status a
 * shell would report: the child's code, or 128 + the signal number when a signal ended it.
 * Must not print the environment or put any value in argv.
 */
import type { Context, HandledSignal } from '../context.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/**
 * From the text of /proc/self/stat: is this process in the foreground process group of its
 * controlling terminal? (Fields after "(comm)": state ppid pgrp session tty_nr tpgid; tpgid is -1
 * without a terminal.)
 */
export function isTerminalForeground(stat: string): boolean {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = Number(fields[2]);
  const tpgid = Number(fields[5]);
  return tpgid > 0 && tpgid === pgrp;
}

/** Did a Ctrl-C on a terminal already reach the child, which shares our process group? */
function terminalDeliveredInterrupt(host: ChildHost): boolean {
  try {
    return isTerminalForeground(readFileSync('/proc/self/stat', 'utf8'));
  } catch {
    // No /proc (macOS, BSD): a terminal on stdin is the best sign left.
    return host.stdin.isTTY === true;
  }
}

/** What running the child uses of the run: the signals to forward, and stdin to tell a terminal. */
export type ChildHost = Pick<Context, 'signals' | 'stdin'>;

export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv, host: ChildHost): Promise<number> {
  // spawn would refuse a NUL byte with a message that quotes the value: name the variable instead.
  for (const [name, value] of Object.entries(env)) {
    if (value?.includes('\0')) return Promise.reject(new VaultError(`${name} holds a NUL character, which no environment variable can carry; nothing was run`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    let interrupts = 0;
    const forward = (signal: HandledSignal): void => {
      if (signal === 'SIGINT') {
        interrupts += 1;
        // Ctrl-C makes the terminal signal the whole foreground process group, child included;
        // forwarding it too would deliver it twice, which programs read as "force quit now".
        // Later ones are forwarded, as an escape hatch for a child that left our group. As PID 1
        // (a container's entrypoint, `docker run -t`) the likely sender is `docker stop`/`kill`,
        // which signals vault alone: forward it, or the program would never hear it.
        if (interrupts === 1 && process.pid !== 1 && terminalDeliveredInterrupt(host)) return;
      }
      // The child may already be gone; a failed kill then changes nothing.
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) host.signals.on(signal, forward);
    const done = (): void => {
      for (const signal of FORWARDED_SIGNALS) host.signals.off(signal, forward);
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
