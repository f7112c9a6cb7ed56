/**
 * The host of a real process: this process's directory, environment, standard streams and
 * signals. Used only by the executables beside it in src/bin/; nothing below them
 * touches `process`.
 */
import { fstatSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { HandledSignal, Host, Output } from '../context.js';
import { BROKEN_PIPE_STATUS, writeToFd } from './fd-output.js';

export function processHost(): Host {
  let stdout: Output | undefined;
  let stderr: Output | undefined;
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
      stdout ??= standardOutput(1, () => process.stdout);
      return stdout;
    },
    get stderr() {
      stderr ??= standardOutput(2, () => process.stderr);
      return stderr;
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

/**
 * Standard output or error (FD 1 or 2). Into a pipe or a file: blocking writes to the descriptor
 * (src/bin/fd-output.ts), which is what Node's own stream does there on Linux, without the socket
 * machinery Node builds a pipe's stream from. Anything else (a terminal, a socket, /dev/null): the
 * process's stream, STREAM(). Either way a reader that went away ends the process quietly with the
 * status of SIGPIPE.
 */
function standardOutput(fd: 1 | 2, stream: () => NodeJS.WriteStream): Output {
  let kind: { isFIFO(): boolean; isFile(): boolean } | null = null;
  try {
    kind = fstatSync(fd);
  } catch {
    // no such descriptor: the process's stream reports it
  }
  if (kind !== null && (kind.isFIFO() || kind.isFile())) {
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        try {
          writeToFd(fd, chunk);
        } catch (error) {
          done(error as Error);
          return;
        }
        done();
      },
    });
  }
  const output = stream();
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(BROKEN_PIPE_STATUS);
  });
  return output;
}
