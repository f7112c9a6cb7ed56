/**
 * Flat YAML or JSON maps as environment variables (`deploy/vars/prod.yml` -> env): each top-level
 * key becomes a name (upper-cased, other characters than A-Z, 0-9 and "_" turned into "_", as
 * chamber does), scalars keep the text the author wrote (`1.0` stays "1.0", not "1"), null is "",
 * nested maps and lists are JSON-encoded (as proc_wrapper projects them).
 * A value holding an inline `!vault` value is refused, or, when the caller asks, left out and
 * reported as sealed (the values no key opened, for `vault exec` and `vault push` to judge).
 * Messages carry line numbers and names only: the yaml package's own messages quote the source line,
 * which may be a secret, so they are never passed on.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { isVaultTag } from '../core/ansible-inline.js';
import { parseAnsibleVault } from '../core/ansible-vault.js';
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

/** Variables whose value holds a `!vault` value still sealed: name -> its vault-id label (null: none). */
export type SealedVariables = Map<string, string | null>;

/** The vault-id label of the first `!vault` value NODE holds (aliases followed); undefined for none. */
function sealedLabelOf(doc: Document, node: unknown, seen = new Set<unknown>()): string | null | undefined {
  const resolved = isAlias(node) ? node.resolve(doc) : node;
  if (resolved === null || resolved === undefined || seen.has(resolved)) return undefined;
  seen.add(resolved);
  if (isScalar(resolved)) {
    if (!isVaultTag(resolved.tag)) return undefined;
    try {
      return parseAnsibleVault(new TextEncoder().encode(String(resolved.value)), '').label;
    } catch {
      return null; // a damaged value was refused when the file was opened; no label to name
    }
  }
  const children = isMap(resolved) ? (resolved.items as Pair[]).flatMap((pair) => [pair.key, pair.value]) : isSeq(resolved) ? resolved.items : [];
  for (const child of children) {
    const label = sealedLabelOf(doc, child, seen);
    if (label !== undefined) return label;
  }
  return undefined;
}

/**
 * Parse a YAML (or JSON, which YAML 1.2 contains) document holding one flat map. With SEALED, a
 * variable whose value holds a `!vault` value is not returned but added to SEALED; without it,
 * such a file is refused.
 */
export function parseEnvMap(text: string, origin: string, sealed?: SealedVariables): EnvVars {
  const doc = parseDocument(text, { uniqueKeys: true, merge: true, intAsBigInt: true });
  const isSealedTag = (pos: [number, number]): boolean => sealed !== undefined && isVaultTag(text.slice(pos[0], pos[1]));
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED' && !isSealedTag(w.pos));
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
    if ((typeof key !== 'string' && typeof key !== 'number') || isVaultTag((pair.key as Scalar).tag)) {
      throw new FormatError(`${quotePath(origin)}: a key is not a plain string; use names like db_password`);
    }
    const name = envNameOf(String(key));
    const earlier = keyOf.get(name);
    if (earlier !== undefined && !mergedIn && earlier !== String(key)) {
      throw new FormatError(`${quotePath(origin)}: keys ${quotePath(earlier)} and ${quotePath(String(key))} both become ${name}; rename one`);
    }
    keyOf.set(name, String(key));
    const label = sealed ? sealedLabelOf(doc, pair.value) : undefined;
    if (label !== undefined) {
      sealed!.set(name, label);
      vars.delete(name);
    } else {
      sealed?.delete(name);
      vars.set(name, valueText(doc, pair.value));
    }
  };
  for (const pair of merged) add(pair, true);
  keyOf.clear();
  for (const pair of own) add(pair, false);
  return vars;
}
