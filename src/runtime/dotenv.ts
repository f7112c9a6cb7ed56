/**
 * dotenv syntax: parses the text of a `.env` file into ordered variables the way the dotenv package
 * reads it (and dotenvx, where the two agree): comments, `export ` prefixes, `NAME=value` and
 * `NAME: value`, single/double/backtick quotes, values spanning lines inside quotes, `\n` and `\r`
 * expanded inside double quotes and every other backslash kept as written, and in an unquoted value
 * a `#` starts a comment. Values are literal: no `${VAR}` expansion and never `$(command)`
 * substitution, so reading a file cannot run anything. Errors name the file and line, never the
 * text of the line (it may be a secret). Serializing picks a quoting that dotenv, dotenvx and this
 * parser all read back to the same bytes, and refuses a value that no quoting can carry.
 */
import { FormatError, UsageError, quotePath } from '../errors.js';

/** An ordered name -> value table; a later assignment of a name replaces the earlier one. */
export type EnvVars = Map<string, string>;

// dotenv accepts word characters, dots and dashes in names; so do we (execve allows any byte but '=').
const NAME = /^[A-Za-z0-9_.-]+$/;
const EXPORT_PREFIX = /^export[ \t]+/;
/** `NAME=` or `NAME: ` (dotenv accepts a colon followed by a blank). */
const ASSIGNMENT = /^([^=:]*?)[ \t]*(?:=|:(?=[ \t]))/;

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
    const assignment = ASSIGNMENT.exec(body);
    if (assignment === null) fail(startLine, 'expected NAME=VALUE');
    const name = assignment![1]!.trim();
    if (!isEnvName(name)) fail(startLine, 'the variable name may hold only letters, digits, "_", "." and "-"');
    // Offset of the value in SOURCE: the line start plus what trimStart and "export " removed.
    let at = end - body.length + assignment![0].length;
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
        // A backslash before the quote character keeps both and does not close the value (dotenv).
        if (ch === '\\' && source[i + 1] === quote) {
          out += ch + quote;
          i += 2;
          continue;
        }
        out += ch;
        i += 1;
      }
      // dotenv expands these two in double quotes, textually; every other backslash stays.
      if (quote === '"') out = out.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
      value = out;
      // After the closing quote only blanks and an optional comment may follow.
      const lineEnd = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
      const rest = source.slice(i + 1, lineEnd).trim();
      if (rest !== '' && !rest.startsWith('#')) fail(line, 'unexpected text after the closing quote');
      pos = lineEnd + 1;
    } else {
      const raw = source.slice(at, end);
      // A '#' anywhere starts a comment, as in dotenv and dotenvx: "pa#ss" reads as "pa".
      const comment = raw.indexOf('#');
      value = (comment === -1 ? raw : raw.slice(0, comment)).trimEnd();
      pos = end + 1;
    }
    vars.delete(name);
    vars.set(name, value);
    line += 1;
  }
  return vars;
}

/**
 * The quoted form of VALUE that dotenv, dotenvx and parseDotenv all read back unchanged, or null.
 * Single quotes are literal everywhere; backticks are literal except that dotenvx expands `$`;
 * double quotes expand `\n`/`\r` (and, in dotenvx, `$` and more backslash escapes). A value may
 * not end in a backslash inside quotes (it would escape the closing quote), and a carriage return
 * survives only as `\r` in double quotes (dotenv turns a raw one into a line feed). Unquoted
 * is the last resort (a value ending in a backslash).
 */
export function dotenvQuoted(value: string): string | null {
  const cr = value.includes('\r');
  const trailingBackslash = value.endsWith('\\');
  if (!cr && !trailingBackslash && !value.includes("'")) return `'${value}'`;
  if (!cr && !trailingBackslash && !value.includes('`') && !value.includes('$')) return `\`${value}\``;
  if (!/["$\\]/.test(value)) return `"${value.replace(/\r/g, '\\r')}"`;
  // Unquoted, for the rest that has no comment sign, expansion, quote, blank edge or line break.
  if (/^[^\s'"`#$](?:[^#$\r\n]*\S)?$/.test(value)) return value;
  return null;
}

/** One dotenv line per variable (see dotenvQuoted); a value no quoting carries is a usage error. */
export function serializeDotenv(vars: EnvVars): string {
  let out = '';
  for (const [name, value] of vars) {
    const quoted = dotenvQuoted(value);
    if (quoted === null) {
      throw new UsageError(
        `the value of ${name} cannot be written so that dotenv reads it back unchanged (it holds quotes of every kind, "$" or "\\", or a carriage return); use --format json or --format shell`,
      );
    }
    out += `${name}=${quoted}\n`;
  }
  return out;
}
