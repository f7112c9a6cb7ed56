/**
 * The host of a real process: this process's directory, environment, standard streams and
 * signals. Used only by the executables beside it in src/bin/; nothing below them
 * touches `process`.
 */
import type { HandledSignal, Host } from '../context.js';

export function processHost(): Host {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    execPath: process.execPath,
    signals: {
      on: (signal, listener) => void process.on(signal, listener),
      off: (signal, listener) => void process.off(signal, listener),
      listenerCount: (signal) => process.listenerCount(signal),
      raise: (signal: HandledSignal) => void process.kill(process.pid, signal),
    },
    exit: (code) => process.exit(code),
  };
}
