/**
 * Blocking reads and writes on the filter's pipes (file descriptors 0 and 1). git starts the
 * filter with blocking pipes; should a descriptor be non-blocking anyway (inherited from a
 * parent), EAGAIN waits a millisecond and tries again instead of failing the checkout.
 */
import { readSync, writeSync } from 'node:fs';
import type { ChunkSink, ChunkSource } from './pkt-line.js';

const READ_SIZE = 1 << 16;
const pause = new Int32Array(new SharedArrayBuffer(4));

function isAgain(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** Chunks read from FD until end of file (null). */
export function fdSource(fd: number): ChunkSource {
  const buffer = new Uint8Array(READ_SIZE);
  return () => {
    for (;;) {
      let count: number;
      try {
        count = readSync(fd, buffer, 0, READ_SIZE, null);
      } catch (error) {
        if (!isAgain(error)) throw error;
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      // A copy of what was read: the reader keeps it until its packet is complete.
      return count === 0 ? null : buffer.slice(0, count);
    }
  };
}

/** Writes all of each chunk to FD. */
export function fdSink(fd: number): ChunkSink {
  return (bytes) => {
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        if (!isAgain(error)) throw error;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
  };
}
