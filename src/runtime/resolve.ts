/**
 * Resolves references against a secret backend with the fewest calls: SSM names are deduplicated
 * and read 10 per GetParameters call (the API's limit), each Secrets Manager secret is fetched once
 * however many `|JP:` selectors read it, and calls run a few at a time. Returns values and
 * failures; deciding what a failure means (warning or error) is the caller's business.
 */
import type { Outcome, SecretBackend } from './aws.js';
import { evaluateJsonPath, projectJson } from './jsonpath.js';
import type { PendingReference } from './references.js';

export const SSM_BATCH = 10;
const CONCURRENCY = 4;

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

export async function resolveReferences(pending: readonly PendingReference[], backend: SecretBackend): Promise<Resolution> {
  // Documents keyed by store, region and id, so one fetch serves every reference to it.
  const keyOf = (item: PendingReference): string => {
    const ref = item.reference;
    return ref.kind === 'ssm' ? `ssm\0${ref.region ?? ''}\0${ref.name}` : `sm\0${ref.region ?? ''}\0${ref.secretId}`;
  };
  const documents = new Map<string, Outcome>();
  const ssmByRegion = new Map<string, Set<string>>();
  const secrets = new Map<string, { region: string | undefined; secretId: string }>();
  for (const item of pending) {
    const ref = item.reference;
    if (ref.kind === 'ssm') {
      const names = ssmByRegion.get(ref.region ?? '') ?? new Set<string>();
      names.add(ref.name);
      ssmByRegion.set(ref.region ?? '', names);
    } else {
      secrets.set(keyOf(item), { region: ref.region, secretId: ref.secretId });
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
          documents.set(`ssm\0${regionKey}\0${name}`, outcomes.get(name) ?? { ok: false, error: 'ParameterNotFound' });
        }
      });
    }
  }
  for (const [key, { region, secretId }] of secrets) {
    tasks.push(async () => {
      documents.set(key, await backend.getSecret(region, secretId));
    });
  }
  await runLimited(tasks, CONCURRENCY);

  const values = new Map<PendingReference, string>();
  const failures: ResolveFailure[] = [];
  const fail = (item: PendingReference, error: string): void => {
    failures.push({ target: item.target, source: item.source, text: item.text, error });
  };
  // An environment variable cannot hold a NUL byte; spawn would refuse it and quote the value.
  const accept = (item: PendingReference, value: string): void => {
    if (value.includes('\0')) fail(item, 'ValueHoldsNulByte');
    else values.set(item, value);
  };
  for (const item of pending) {
    const outcome = documents.get(keyOf(item))!;
    if (!outcome.ok) {
      fail(item, outcome.error);
      continue;
    }
    const path = item.reference.jsonPath;
    if (!path) {
      accept(item, outcome.value);
      continue;
    }
    let document: unknown;
    try {
      document = JSON.parse(outcome.value);
    } catch {
      fail(item, 'ValueIsNotJson');
      continue;
    }
    const selected = evaluateJsonPath(document, path);
    if (selected === undefined) fail(item, `JsonPathNoMatch ${path.text}`);
    else accept(item, projectJson(selected));
  }
  return { values, failures };
}
