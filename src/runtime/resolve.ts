/**
 * Resolves references with the fewest calls: SSM names are deduplicated and read 10 per
 * GetParameters call (the API's limit), each document (secret, object, configuration, file) is
 * fetched once however many selectors read it, and calls run a few at a time. Then each reference's
 * value is derived as proc_wrapper derives it: parsed by its format, transformed (`|JP:`, `|SELF`)
 * and encoded (json-value.ts). Returns values and failures; deciding what a failure means is the
 * caller's business. Failures carry error names only, never a value.
 */
import { parse as parseYaml } from 'yaml';
import type { Outcome, SecretBackend } from './aws.js';
import { parseDotenv, type EnvVars } from './dotenv.js';
import { encodeValue, parseJsonExact } from './json-value.js';
import { selectJsonPath } from './jsonpath.js';
import type { DataFormat, PendingReference, Reference, Store } from './references.js';

export const SSM_BATCH = 10;
const CONCURRENCY = 4;

/** Content types proc_wrapper maps to a format (S3 objects, AppConfig configurations). */
const MIME_FORMAT: Record<string, DataFormat> = {
  'application/json': 'json',
  'text/x-json': 'json',
  'application/x-yaml': 'yaml',
  'application/yaml': 'yaml',
  'text/vnd.yaml': 'yaml',
  'text/yaml': 'yaml',
  'text/x-yaml': 'yaml',
};

export interface ResolveFailure {
  target: string;
  source: string;
  text: string;
  /** An AWS error name (ParameterNotFound, AccessDeniedException, ...) or one of ours. */
  error: string;
}

export interface Resolution {
  values: Map<PendingReference, string>;
  failures: ResolveFailure[];
}

export interface ResolveContext {
  /** What ENV:NAME reads. */
  env: EnvVars;
  /** What file://PATH (and proc_wrapper's bare paths) read, as UTF-8 text. */
  readFile: (path: string) => Promise<Outcome>;
  /** PROC_WRAPPER_SECRETS_AWS_REGION: the region of proc_wrapper-style references without an ARN. */
  procWrapperRegion?: string;
}

function isDenied(outcome: Outcome | undefined): boolean {
  return outcome !== undefined && !outcome.ok && outcome.error === 'AccessDeniedException';
}

/** Run TASKS with at most LIMIT in flight. */
async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next]!;
      next += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** The region a store is read in: its ARN's, else proc_wrapper's variable for its references. */
function regionOf(reference: Reference, context: ResolveContext): string | undefined {
  const own = 'region' in reference.store ? reference.store.region : undefined;
  return own ?? (reference.encoding === 'proc_wrapper' ? context.procWrapperRegion : undefined);
}

/** One key per document, so that one fetch serves every reference to it. */
function documentKey(reference: Reference, context: ResolveContext): string {
  const store: Store = reference.store;
  return JSON.stringify([store, regionOf(reference, context) ?? '']);
}

/** Parse TEXT as FORMAT, or name the failure. YAML is read as 1.1 (booleans yes/no), as PyYAML does. */
function parseData(text: string, format: DataFormat): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    if (format === 'json') return { ok: true, value: parseJsonExact(text) };
    if (format === 'yaml') return { ok: true, value: parseYaml(text, { version: '1.1', intAsBigInt: true }) ?? null };
    return { ok: true, value: Object.fromEntries(parseDotenv(text, 'the fetched value')) };
  } catch {
    return { ok: false, error: `ValueIsNot${format === 'json' ? 'Json' : format === 'yaml' ? 'Yaml' : 'Dotenv'}` };
  }
}

/** The environment value of one reference from its fetched document, or the failure's name. */
export function deriveValue(reference: Reference, outcome: Outcome & { ok: true }): { ok: true; value: string } | { ok: false; error: string } {
  const proc = reference.encoding === 'proc_wrapper';
  let format = reference.format;
  if (!format && outcome.contentType) format = MIME_FORMAT[outcome.contentType.split(';')[0]!.trim().toLowerCase()];
  let parsed: unknown;
  let hasParsed = false;
  // proc_wrapper turns a StringList parameter into a JSON list; ECS and ssm-env pass the text.
  if (!format && proc && outcome.type === 'StringList') {
    parsed = outcome.value.split(',');
    hasParsed = true;
  } else if (format) {
    const result = parseData(outcome.value, format);
    if (!result.ok) return result;
    parsed = result.value;
    hasParsed = parsed !== null && parsed !== undefined;
  }
  let value: unknown = hasParsed ? parsed : outcome.value;
  const transform = reference.transform;
  if (transform) {
    if (!hasParsed) {
      const result = parseData(outcome.value, 'json');
      if (!result.ok) return result;
      parsed = result.value;
    }
    if (transform.kind === 'self') value = parsed;
    else {
      value = selectJsonPath(parsed, transform.path);
      if (value === undefined) return { ok: false, error: `JsonPathNoMatch ${transform.path.text}` };
    }
  }
  const text = encodeValue(value, reference.encoding);
  // An environment variable cannot hold a NUL byte; spawn would refuse it and quote the value.
  return text.includes('\0') ? { ok: false, error: 'ValueHoldsNulByte' } : { ok: true, value: text };
}

export async function resolveReferences(pending: readonly PendingReference[], backend: SecretBackend, context: ResolveContext): Promise<Resolution> {
  const documents = new Map<string, Outcome>();
  const ssmByRegion = new Map<string, Set<string>>();
  const fetches = new Map<string, () => Promise<Outcome>>();
  for (const item of pending) {
    const { store } = item.reference;
    const region = regionOf(item.reference, context);
    const key = documentKey(item.reference, context);
    if (store.kind === 'ssm') {
      const names = ssmByRegion.get(region ?? '') ?? new Set<string>();
      names.add(store.name);
      ssmByRegion.set(region ?? '', names);
    } else if (store.kind === 'secretsmanager') fetches.set(key, () => backend.getSecret(region, store.secretId, store));
    else if (store.kind === 's3') fetches.set(key, () => backend.getObject(region, store.bucket, store.key, store.version));
    else if (store.kind === 'appconfig') fetches.set(key, () => backend.getAppConfig(region, store.application, store.environment, store.profile));
    else if (store.kind === 'file') fetches.set(key, () => context.readFile(store.path));
    else if (store.kind === 'plain') documents.set(key, { ok: true, value: store.text });
    else {
      const value = context.env.get(store.name);
      documents.set(key, value === undefined ? { ok: false, error: `VariableNotSet ${store.name}` } : { ok: true, value });
    }
  }
  const tasks: Array<() => Promise<void>> = [];
  for (const [regionKey, nameSet] of ssmByRegion) {
    const names = [...nameSet];
    const region = regionKey === '' ? undefined : regionKey;
    for (let i = 0; i < names.length; i += SSM_BATCH) {
      const batch = names.slice(i, i + SSM_BATCH);
      tasks.push(async () => {
        let outcomes = await backend.getParameters(region, batch);
        // AWS refuses a whole GetParameters call when one name is not allowed; ask name by name
        // then, so that one missing permission does not hide every other value.
        if (batch.length > 1 && batch.every((name) => isDenied(outcomes.get(name)))) {
          outcomes = new Map();
          for (const name of batch) {
            for (const [key, outcome] of await backend.getParameters(region, [name])) outcomes.set(key, outcome);
          }
        }
        for (const name of batch) {
          documents.set(JSON.stringify([{ kind: 'ssm', name }, regionKey]), outcomes.get(name) ?? { ok: false, error: 'ParameterNotFound' });
        }
      });
    }
  }
  for (const [key, fetch] of fetches) {
    tasks.push(async () => {
      documents.set(key, await fetch());
    });
  }
  await runLimited(tasks, CONCURRENCY);

  const values = new Map<PendingReference, string>();
  const failures: ResolveFailure[] = [];
  for (const item of pending) {
    const ref = item.reference;
    const key = ref.store.kind === 'ssm' ? JSON.stringify([{ kind: 'ssm', name: ref.store.name }, regionOf(ref, context) ?? '']) : documentKey(ref, context);
    const outcome = documents.get(key)!;
    const derived = outcome.ok ? deriveValue(ref, outcome) : outcome;
    if (derived.ok) values.set(item, derived.value);
    else failures.push({ target: item.target, source: item.source, text: item.text, error: derived.error });
  }
  return { values, failures };
}

/** Fetch the one document REFERENCE points at (for `-f` with a remote location). */
export async function fetchDocument(reference: Reference, backend: SecretBackend, context: ResolveContext): Promise<Outcome> {
  const { store } = reference;
  const region = regionOf(reference, context);
  switch (store.kind) {
    case 'ssm':
      return (await backend.getParameters(region, [store.name])).get(store.name) ?? { ok: false, error: 'ParameterNotFound' };
    case 'secretsmanager':
      return backend.getSecret(region, store.secretId, store);
    case 's3':
      return backend.getObject(region, store.bucket, store.key, store.version);
    case 'appconfig':
      return backend.getAppConfig(region, store.application, store.environment, store.profile);
    case 'file':
      return context.readFile(store.path);
    case 'plain':
      return { ok: true, value: store.text };
    default: {
      const value = context.env.get(store.name);
      return value === undefined ? { ok: false, error: `VariableNotSet ${store.name}` } : { ok: true, value };
    }
  }
}

/** The format of a fetched document: `!format`, then its content type, then its name (guessed). */
export function formatOfDocument(reference: Reference, outcome: Outcome & { ok: true }): DataFormat | undefined {
  return reference.format ?? (outcome.contentType ? MIME_FORMAT[outcome.contentType.split(';')[0]!.trim().toLowerCase()] : undefined);
}
