/**
 * JSON documents from secret stores, read without losing digits, and the two ways a selected value
 * becomes an environment value (docs/runtime.md, "Value encodings"):
 * - `vault`: strings as they are, anything else as compact JSON (`{"a":1}`, `true`);
 * - `proc_wrapper`: what CloudReactor proc_wrapper writes, which is Python's `str()` and
 *   `json.dumps()` with their defaults: `TRUE`/`FALSE`, `", "` and `": "` separators, every
 *   character outside printable ASCII escaped as `\uXXXX`, floats as Python's repr.
 * Integers beyond 2^53 stay BigInt end to end (JSON.parse would round 12345678901234567890 to
 * 12345678901234567000). Pure: no I/O.
 */
import { parse as parseLossless } from 'lossless-json';

export type ValueEncoding = 'vault' | 'proc_wrapper';

const INTEGER = /^-?\d+$/;

/** Parse JSON TEXT; integers that a double cannot hold exactly become BigInt. Throws SyntaxError. */
export function parseJsonExact(text: string): unknown {
  return parseLossless(text, undefined, (number: string) => {
    if (INTEGER.test(number)) {
      const value = Number(number);
      return Number.isSafeInteger(value) ? value : BigInt(number);
    }
    return Number(number);
  });
}

/** Python's repr of a float: the shortest digits (as JavaScript's), exponent form below 1e-4. */
function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value)) return Math.abs(value) < 1e16 ? String(value) : pythonExponent(value);
  if (value !== 0 && Math.abs(value) < 1e-4) return pythonExponent(value);
  return String(value);
}

/** 1.5e-7 -> "1.5e-07" (Python writes at least two exponent digits and a sign). */
function pythonExponent(value: number): string {
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

/** A JSON string as Python's json.dumps writes it with ensure_ascii (the default). */
function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    // Python escapes everything outside " "..."~", UTF-16 code unit by code unit, in lower case.
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Python's json.dumps(VALUE) with default arguments. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pythonFloat(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
}

/** Compact JSON like JSON.stringify, with BigInt written as its digits. */
export function compactJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(compactJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${compactJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The environment value for a selected VALUE, in ENCODING. */
export function encodeValue(value: unknown, encoding: ValueEncoding): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (encoding === 'vault') return compactJson(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return pythonFloat(value);
  return pythonJsonDumps(value);
}
