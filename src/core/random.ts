/**
 * Randomness is a parameter of the core so tests and vectors can pin it (STYLE.md, noble).
 * The default is the system CSPRNG; never Buffer.allocUnsafe (a shared pool) for key material.
 */
import { getRandomValues } from 'node:crypto';

export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => {
  const bytes = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
};
