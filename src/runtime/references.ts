/**
 * References to secrets inside environment values, and where they are found:
 * - a value starting with `ssm://` (remind101/ssm-env: `DB_PASSWORD=ssm:///prod/db/password`) or
 *   `ssm:` directly followed by a parameter name and nothing else (`ssm:/prod/db/password`);
 * - a variable named `NAME_FOR_VAULT_TO_RESOLVE` or `NAME_FOR_PROC_WRAPPER_TO_RESOLVE` (CloudReactor
 *   proc_wrapper), whose value is a location `[PROVIDER:]address[!format][|JP:$.path | |SELF]`.
 * The location grammar is proc_wrapper's: providers are tried in its order, and under its suffix its
 * legacy name prefixes (`AWS_SM_X_FOR_PROC_WRAPPER_TO_RESOLVE` sets X), its file catch-all (a bare
 * path), its format guess from the address and its value encoding apply; vault's own suffix refuses
 * an unknown location rather than reading it as a file. Other values are never interpreted.
 * Pure: parses text, fetches nothing.
 */
import { FormatError } from '../errors.js';
import { JsonPathSyntaxError, parseJsonPath, type JsonPath } from './jsonpath.js';
import type { ValueEncoding } from './json-value.js';
import type { EnvVars } from './dotenv.js';

export const VAULT_SUFFIX = '_FOR_VAULT_TO_RESOLVE';
export const PROC_WRAPPER_SUFFIX = '_FOR_PROC_WRAPPER_TO_RESOLVE';
export const RESOLVE_SUFFIXES = [VAULT_SUFFIX, PROC_WRAPPER_SUFFIX] as const;

export type Store =
  | { kind: 'ssm'; name: string; region?: string }
  | { kind: 'secretsmanager'; secretId: string; region?: string; versionStage?: string; versionId?: string }
  | { kind: 's3'; bucket: string; key: string; version?: string }
  | { kind: 'appconfig'; application: string; environment: string; profile: string }
  | { kind: 'env'; name: string }
  | { kind: 'plain'; text: string }
  | { kind: 'file'; path: string };

export type DataFormat = 'json' | 'yaml' | 'dotenv';
export type Transform = { kind: 'self' } | { kind: 'jsonpath'; path: JsonPath };

export interface Reference {
  store: Store;
  /** `!json`, `!yaml`, `!dotenv`, or (proc_wrapper's suffix) guessed from the address. */
  format?: DataFormat;
  transform?: Transform;
  encoding: ValueEncoding;
}

/** One variable to set from one reference. */
export interface PendingReference {
  /** The variable that receives the value. */
  target: string;
  /** The variable the reference was read from (the target itself, or TARGET_FOR_..._TO_RESOLVE). */
  source: string;
  /** The location as written; printed only when it came from a _TO_RESOLVE variable (see describe). */
  text: string;
  reference: Reference;
}

/** `ssm:NAME` as a whole value: a parameter name or path (SSM allows a-zA-Z0-9_.-/), a version or label, a |JP:. */
const SSM_VALUE = /^ssm:[A-Za-z0-9_.\/-][A-Za-z0-9_.\/:-]*(?:\|JP:.*)?$/;
const SSM_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]*):\d*:parameter(\/.*)$/;
const SM_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d+:secret:.+$/;
/** ECS's valueFrom for one key of a secret: ARN:JSON_KEY:VERSION_STAGE:VERSION_ID (each may be empty). */
const ECS_SM_VALUE_FROM = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d+:secret:[^:]+):([^:]*):([^:]*):([^:]*)$/;
const FORMATS: readonly DataFormat[] = ['dotenv', 'json', 'yaml'];
const EXTENSION_FORMAT: Record<string, DataFormat> = { env: 'dotenv', json: 'json', yaml: 'yaml', yml: 'yaml' };

/** proc_wrapper's providers in the order it tries them: a name prefix, then its value prefixes. */
const PROVIDERS: ReadonlyArray<{ name: string; prefixes: string[] }> = [
  { name: 'PLAIN', prefixes: [] },
  { name: 'ENV', prefixes: [] },
  { name: 'CONFIG', prefixes: [] },
  { name: 'AWS_SM', prefixes: ['arn:aws:secretsmanager:'] },
  { name: 'AWS_SSM', prefixes: ['ssm:', 'arn:aws:ssm:'] },
  { name: 'AWS_APP_CONFIG', prefixes: ['aws:appconfig:'] },
  { name: 'AWS_S3', prefixes: ['arn:aws:s3:::'] },
  { name: 'FILE', prefixes: ['file://'] },
];

/** proc_wrapper's guess from an address: `.env.` anywhere, else the extension before any `#`. */
export function guessFormat(address: string): DataFormat | undefined {
  if (address.includes('.env.')) return 'dotenv';
  const hash = address.indexOf('#');
  const bare = hash === -1 ? address : address.slice(0, hash);
  const dot = bare.lastIndexOf('.');
  return dot === -1 ? undefined : EXTENSION_FORMAT[bare.slice(dot + 1).toLowerCase()];
}

interface ParseContext {
  variable: string;
  encoding: ValueEncoding;
  /** A provider forced by a legacy name prefix (proc_wrapper's suffix only). */
  provider?: string;
}

/** Parse a location; throws FormatError naming the variable when it cannot be read. */
export function parseReference(text: string, variable: string, encoding: ValueEncoding = 'vault', provider?: string): Reference {
  return parseLocation(text, { variable, encoding, ...(provider ? { provider } : {}) });
}

function parseLocation(text: string, context: ParseContext): Reference {
  const bad = (why: string): never => {
    throw new FormatError(`${context.variable}: cannot read the reference ${JSON.stringify(text)}: ${why}`);
  };
  let address = text.trim();
  let transform: Transform | undefined;
  // proc_wrapper splits at the first "|" that has at least two characters after it.
  const bar = address.indexOf('|');
  if (bar > 0 && bar < address.length - 2) {
    const expression = address.slice(bar + 1).trim();
    address = address.slice(0, bar).trim();
    if (expression === 'SELF') transform = { kind: 'self' };
    else if (expression.startsWith('JP:')) {
      try {
        transform = { kind: 'jsonpath', path: parseJsonPath(expression.slice(3).trim(), context.encoding) };
      } catch (error) {
        if (error instanceof JsonPathSyntaxError) bad(error.message);
        throw error;
      }
    } else bad('after "|" use JP:<JSONPath> or SELF');
  }
  const provider = context.provider ?? PROVIDERS.find((p) => address.startsWith(`${p.name}:`) || p.prefixes.some((x) => address.startsWith(x)))?.name;
  if (provider && address.startsWith(`${provider}:`)) address = address.slice(provider.length + 1);
  let format: DataFormat | undefined;
  for (const candidate of FORMATS) {
    if (address.toLowerCase().endsWith(`!${candidate}`)) {
      format = candidate;
      address = address.slice(0, -candidate.length - 1);
      break;
    }
  }
  const proc = context.encoding === 'proc_wrapper';
  if (format === undefined && proc) format = guessFormat(address);
  const ecs = provider === 'AWS_SM' ? ECS_SM_VALUE_FROM.exec(address) : null;
  let version: { versionStage?: string; versionId?: string } = {};
  if (ecs) {
    address = ecs[1]!;
    if (ecs[2] && !transform) transform = { kind: 'jsonpath', path: parseJsonPath(`$['${ecs[2].replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`, 'vault') };
    version = { ...(ecs[3] ? { versionStage: ecs[3] } : {}), ...(ecs[4] ? { versionId: ecs[4] } : {}) };
  }
  const store = { ...storeOf(provider, address, proc, bad), ...version } as Store;
  return { store, ...(format ? { format } : {}), ...(transform ? { transform } : {}), encoding: context.encoding };
}

function storeOf(provider: string | undefined, address: string, proc: boolean, bad: (why: string) => never): Store {
  let match: RegExpExecArray | null;
  switch (provider) {
    case 'PLAIN':
      return { kind: 'plain', text: address };
    case 'ENV':
      if (address === '') bad('the variable name is empty');
      return { kind: 'env', name: address };
    case 'CONFIG':
      return bad('CONFIG: reads proc_wrapper\'s own configuration, which vault does not have; use ENV:, a file or a store');
    case 'AWS_SM': {
      if (address === '') bad('the secret name is empty');
      const arn = SM_ARN.exec(address);
      return { kind: 'secretsmanager', secretId: address, ...(arn ? { region: arn[1]! } : {}) };
    }
    case 'AWS_SSM': {
      // ssm-env's ssm://NAME as well as proc_wrapper's ssm:NAME and the ARN.
      const name = address.startsWith('ssm://') ? address.slice(6) : address.startsWith('ssm:') ? address.slice(4) : address;
      if (name === '') bad('the parameter name is empty');
      match = SSM_ARN.exec(name);
      return { kind: 'ssm', name, ...(match?.[1] ? { region: match[1] } : {}) };
    }
    case 'AWS_APP_CONFIG': {
      const ids = address.replace(/^aws:appconfig:/, '').split('/');
      if (ids.length !== 3 || ids.some((id) => id === '')) bad('use aws:appconfig:APPLICATION/ENVIRONMENT/PROFILE');
      return { kind: 'appconfig', application: ids[0]!, environment: ids[1]!, profile: ids[2]! };
    }
    case 'AWS_S3': {
      match = /^(?:arn:aws[a-z-]*:s3:::)?([^/]+)\/(.+)$/.exec(address);
      if (!match) return bad('use arn:aws:s3:::BUCKET/KEY[#VERSION]');
      const [key, version] = match[2]!.split('#', 2) as [string, string | undefined];
      return { kind: 's3', bucket: match[1]!, key, ...(version ? { version } : {}) };
    }
    case 'FILE':
      return { kind: 'file', path: address.replace(/^file:\/\//, '') };
    default:
      // proc_wrapper reads any other non-blank location as a file path; vault's own suffix does not guess.
      if (proc && address !== '') return { kind: 'file', path: address };
      return bad('use ssm:NAME, ssm://NAME, AWS_SM:NAME, an ARN, ENV:NAME, PLAIN:TEXT or file://PATH');
  }
}

/** The name NAME for NAME_FOR_VAULT_TO_RESOLVE, or null for any other variable. */
export function resolveTargetOf(variable: string): string | null {
  for (const suffix of RESOLVE_SUFFIXES) {
    if (variable.endsWith(suffix) && variable.length > suffix.length) return variable.slice(0, -suffix.length);
  }
  return null;
}

/** Is VALUE, found as a plain variable's value, an ssm:// or ssm:NAME reference? */
export function isSsmValue(value: string): boolean {
  return value.startsWith('ssm://') || SSM_VALUE.test(value);
}

/** One variable's reference, or null when NAME=VALUE is not one. */
export function referenceOf(name: string, value: string): PendingReference | null {
  if (name.endsWith(PROC_WRAPPER_SUFFIX) && name.length > PROC_WRAPPER_SUFFIX.length) {
    let target = name.slice(0, -PROC_WRAPPER_SUFFIX.length);
    // proc_wrapper's legacy style: a provider name before the variable name picks the provider.
    const legacy = PROVIDERS.find((p) => target.startsWith(`${p.name}_`) || p.prefixes.some((x) => value.trim().startsWith(x)) || value.trim().startsWith(`${p.name}:`));
    let provider: string | undefined;
    if (legacy && target.startsWith(`${legacy.name}_`) && target.length > legacy.name.length + 1) {
      provider = legacy.name;
      target = target.slice(legacy.name.length + 1);
    }
    return { target, source: name, text: value, reference: parseReference(value, name, 'proc_wrapper', provider) };
  }
  const target = resolveTargetOf(name);
  if (target !== null) return { target, source: name, text: value, reference: parseReference(value, name, 'vault') };
  if (!isSsmValue(value)) return null;
  try {
    return { target: name, source: name, text: value, reference: parseReference(value, name, 'vault', 'AWS_SSM') };
  } catch (error) {
    // A value is not a declared location: it may be a secret that merely starts with "ssm://".
    if (error instanceof FormatError) throw new FormatError(`${name}: its ssm:// value is not a parameter reference; use --no-resolve to pass it through`);
    throw error;
  }
}

/** Every reference in ENV, in the table's order. */
export function findReferences(env: EnvVars): PendingReference[] {
  const found: PendingReference[] = [];
  for (const [name, value] of env) {
    const item = referenceOf(name, value);
    if (item) found.push(item);
  }
  return found;
}

/**
 * How a failure names its reference: the location of a _TO_RESOLVE variable (declared a location),
 * but never a plain variable's value, which could be a secret that happens to start with ssm://.
 */
export function describeReference(item: Pick<PendingReference, 'source' | 'target' | 'text'>): string {
  return item.source === item.target ? 'its ssm:// reference' : JSON.stringify(item.text);
}
