/**
 * Checks that an edited plaintext still parses, by file name: YAML for .yml/.yaml (the `yaml`
 * package), dotenv for .env, .env.* and *.env. A problem is reported by line and column with a
 * generic description; the text of the file never appears in a message (it is the secret).
 * This module only judges bytes; it does not prompt, print or write.
 */
import { basename } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type PlaintextFormat = 'YAML' | 'dotenv';

/** Where and what: 1-based line and column. */
export interface PlaintextProblem {
  format: PlaintextFormat;
  line: number;
  column: number;
  message: string;
}

/** The format a path is checked as, or null for files that are not checked. */
export function plaintextFormat(path: string): PlaintextFormat | null {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.yml') || name.endsWith('.yaml')) return 'YAML';
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return 'dotenv';
  return null;
}

/** The first problem in `bytes` read as the format of `path`, or null when it parses. */
export function findPlaintextProblem(path: string, bytes: Uint8Array): PlaintextProblem | null {
  const format = plaintextFormat(path);
  if (format === null) return null;
  const text = new TextDecoder().decode(bytes);
  return format === 'YAML' ? findYamlProblem(text) : findDotenvProblem(text);
}

/** One line for the user: `"a.yml": YAML error at line 3, column 5: bad indentation`. */
export function describeProblem(quotedPath: string, problem: PlaintextProblem): string {
  return `${quotedPath}: ${problem.format} error at line ${problem.line}, column ${problem.column}: ${problem.message}`;
}

function findYamlProblem(text: string): PlaintextProblem | null {
  for (const document of parseAllDocuments(text)) {
    const error = document.errors[0];
    if (!error) continue;
    const position = error.linePos?.[0] ?? { line: 1, col: 1 };
    return { format: 'YAML', line: position.line, column: position.col, message: yamlMessage(error.message) };
  }
  return null;
}

/**
 * The yaml package's messages append the offending source ("...: \"value\"") and a caret excerpt;
 * both can hold secrets, so keep only the description before the first ': ' or ' at line'.
 */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
  const cut = first.indexOf(': ');
  const text = cut >= 0 ? first.slice(0, cut) : first;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*/;

/**
 * The dotenv grammar accepted by the common loaders (dotenv, docker compose): blank lines,
 * `# comments`, `[export ]KEY=value` with an unquoted value to the end of the line or a '...',
 * "..." or `...` value that may span lines, followed only by blanks or a comment.
 */
function findDotenvProblem(text: string): PlaintextProblem | null {
  const lines = text.split(/\r?\n/);
  const problem = (line: number, column: number, message: string): PlaintextProblem => ({
    format: 'dotenv',
    line: line + 1,
    column,
    message,
  });
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const indent = line.length - line.trimStart().length;
    let rest = line.slice(indent);
    if (rest === '' || rest.startsWith('#')) continue;
    let column = indent + 1;
    const exported = /^export\s+/.exec(rest);
    if (exported) {
      rest = rest.slice(exported[0].length);
      column += exported[0].length;
    }
    const key = DOTENV_KEY.exec(rest);
    if (!key) return problem(index, column, 'expected a variable name (letters, digits, _ . -)');
    rest = rest.slice(key[0].length);
    column += key[0].length;
    const equals = /^\s*=\s*/.exec(rest);
    if (!equals) return problem(index, column, 'expected "=" after the variable name');
    rest = rest.slice(equals[0].length);
    column += equals[0].length;
    const quote = rest.charAt(0);
    if (quote !== '"' && quote !== "'" && quote !== '`') continue;
    // A quoted value ends at the next unescaped quote, possibly on a later line.
    const start = { index, column };
    let body = rest.slice(1);
    let offset = column + 1;
    for (;;) {
      const end = closingQuote(body, quote);
      if (end >= 0) {
        const after = body.slice(end + 1);
        const trailing = after.trimStart();
        if (trailing !== '' && !trailing.startsWith('#')) {
          return problem(index, offset + end + 1 + (after.length - trailing.length), 'unexpected text after the closing quote');
        }
        break;
      }
      index++;
      if (index >= lines.length) return problem(start.index, start.column, `unterminated ${quote} quoted value`);
      body = lines[index] as string;
      offset = 1;
    }
  }
  return null;
}

/** Index of the closing quote in `text`; backslash escapes count only inside double quotes. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
