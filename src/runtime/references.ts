/**
 * References to remote secrets inside environment values, and where they are found:
 * - a value starting with `ssm://` (remind101/ssm-env: `DB_PASSWORD=ssm:///prod/db/password`) or
 *   `ssm:` directly followed by a parameter name or path and nothing else (`ssm:/prod/db/password`);
 * - any variable named `NAME_FOR_VAULT_TO_RESOLVE` or `NAME_FOR_PROC_WRAPPER_TO_RESOLVE`
 *   (CloudReactor proc_wrapper), whose value is a location `[PROVIDER:]address[!json][|JP:$.path]`
 *   that sets NAME: `ssm:NAME`, `ssm://NAME`, `AWS_SSM:NAME`, `arn:aws:ssm:...:parameter/NAME`,
 *   `arn:aws:secretsmanager:...`, `AWS_SM:NAME`.
 * Other values are never interpreted, so an ARN held as plain configuration stays as it is.
 * Pure: parses text, fetches nothing.
 */
import { FormatError } from '../errors.js';
import { JsonPathSyntaxError, parseJsonPath, type JsonPath } from './jsonpath.js';
import type { EnvVars } from './dotenv.js';

export const RESOLVE_SUFFIXES = ['_FOR_VAULT_TO_RESOLVE', '_FOR_PROC_WRAPPER_TO_RESOLVE'] as const;

export type Reference =
  | { kind: 'ssm'; name: string; region?: string; jsonPath?: JsonPath }
  | { kind: 'secretsmanager'; secretId: string; region?: string; jsonPath?: JsonPath };

/** One variable to set from one reference. */
export interface PendingReference {
  /** The variable that receives the value. */
  target: string;
  /** The variable the reference was read from (the target itself, or TARGET_FOR_..._TO_RESOLVE). */
  source: string;
  /** The reference as written, safe to print: it is a location, not a secret. */
  text: string;
  reference: Reference;
}

/** `ssm:NAME` as a whole value: a parameter name or path (SSM allows a-zA-Z0-9_.-/), a version or label, a |JP:. */
const SSM_VALUE = /^ssm:[A-Za-z0-9_.\/-][A-Za-z0-9_.\/:-]*(?:\|JP:.*)?$/;
const SSM_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]*):\d*:parameter(\/.*)$/;
const SM_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d+:secret:.+$/;

/** Parse a location; throws FormatError naming VARIABLE when it cannot be read. */
export function parseReference(text: string, variable: string): Reference {
  const bad = (why: string): never => {
    throw new FormatError(`${variable}: cannot read the reference ${JSON.stringify(text)}: ${why}`);
  };
  let address = text.trim();
  let jsonPath: JsonPath | undefined;
  const jp = address.indexOf('|JP:');
  if (jp !== -1) {
    try {
      jsonPath = parseJsonPath(address.slice(jp + 4).trim());
    } catch (error) {
      if (error instanceof JsonPathSyntaxError) bad(`${error.message}; supported: $.a.b, $['a'], $.a[0]`);
      throw error;
    }
    address = address.slice(0, jp).trim();
  }
  // proc_wrapper's "!format" suffix: JSON is what |JP: reads anyway; other formats are not ours.
  const bang = address.lastIndexOf('!');
  if (bang !== -1 && !address.slice(bang).includes('/')) {
    if (address.slice(bang + 1).toLowerCase() !== 'json') bad('only the !json format is supported');
    address = address.slice(0, bang);
  }
  const withPath = <T extends Reference>(reference: T): T => (jsonPath ? { ...reference, jsonPath } : reference);
  let match: RegExpExecArray | null;
  if (address.startsWith('ssm://')) return withPath(ssmReference(address.slice(6), bad));
  if (/^(ssm|AWS_SSM):/.test(address)) return withPath(ssmReference(address.slice(address.indexOf(':') + 1), bad));
  if ((match = SSM_ARN.exec(address))) {
    return withPath({ kind: 'ssm', name: address, ...(match[1] ? { region: match[1] } : {}) });
  }
  if ((match = SM_ARN.exec(address))) return withPath({ kind: 'secretsmanager', secretId: address, region: match[1]! });
  if (address.startsWith('AWS_SM:')) {
    const secretId = address.slice(7);
    if (secretId === '') bad('the secret name is empty');
    const arn = SM_ARN.exec(secretId);
    return withPath({ kind: 'secretsmanager', secretId, ...(arn ? { region: arn[1]! } : {}) });
  }
  return bad('use ssm:NAME, ssm://NAME, AWS_SM:NAME or an arn:aws:ssm / arn:aws:secretsmanager ARN');
}

function ssmReference(rest: string, bad: (why: string) => never): Reference {
  if (rest === '') bad('the parameter name is empty');
  const arn = SSM_ARN.exec(rest);
  if (arn) return { kind: 'ssm', name: rest, ...(arn[1] ? { region: arn[1] } : {}) };
  return { kind: 'ssm', name: rest };
}

/** The name NAME for NAME_FOR_VAULT_TO_RESOLVE, or null for any other variable. */
export function resolveTargetOf(variable: string): string | null {
  for (const suffix of RESOLVE_SUFFIXES) {
    if (variable.endsWith(suffix) && variable.length > suffix.length) return variable.slice(0, -suffix.length);
  }
  return null;
}

/** Every reference in ENV, in the table's order. */
export function findReferences(env: EnvVars): PendingReference[] {
  const found: PendingReference[] = [];
  for (const [name, value] of env) {
    const target = resolveTargetOf(name);
    if (target !== null) {
      found.push({ target, source: name, text: value, reference: parseReference(value, name) });
    } else if (value.startsWith('ssm://') || SSM_VALUE.test(value)) {
      found.push({ target: name, source: name, text: value, reference: parseReference(value, name) });
    }
  }
  return found;
}
