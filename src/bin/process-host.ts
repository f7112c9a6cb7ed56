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
    // Node makes a standard stream on its first use (a socket for a pipe, a tty handle for a
    // terminal), which costs start-up time: the git filter speaks over fds 0 and 1 without them,
    // and `view` never reads stdin. The getters leave each one unmade until a command uses it.
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
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
