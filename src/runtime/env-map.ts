/**
 * Flat YAML or JSON maps as environment variables (`deploy/vars/prod.yml` -> env): each top-level
 * key becomes a name (upper-cased, other characters than A-Z, 0-9 and "_" turned into "_", as
 * chamber does), scalars keep the text the author wrote (`1.0` stays "1.0", not "1"), null is "",
 * nested maps and lists are JSON-encoded (as proc_wrapper projects them).
 * Messages carry line numbers and names only: the yaml package's own messages quote the source line,
 * which may be a secret, so they are never passed on.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { FormatError, quotePath } from '../errors.js';
import type { EnvVars } from './dotenv.js';
import { compactJson } from './json-value.js';

/** The environment name for a map key: "db.password" -> "DB_PASSWORD". */
export function envNameOf(key: string): string {
  return key.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The text of a scalar the way it was written, or JSON for anything nested; aliases resolved. */
function valueText(doc: Document, value: unknown): string {
  const node = isAlias(value) ? value.resolve(doc) : value;
  if (node === null || node === undefined) return '';
  if (isScalar(node)) {
    const scalar = node as Scalar;
    if (scalar.value === null) return '';
    if (typeof scalar.value === 'string') return scalar.value;
    // Numbers and booleans: what the author typed, so "1.10" and "0x10" survive unchanged.
    if (scalar.type === 'PLAIN' && typeof scalar.source === 'string') return scalar.source;
    return String(scalar.value);
  }
  // Integers are read as BigInt (intAsBigInt below) so that nested ones keep every digit.
  return compactJson((node as Node).toJS(doc));
}

/** A YAML 1.1 merge key (`<<: *defaults`), which the yaml package marks with a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

/** The pairs a merge key brings in: one map, or a list of maps (earlier ones win, as in YAML 1.1). */
function mergedPairs(doc: Document, value: unknown): Pair[] {
  const sources = isSeq(value) ? value.items : [value];
  const pairs: Pair[] = [];
  for (const source of sources.reverse()) {
    const map = isAlias(source) ? source.resolve(doc) : source;
    if (isMap(map)) pairs.push(...(map.items as Pair[]));
  }
  return pairs;
}

/** Parse a YAML (or JSON, which YAML 1.2 contains) document holding one flat map. */
export function parseEnvMap(text: string, origin: string): EnvVars {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, intAsBigInt: true });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const where = line === undefined ? '' : ` line ${line}:`;
    if (problem.code === 'TAG_RESOLVE_FAILED') {
      throw new FormatError(
        `${quotePath(origin)}:${where} tagged values (such as inline "!vault |" strings) are not supported here; encrypt the whole file instead`,
      );
    }
    const what = problem.code === 'DUPLICATE_KEY' ? 'a key appears twice' : `invalid YAML (${problem.code})`;
    throw new FormatError(`${quotePath(origin)}:${where} ${what}; fix the file`);
  }
  const vars: EnvVars = new Map();
  if (doc.contents === null) return vars;
  if (!isMap(doc.contents)) {
    throw new FormatError(`${quotePath(origin)}: expected a map of names to values at the top level; fix the file`);
  }
  // Merged keys first, so that keys written in the map itself override them (YAML 1.1 rule).
  const merged: Pair[] = [];
  const own: Pair[] = [];
  for (const pair of doc.contents.items as Pair[]) {
    if (isMergeKey(pair.key)) merged.push(...mergedPairs(doc, pair.value));
    else own.push(pair);
  }
  const keyOf = new Map<string, string>();
  const add = (pair: Pair, mergedIn: boolean): void => {
    const key = isScalar(pair.key) ? (pair.key as Scalar).value : undefined;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new FormatError(`${quotePath(origin)}: a key is not a plain string; use names like db_password`);
    }
    const name = envNameOf(String(key));
    const earlier = keyOf.get(name);
    if (earlier !== undefined && !mergedIn && earlier !== String(key)) {
      throw new FormatError(`${quotePath(origin)}: keys ${quotePath(earlier)} and ${quotePath(String(key))} both become ${name}; rename one`);
    }
    keyOf.set(name, String(key));
    vars.set(name, valueText(doc, pair.value));
  };
  for (const pair of merged) add(pair, true);
  keyOf.clear();
  for (const pair of own) add(pair, false);
  return vars;
}
