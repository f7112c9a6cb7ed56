/**
 * git's pkt-line framing (gitprotocol-common(5)), the transport of the long-running filter
 * protocol: four hex digits giving the packet length including themselves, then the payload;
 * "0000" is a flush packet. Encoding, a buffered reader over any source of chunks, and a writer
 * that sends one response in one write. It knows nothing about filters and never touches file
 * descriptors itself: the caller hands in the source and the sink (fd-io.ts for the real pipes).
 */
import { FormatError } from '../errors.js';
import { joinBytes } from '../core/bytes.js';

/** Largest payload one packet may carry (65520-byte packet minus the 4-byte length). */
export const PKT_MAX_PAYLOAD = 65516;
/** Length field of a flush packet. */
export const FLUSH_PKT = new Uint8Array([0x30, 0x30, 0x30, 0x30]);
/** The value readPacket returns for a flush packet. */
export const FLUSH: unique symbol = Symbol('flush');
export type Packet = Uint8Array | typeof FLUSH;

const HEX = '0123456789abcdef';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Frame one payload. Empty payloads are refused: the spec says they SHOULD NOT be sent. */
export function encodePacket(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload.length > PKT_MAX_PAYLOAD) {
    throw new RangeError(`pkt-line payload of ${payload.length} bytes is outside 1..${PKT_MAX_PAYLOAD}`);
  }
  const total = payload.length + 4;
  const packet = new Uint8Array(total);
  for (let i = 0; i < 4; i++) packet[i] = HEX.charCodeAt((total >> (12 - 4 * i)) & 0xf);
  packet.set(payload, 4);
  return packet;
}

/** Frame one text line; the LF the spec asks for is appended. */
export function encodeTextPacket(line: string): Uint8Array {
  return encodePacket(encoder.encode(`${line}\n`));
}

/** Parse a 4-hex-digit length field; either case is accepted, anything else is a protocol error. */
function parseLength(bytes: Uint8Array, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i]!;
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
    else throw new FormatError('pkt-line: bad length field from git; is this run by git as a filter?');
    value = value * 16 + digit;
  }
  return value;
}

/** The next chunk of input, or null at its end (a blocking read: see fd-io.ts). */
export type ChunkSource = () => Uint8Array | null;
/** Write all of BYTES before returning. */
export type ChunkSink = (bytes: Uint8Array) => void;

/**
 * Reads packets from a byte source (git's side of the pipe). Synchronous on purpose: the filter
 * protocol is strictly request/response, so an event loop only adds a round of promise hops per
 * packet to every file of a checkout. Keeps a queue of received chunks so large contents are not
 * copied more than once.
 */
export class PacketReader {
  private readonly read: ChunkSource;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;

  constructor(read: ChunkSource) {
    this.read = read;
  }

  /** Make at least `count` bytes available; false when the input ends first. */
  private fill(count: number): boolean {
    while (this.buffered < count) {
      if (this.ended) return false;
      const chunk = this.read();
      if (chunk === null) {
        this.ended = true;
        return false;
      }
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  /** Remove and return the first `count` buffered bytes (fill() must have made them available). */
  private take(count: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return out;
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, count - filled);
      out.set(chunk.subarray(0, n), filled);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.buffered -= count;
    return out;
  }

  /**
   * The next packet: its payload, FLUSH, or null when the input ended cleanly between packets.
   * Input that ends inside a packet, or a malformed length, is a FormatError.
   */
  readPacket(): Packet | null {
    if (!this.fill(4)) {
      if (this.buffered === 0) return null;
      throw new FormatError('pkt-line: stream ended inside a length field');
    }
    const head = this.take(4);
    const length = parseLength(head, 0);
    if (length === 0) return FLUSH;
    // 0001..0003 are reserved (delim/response-end in protocol v2 wire); never valid here.
    if (length < 4 || length > PKT_MAX_PAYLOAD + 4) {
      throw new FormatError(`pkt-line: invalid packet length ${length}`);
    }
    if (!this.fill(length - 4)) throw new FormatError('pkt-line: stream ended inside a packet');
    return this.take(length - 4);
  }

  /**
   * Text packets up to the next flush, each without its trailing LF. Null when the input ends
   * before the first packet (git closed the pipe: the normal way a filter session ends).
   */
  readTextList(): string[] | null {
    const lines: string[] = [];
    for (;;) {
      const packet = this.readPacket();
      if (packet === null) {
        if (lines.length === 0) return null;
        throw new FormatError('pkt-line: stream ended inside a list');
      }
      if (packet === FLUSH) return lines;
      const text = decoder.decode(packet);
      lines.push(text.endsWith('\n') ? text.slice(0, -1) : text);
    }
  }

  /** Binary content packets up to the next flush, joined. */
  readContent(): Uint8Array {
    const parts: Uint8Array[] = [];
    for (;;) {
      const packet = this.readPacket();
      if (packet === null) throw new FormatError('pkt-line: stream ended inside content');
      if (packet === FLUSH) break;
      parts.push(packet);
    }
    return parts.length === 1 ? parts[0]! : joinBytes(parts);
  }
}

/** Collects packets for one response and writes them with one call of the sink. */
export class PacketWriter {
  private pending: Uint8Array[] = [];

  constructor(private readonly write: ChunkSink) {}

  text(line: string): this {
    this.pending.push(encodeTextPacket(line));
    return this;
  }

  flushPacket(): this {
    this.pending.push(FLUSH_PKT);
    return this;
  }

  /** Content split into maximal packets; empty content adds nothing (the flush ends it). */
  content(bytes: Uint8Array): this {
    for (let offset = 0; offset < bytes.length; offset += PKT_MAX_PAYLOAD) {
      this.pending.push(encodePacket(bytes.subarray(offset, offset + PKT_MAX_PAYLOAD)));
    }
    return this;
  }

  /** Write everything queued so far. */
  send(): void {
    const parts = this.pending;
    this.pending = [];
    if (parts.length === 0) return;
    this.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }
}
