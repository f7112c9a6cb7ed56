/**
 * The JSONPath subset of `|JP:` selectors (proc_wrapper's syntax): `$`, `.name`, `['name']` /
 * `["name"]` and `[index]` (negative counts from the end), chained. Filters, wildcards, slices and
 * recursive descent are refused at parse time rather than half-supported: a selector that cannot
 * be read must fail before any secret is fetched. Pure: no I/O.
 */

export type JsonPathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number };

export interface JsonPath {
  text: string;
  steps: JsonPathStep[];
}

/** Why a selector cannot be parsed; the caller adds the variable and reference. */
export class JsonPathSyntaxError extends Error {}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

export function parseJsonPath(text: string): JsonPath {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError('a JSONPath starts with "$"');
  const steps: JsonPathStep[] = [];
  let i = 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '.') {
      const ident = IDENT.exec(text.slice(i + 1));
      if (!ident) throw new JsonPathSyntaxError(`expected a name after "." at offset ${i}`);
      steps.push({ kind: 'key', key: ident[0] });
      i += 1 + ident[0].length;
    } else if (ch === '[') {
      const quote = text[i + 1];
      if (quote === "'" || quote === '"') {
        let key = '';
        let j = i + 2;
        while (j < text.length && text[j] !== quote) {
          // A backslash escapes the next character (the quote or a backslash).
          if (text[j] === '\\' && j + 1 < text.length) j += 1;
          key += text[j];
          j += 1;
        }
        if (text[j] !== quote || text[j + 1] !== ']') throw new JsonPathSyntaxError(`unclosed [${quote} at offset ${i}`);
        steps.push({ kind: 'key', key });
        i = j + 2;
      } else {
        const index = /^\[(-?\d+)\]/.exec(text.slice(i));
        if (!index) throw new JsonPathSyntaxError(`expected [number] or ['name'] at offset ${i}`);
        steps.push({ kind: 'index', index: Number(index[1]) });
        i += index[0].length;
      }
    } else {
      throw new JsonPathSyntaxError(`unexpected "${ch}" at offset ${i}`);
    }
  }
  return { text, steps };
}

/** The value PATH selects in DOCUMENT, or undefined when nothing matches. */
export function evaluateJsonPath(document: unknown, path: JsonPath): unknown {
  let current: unknown = document;
  for (const step of path.steps) {
    if (step.kind === 'key') {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, step.key)) return undefined;
      current = (current as Record<string, unknown>)[step.key];
    } else {
      if (!Array.isArray(current)) return undefined;
      const at = step.index < 0 ? current.length + step.index : step.index;
      if (at < 0 || at >= current.length) return undefined;
      current = current[at];
    }
  }
  return current;
}

/** How a selected JSON value becomes an environment value: strings as is, the rest as JSON. */
export function projectJson(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}
