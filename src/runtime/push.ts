/**
 * `vault push`: the variables of a file into the stores ECS reads. SSM: one SecureString per
 * variable under a prefix; Secrets Manager: one secret whose JSON object holds every variable. It
 * reads the current values first and writes only what changed; with --prune it deletes what the file
 * no longer has, else lists it as `extra`. After the writes it reads back the ARNs AWS reports, for
 * the task definition's `secrets` and proc_wrapper's `env:`, and writes them to the files asked for.
 * Returns a report of names and changes, never a value; prints nothing.
 */
import { stringify } from 'yaml';
import { FormatError, UsageError, VaultError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { AwsCallError } from './aws.js';
import type { PushStore } from './aws-writes.js';
import type { EnvVars } from './dotenv.js';
import { compactJson, parseJsonExact } from './json-value.js';

export type PushTarget = { kind: 'ssm'; prefix: string; text: string } | { kind: 'secretsmanager'; name: string; text: string };
export type Change = 'added' | 'changed' | 'unchanged' | 'removed' | 'extra';

export interface PushReport {
  target: PushTarget;
  changes: Array<{ name: string; change: Change }>;
  /** Whether anything was written (false for --dry-run or when nothing changed). */
  wrote: boolean;
  /** Each variable and the reference that reads it back; empty after --dry-run. */
  references: Array<{ name: string; valueFrom: string; location: string }>;
}

export interface PushOptions {
  dryRun: boolean;
  prune: boolean;
  kmsKeyId?: string;
  /** The file, for messages. */
  origin: string;
}

/** `ssm:///prod/app/` or `secretsmanager:prod/app`; anything else is a usage error. */
export function parsePushTarget(text: string): PushTarget {
  if (text.startsWith('ssm://')) {
    const path = text.slice('ssm://'.length);
    if (!/^\/[A-Za-z0-9_.\-/]*$/.test(path) || path.includes('//')) {
      throw new UsageError(`--to ${quotePath(text)}: an SSM prefix is ssm:///PATH/ (a path that starts with "/")`);
    }
    return { kind: 'ssm', prefix: path.endsWith('/') ? path : `${path}/`, text };
  }
  if (text.startsWith('secretsmanager:')) {
    const name = text.slice('secretsmanager:'.length);
    if (!/^[A-Za-z0-9/_+=.@-]+$/.test(name)) throw new UsageError(`--to ${quotePath(text)}: a secret name is letters, digits and /_+=.@-`);
    return { kind: 'secretsmanager', name, text };
  }
  throw new UsageError(`--to ${quotePath(text)}: use ssm:///PREFIX/ or secretsmanager:NAME`);
}

/** `$.NAME`, or `$['NAME']` for a name that is not an identifier. */
function jsonPathOf(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$.${name}` : `$['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

async function pushSsm(vars: EnvVars, target: PushTarget & { kind: 'ssm' }, store: PushStore, options: PushOptions): Promise<PushReport> {
  for (const [name, value] of vars) {
    if (value === '') throw new FormatError(`${quotePath(options.origin)}: ${name} is empty, and an SSM parameter cannot be; give it a value or remove it`);
  }
  const current = await store.listParameters(target.prefix);
  const changes: PushReport['changes'] = [];
  const writes: Array<[string, string]> = [];
  for (const [name, value] of vars) {
    const old = current.get(target.prefix + name);
    const change: Change = !old ? 'added' : old.value !== value || old.type !== 'SecureString' ? 'changed' : 'unchanged';
    changes.push({ name, change });
    if (change !== 'unchanged') writes.push([target.prefix + name, value]);
  }
  const extra = [...current.keys()].filter((full) => !vars.has(full.slice(target.prefix.length))).sort();
  for (const full of extra) changes.push({ name: full.slice(target.prefix.length), change: options.prune ? 'removed' : 'extra' });
  if (options.dryRun) return { target, changes, wrote: false, references: [] };
  let done = 0;
  try {
    for (const [name, value] of writes) {
      await store.putParameter(name, value, options.kmsKeyId);
      done += 1;
    }
    if (options.prune && extra.length > 0) await store.deleteParameters(extra);
  } catch (error) {
    if (error instanceof AwsCallError) {
      throw new VaultError(`${target.text}: ${error.errorName}; ${done} of ${writes.length} parameters written before it; check the IAM permissions and run again`);
    }
    throw error;
  }
  const names = [...vars.keys()];
  const arns = await store.parameterArns(names.map((name) => target.prefix + name));
  const references = names.map((name) => {
    const arn = arns.get(target.prefix + name);
    if (!arn) throw new VaultError(`${target.text}: AWS reports no ARN for ${name} after the write; run again`);
    return { name, valueFrom: arn, location: arn };
  });
  return { target, changes, wrote: writes.length > 0 || (options.prune && extra.length > 0), references };
}

async function pushSecret(vars: EnvVars, target: PushTarget & { kind: 'secretsmanager' }, store: PushStore, options: PushOptions): Promise<PushReport> {
  const text = await store.readSecret(target.name);
  let current: Record<string, unknown> | undefined;
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseJsonExact(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new VaultError(`${target.text}: the secret holds something other than a JSON object; vault push does not overwrite it; pick another name`);
    }
    current = parsed as Record<string, unknown>;
  }
  const changes: PushReport['changes'] = [];
  for (const [name, value] of vars) {
    const had = current && Object.prototype.hasOwnProperty.call(current, name);
    changes.push({ name, change: !had ? 'added' : current![name] === value ? 'unchanged' : 'changed' });
  }
  const extra = Object.keys(current ?? {}).filter((name) => !vars.has(name)).sort();
  for (const name of extra) changes.push({ name, change: options.prune ? 'removed' : 'extra' });
  const dirty = changes.some(({ change }) => change === 'added' || change === 'changed' || change === 'removed');
  if (options.dryRun) return { target, changes, wrote: false, references: [] };
  const merged: Record<string, unknown> = options.prune ? {} : { ...current };
  for (const [name, value] of vars) merged[name] = value;
  try {
    if (current === undefined) await store.createSecret(target.name, compactJson(merged), options.kmsKeyId);
    else if (dirty) await store.putSecret(target.name, compactJson(merged));
  } catch (error) {
    if (error instanceof AwsCallError) throw new VaultError(`${target.text}: ${error.errorName}; nothing was written; check the IAM permissions and run again`);
    throw error;
  }
  const arn = await store.secretArn(target.name);
  // ECS's form: arn:...:secret:NAME-abcdef:JSON_KEY:VERSION_STAGE:VERSION_ID (empty: AWSCURRENT).
  const references = [...vars.keys()].map((name) => ({ name, valueFrom: `${arn}:${name}::`, location: `${arn}|JP:${jsonPathOf(name)}` }));
  return { target, changes, wrote: current === undefined || dirty, references };
}

export async function push(vars: EnvVars, target: PushTarget, store: PushStore, options: PushOptions): Promise<PushReport> {
  try {
    return target.kind === 'ssm' ? await pushSsm(vars, target, store, options) : await pushSecret(vars, target, store, options);
  } catch (error) {
    if (error instanceof AwsCallError) throw new VaultError(`${target.text}: ${error.errorName}; nothing was changed by this call; check the region and IAM permissions`);
    throw error;
  }
}

/** Where the references go: --ecs-secrets (the task definition's "secrets") and --proc-wrapper (its env: block). */
export interface ReferenceFiles {
  ecsSecrets?: string;
  procWrapper?: string;
}

/**
 * Write the reference files FILES asks for from REPORT, in that order; with DRY_RUN none is
 * written. Returns the paths written and the paths left unwritten.
 */
export async function writeReferenceFiles(report: PushReport, files: ReferenceFiles, dryRun: boolean): Promise<{ written: string[]; skipped: string[] }> {
  const outputs: Array<[string, string]> = [];
  if (files.ecsSecrets !== undefined) {
    outputs.push([files.ecsSecrets, `${JSON.stringify(report.references.map(({ name, valueFrom }) => ({ name, valueFrom })), null, 2)}\n`]);
  }
  if (files.procWrapper !== undefined) {
    const block = Object.fromEntries(report.references.map(({ name, location }) => [`${name}_FOR_PROC_WRAPPER_TO_RESOLVE`, location]));
    outputs.push([files.procWrapper, `# proc_wrapper env: written by vault push --to ${report.target.text}\n${stringify(block, { lineWidth: 0 })}`]);
  }
  const result = { written: [] as string[], skipped: [] as string[] };
  for (const [path, text] of outputs) {
    if (dryRun) result.skipped.push(path);
    else {
      await writeFileAtomic(path, new TextEncoder().encode(text));
      result.written.push(path);
    }
  }
  return result;
}
