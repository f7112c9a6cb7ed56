/**
 * `|JP:` selectors: JSONPath as RFC 9535 defines it, evaluated by the jsonpath-rfc9535 library
 * (wildcards, `..`, slices, filters), plus two rules of proc_wrapper's (which uses jsonpath-ng):
 * a dotted name may hold "-" (`$.user-name`, read as `$['user-name']`), and under proc_wrapper's
 * suffix a trailing `[*]` means "keep the result a list" and is removed before the query.
 * A selector that cannot be parsed fails before any secret is fetched. Pure: no I/O.
 */
import { query } from 'jsonpath-rfc9535';
import type { ValueEncoding } from './json-value.js';

export interface JsonPath {
  /** As written, for messages. */
  text: string;
  /** The RFC 9535 query that runs. */
  expression: string;
  /** proc_wrapper's trailing [*]: the result stays a list even with one match. */
  keepList: boolean;
}

/** Why a selector cannot be parsed; the caller adds the variable and reference. */
export class JsonPathSyntaxError extends Error {}

const SPLAT = '[*]';

/** `.name-with-dash` (jsonpath-ng's shorthand) -> `['name-with-dash']`; quoted text is left alone. */
function bracketDashedNames(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const name = ch === '.' && text[i + 1] !== '.' ? /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_-]*)+/.exec(text.slice(i + 1)) : null;
    if (name) {
      out += `['${name[0]}']`;
      i += 1 + name[0].length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

export function parseJsonPath(text: string, encoding: ValueEncoding): JsonPath {
  let expression = text;
  const keepList = encoding === 'proc_wrapper' && expression.endsWith(SPLAT) && expression.length > SPLAT.length;
  if (keepList) expression = expression.slice(0, -SPLAT.length);
  expression = bracketDashedNames(expression);
  try {
    query(null, expression);
  } catch (error) {
    // The parser's message names what it expected at which character; it quotes only the selector.
    throw new JsonPathSyntaxError(`not a JSONPath (RFC 9535): ${(error as Error).message}`);
  }
  return { text, expression, keepList };
}

/** What PATH selects in DOCUMENT: one value, a list of several (or with keepList), or undefined. */
export function selectJsonPath(document: unknown, path: JsonPath): unknown {
  const found = query(document as Parameters<typeof query>[0], path.expression);
  if (found.length === 0) return undefined;
  return found.length === 1 && !path.keepList ? found[0] : found;
}
