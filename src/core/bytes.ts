/**
 * Byte helpers shared by the core: constant-time comparison, concatenation, UTF-8, hex and
 * fixed-width integers. Pure functions over Uint8Array; nothing here touches keys beyond reading
 * them, and nothing allocates from Node's shared Buffer pool (SECURITY.md §3.7).
 */
import { timingSafeEqual } from 'node:crypto';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Compare two MACs, tags or commitments in constant time. Lengths are public, so a length
 * mismatch returns early; timingSafeEqual would throw on it (SECURITY.md §3.8).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return joinBytes(parts);
}

/** concatBytes over an array, for any number of parts (a spread is bounded by the stack). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode UTF-8, or return null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A fresh copy that owns its memory (never a view into a pooled Buffer). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** Zero every array given, ignoring undefined (for finally blocks). */
export function wipe(...arrays: (Uint8Array | undefined | null)[]): void {
  for (const array of arrays) array?.fill(0);
}
