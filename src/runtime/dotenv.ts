/**
 * dotenv syntax: parses the text of a `.env` file into ordered variables, the way dotenv and
 * dotenvx read it (comments, `export ` prefixes, single/double/backtick quotes, values spanning
 * lines inside quotes, escapes in double quotes), and serializes variables back to that syntax.
 * Values are literal: no `${VAR}` expansion and never `$(command)` substitution, so reading a file
 * cannot run anything. Errors name the file and line, never the text of the line (it may be a secret).
 */
import { FormatError, quotePath } from '../errors.js';

/** An ordered name -> value table; a later assignment of a name replaces the earlier one. */
export type EnvVars = Map<string, string>;

// dotenv accepts word characters, dots and dashes in names; so do we (execve allows any byte but '=').
const NAME = /^[A-Za-z0-9_.-]+$/;
const EXPORT_PREFIX = /^export[ \t]+/;

/** The escapes dotenvx expands inside double quotes; any other backslash is kept as written. */
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

export function isEnvName(name: string): boolean {
  return NAME.test(name);
}

/** Parse dotenv TEXT read from ORIGIN (a path, for messages). */
export function parseDotenv(text: string, origin: string): EnvVars {
  const vars: EnvVars = new Map();
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fail = (line: number, what: string): never => {
    throw new FormatError(`${quotePath(origin)}: line ${line}: ${what}; fix the dotenv syntax`);
  };
  let pos = 0;
  let line = 1;
  while (pos < source.length) {
    const end = source.indexOf('\n', pos) === -1 ? source.length : source.indexOf('\n', pos);
    const head = source.slice(pos, end).trimStart();
    const startLine = line;
    if (head === '' || head.startsWith('#')) {
      pos = end + 1;
      line += 1;
      continue;
    }
    const body = head.replace(EXPORT_PREFIX, '');
    const eq = body.indexOf('=');
    if (eq === -1) fail(startLine, 'expected NAME=VALUE');
    const name = body.slice(0, eq).trim();
    if (!isEnvName(name)) fail(startLine, 'the variable name may hold only letters, digits, "_", "." and "-"');
    // Offset of the value in SOURCE: the line start plus what trimStart and "export " removed.
    let at = end - body.length + eq + 1;
    while (source[at] === ' ' || source[at] === '\t') at += 1;
    const quote = source[at];
    let value: string;
    if (quote === '"' || quote === "'" || quote === '`') {
      let out = '';
      let i = at + 1;
      for (;;) {
        if (i >= source.length) fail(startLine, `the ${quote} quote opened here is never closed`);
        const ch = source[i]!;
        if (ch === quote) break;
        if (ch === '\n') line += 1;
        if (ch === '\\' && quote === '"' && i + 1 < source.length) {
          const next = source[i + 1]!;
          const escaped = DOUBLE_QUOTE_ESCAPES[next];
          if (escaped !== undefined) {
            out += escaped;
            i += 2;
            continue;
          }
        }
        out += ch;
        i += 1;
      }
      value = out;
      // After the closing quote only blanks and an optional comment may follow.
      const lineEnd = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
      const rest = source.slice(i + 1, lineEnd).trim();
      if (rest !== '' && !rest.startsWith('#')) fail(line, 'unexpected text after the closing quote');
      pos = lineEnd + 1;
    } else {
      const raw = source.slice(at, end);
      // A '#' starts a comment only after a blank, so "pa#ss" stays whole (dotenvx behaviour).
      const comment = /(^|[ \t])#/.exec(raw);
      value = (comment ? raw.slice(0, comment.index) : raw).trimEnd();
      pos = end + 1;
    }
    vars.delete(name);
    vars.set(name, value);
    line += 1;
  }
  return vars;
}

/** One dotenv line per variable; values are double-quoted with escapes so any text round-trips. */
export function serializeDotenv(vars: EnvVars): string {
  let out = '';
  for (const [name, value] of vars) {
    const escaped = value.replace(/[\\"$\n\r\t]/g, (ch) =>
      ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\${ch}`,
    );
    out += `${name}="${escaped}"\n`;
  }
  return out;
}
