/**
 * Writing to a standard descriptor of this process without Node's stream for it (which, for a
 * pipe, loads Node's socket machinery: 1.5 ms of a short command). A reader that went away
 * (`vault view f | head -1`) ends the process quietly with the status a shell gives a program
 * SIGPIPE killed, as cat does, instead of an error and a stack trace.
 */
import { fdSink } from '../git/fd-io.js';

export const BROKEN_PIPE_STATUS = 128 + 13;

/** Write all of BYTES to FD (blocking; see git/fd-io.ts for a non-blocking one). */
export function writeToFd(fd: number, bytes: Uint8Array): void {
  try {
    fdSink(fd)(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(BROKEN_PIPE_STATUS);
    throw error;
  }
}
