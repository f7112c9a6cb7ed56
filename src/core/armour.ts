/**
 * The text armour of an envelope (docs/FORMAT.md §2): the magic line `$VAULTFILE;1;AES256`, then
 * canonical standard base64 in lines of exactly 76 columns (the last may be shorter), each ending
 * with `\n`. Encoder and decoder both stream with memory bounded by one line plus the bytes pushed.
 * The decoder tolerates nothing: no CR, no blank lines, no whitespace, no long or short lines, no
 * non-canonical base64, nothing after the last line. It knows nothing about the binary inside.
 */
import { FormatError, quotePath } from '../errors.js';
import { damaged } from './damage.js';
import { concatBytes, utf8 } from './bytes.js';

export const ENVELOPE_MAGIC = '$VAULTFILE;1;AES256';
/** Every envelope, whatever its version, starts with this; isEnvelope looks for it. */
export const ENVELOPE_PREFIX = '$VAULTFILE;';
export const LINE_LENGTH = 76;
/** 76 base64 characters carry exactly 57 bytes, so full lines never need padding. */
const LINE_BYTES = 57;
const MAGIC_LINE = utf8(`${ENVELOPE_MAGIC}\n`);
const NEWLINE = 0x0a;
const CR = 0x0d;
const PAD = 0x3d;
/** The longest first line worth reading before deciding the input is not an envelope. */
const MAX_MAGIC_LINE = 64;

const BASE64_CHAR = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_CHAR[char.charCodeAt(0)] = 1;
}

/** Standard base64 with `=` padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decode canonical standard base64, or return null. Node's decoder skips bad characters and
 * ignores non-zero trailing bits; re-encoding and comparing rejects every alternative spelling,
 * so one byte string has exactly one accepted text.
 */
export function decodeBase64(text: string): Uint8Array | null {
  // Canonical text has a length that is a multiple of 4; the round trip below rejects the rest.
  if (text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The first-line check: does the text start like an envelope of any version? */
export function hasEnvelopePrefix(bytes: Uint8Array): boolean {
  if (bytes.length < ENVELOPE_PREFIX.length) return false;
  for (let i = 0; i < ENVELOPE_PREFIX.length; i++) {
    if (bytes[i] !== ENVELOPE_PREFIX.charCodeAt(i)) return false;
  }
  return true;
}

/** Binary in, armoured text out. */
export class ArmourEncoder {
  #started = false;
  #pending: Uint8Array = new Uint8Array(0);

  push(binary: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(MAGIC_LINE);
    }
    const data = this.#pending.length > 0 ? concatBytes(this.#pending, binary) : binary;
    const whole = data.length - (data.length % LINE_BYTES);
    if (whole > 0) out.push(encodeLines(data.subarray(0, whole)));
    this.#pending = data.slice(whole);
    return out;
  }

  /** The last line (if any bytes remain). The binary must not be empty: envelopes never are. */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.#started) {
      this.#started = true;
      out.push(MAGIC_LINE);
    }
    if (this.#pending.length > 0) out.push(encodeLines(this.#pending));
    this.#pending = new Uint8Array(0);
    return out;
  }
}

function encodeLines(binary: Uint8Array): Uint8Array {
  const text = Buffer.from(encodeBase64(binary), 'latin1');
  const lines = Math.ceil(text.length / LINE_LENGTH);
  const out = new Uint8Array(text.length + lines);
  let o = 0;
  for (let i = 0; i < text.length; i += LINE_LENGTH) {
    const line = text.subarray(i, Math.min(text.length, i + LINE_LENGTH));
    out.set(line, o);
    o += line.length;
    out[o++] = NEWLINE;
  }
  return out;
}

/** Armoured text in, binary out; every check of docs/FORMAT.md §2.3, with line numbers. */
export class ArmourDecoder {
  readonly #origin: string;
  #magicDone = false;
  #pending: Uint8Array = new Uint8Array(0);
  #line = 0;
  #finalSeen = false;
  #bodyLines = 0;

  constructor(origin: string) {
    this.#origin = origin;
  }

  push(text: Uint8Array): Uint8Array[] {
    const data = this.#pending.length > 0 ? concatBytes(this.#pending, text) : text;
    const out: Uint8Array[] = [];
    let start = 0;
    let batchStart = -1;
    let batchEnd = -1;
    const flush = (): void => {
      if (batchStart >= 0) out.push(decodeFullLines(data.subarray(batchStart, batchEnd)));
      batchStart = -1;
    };
    // Lines before this offset failed the bulk check: take them one by one (which names the bad one).
    let slowUntil = -1;
    for (;;) {
      // Fastest path: a run of full lines, validated in bulk by native code (decodeValidFullLines).
      if (this.#magicDone && !this.#finalSeen && start >= slowUntil) {
        let lines = 0;
        while (start + lines * (LINE_LENGTH + 1) + LINE_LENGTH < data.length && data[start + lines * (LINE_LENGTH + 1) + LINE_LENGTH] === NEWLINE) lines++;
        if (lines > 1) {
          const end = start + lines * (LINE_LENGTH + 1);
          const decoded = decodeValidFullLines(data.subarray(start, end), lines);
          if (decoded !== null) {
            flush();
            out.push(decoded);
            this.#line += lines;
            this.#bodyLines += lines;
            start = end;
            continue;
          }
          slowUntil = end;
        }
      }
      // Fast path: a full 76-column line of plain base64 characters, checked in place.
      const next = start + LINE_LENGTH;
      if (this.#magicDone && !this.#finalSeen && next < data.length && data[next] === NEWLINE && plainBase64(data, start, next)) {
        this.#line++;
        this.#bodyLines++;
        if (batchStart < 0) batchStart = start;
        batchEnd = next + 1;
        start = next + 1;
        continue;
      }
      const end = data.indexOf(NEWLINE, start);
      if (end < 0) break;
      this.#line++;
      if (!this.#magicDone) {
        this.#checkMagic(data.subarray(start, end));
      } else {
        const full = this.#checkLine(data.subarray(start, end));
        if (full) {
          // Contiguous full lines are decoded in one call (newlines are skipped per line).
          if (batchStart < 0) batchStart = start;
          batchEnd = end + 1;
        } else {
          flush();
          out.push(decodeBase64(latin1(data.subarray(start, end))) as Uint8Array);
        }
      }
      start = end + 1;
    }
    flush();
    this.#pending = data.slice(start);
    const limit = this.#magicDone ? LINE_LENGTH + 1 : MAX_MAGIC_LINE;
    if (this.#pending.length > limit) {
      if (!this.#magicDone) this.#checkMagic(this.#pending);
      this.#line++;
      throw damaged(this.#origin, `line ${this.#line} is longer than ${LINE_LENGTH} characters`);
    }
    return out;
  }

  /** The input ended: it must end with a newline after at least one payload line. */
  finish(): Uint8Array[] {
    if (!this.#magicDone) {
      if (this.#pending.length > 0) this.#checkMagic(this.#pending);
      throw new FormatError(`${quotePath(this.#origin)}: not a vault file (empty); encrypt it with "vault encrypt"`);
    }
    if (this.#pending.length > 0) {
      throw damaged(this.#origin, 'truncated (the last line has no newline)');
    }
    if (this.#bodyLines === 0) throw damaged(this.#origin, 'truncated (no payload after the first line)');
    return [];
  }

  #checkMagic(line: Uint8Array): void {
    const text = latin1(line.subarray(0, MAX_MAGIC_LINE));
    if (text === ENVELOPE_MAGIC) {
      this.#magicDone = true;
      return;
    }
    const q = quotePath(this.#origin);
    if (text.startsWith(ENVELOPE_PREFIX)) {
      if (text === `${ENVELOPE_MAGIC}\r`) {
        throw damaged(this.#origin, 'line 1 has CR line endings (restore LF endings; check core.autocrlf)');
      }
      const version = /^\$VAULTFILE;([0-9]+);/.exec(text)?.[1];
      if (version !== undefined && /^[1-9][0-9]*$/.test(version) && Number(version) > 1) {
        throw new FormatError(
          `${q}: written by a newer vaultfile (envelope version ${version}); upgrade vaultfile`,
        );
      }
      throw new FormatError(`${q}: unsupported envelope header (expected "${ENVELOPE_MAGIC}"); upgrade vaultfile or restore the file`);
    }
    throw new FormatError(`${q}: not a vault file (the first line is not "${ENVELOPE_MAGIC}")`);
  }

  /** Validate one payload line; true when it is a full 76-column line that may be followed by more. */
  #checkLine(line: Uint8Array): boolean {
    const where = `line ${this.#line}`;
    if (this.#finalSeen) {
      throw damaged(this.#origin, `${where} follows line ${this.#line - 1}, which is short or padded and so must be the last`);
    }
    if (line.length === 0) throw damaged(this.#origin, `${where} is blank`);
    if (line[line.length - 1] === CR) {
      throw damaged(this.#origin, `${where} has CR line endings (restore LF endings; check core.autocrlf)`);
    }
    if (line.length > LINE_LENGTH) throw damaged(this.#origin, `${where} is longer than ${LINE_LENGTH} characters`);
    let padded = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as number;
      if (c === PAD && i >= line.length - 2) padded = true;
      else if (BASE64_CHAR[c] !== 1 || padded) {
        throw damaged(this.#origin, `${where} holds a character that is not base64`);
      }
    }
    this.#bodyLines++;
    if (line.length === LINE_LENGTH && !padded) return true;
    // A short or padded line must be the last one and canonical.
    this.#finalSeen = true;
    if (decodeBase64(latin1(line)) === null) throw damaged(this.#origin, `${where} is not canonical base64`);
    return false;
  }
}

/** True when data[start..end) holds only base64 alphabet characters (no padding). */
function plainBase64(data: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (BASE64_CHAR[data[i] as number] !== 1) return false;
  }
  return true;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Decode LINES full lines (76 characters and a newline each, newlines already checked) if every
 * character is in the standard alphabet, else null. Node's decoder skips any other byte, so a bad
 * character makes the output shorter than 57 bytes a line, except the URL-safe `-` and `_`, which
 * it accepts: those are looked for first. All of it native: no loop over characters here.
 */
function decodeValidFullLines(block: Uint8Array, lines: number): Uint8Array | null {
  const view = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  if (view.indexOf(0x2d) !== -1 || view.indexOf(0x5f) !== -1) return null;
  const bytes = Buffer.from(view.toString('latin1'), 'base64');
  if (bytes.length !== lines * LINE_BYTES) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decode validated 76-column lines with their newlines (Node skips the newlines). */
function decodeFullLines(text: Uint8Array): Uint8Array {
  const bytes = Buffer.from(latin1(text), 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
