/**
 * Builds the environment a command runs with: the base (vault's own environment less its key
 * sources, or with --pristine only PATH), the sources in order (--ssm-path parameters, then each -f
 * file; a later source overrides an earlier one; the base wins over sources unless --overload),
 * then references resolved (see references.ts). It fails closed: a reference that cannot be
 * resolved is an error before anything runs, unless --allow-unresolved makes it a warning that
 * leaves the variable unset. An inline `!vault` value no key opens is held to the same rule, but only
 * when its variable would be set from it (not replaced by a later source or kept from the base).
 * A source that sets a loader variable (child-guards.ts) is refused.
 * Returns the environment and the warnings to show; prints nothing. Messages name the variable,
 * the location and the AWS error, never a value.
 */
import { promises as fs } from 'node:fs';
import { VaultError, quotePath } from '../errors.js';
import { AwsCallError, createAwsBackend, type Outcome, type SecretBackend } from './aws.js';
import { isWithheld, refuseLoaderVariable, type LoaderCheck } from './child-guards.js';
import type { EnvVars } from './dotenv.js';
import { parseEnvFile, readPlainFile, sealedVariablesError, type SourceReader } from './env-file.js';
import { envNameOf, type SealedVariables } from './env-map.js';
import { describeReference, findReferences } from './references.js';
import { isRemoteLocation, readRemoteEnv } from './remote-source.js';
import { resolveReferences } from './resolve.js';

export interface EnvironmentOptions {
  files: readonly string[];
  ssmPaths: readonly string[];
  overload: boolean;
  pristine: boolean;
  /** With pristine: keep PATH from the base environment. */
  keepPath: boolean;
  resolve: boolean;
  /** Run even when a reference cannot be resolved (the variable stays unset); off by default. */
  allowUnresolved: boolean;
  /** Pass VAULTFILE_KEY_FILE, VAULTFILE_PASSWORD_FILE and VAULTFILE_IDENTITY on to the child. */
  keepKeySources: boolean;
  /** Loader variables (LD_PRELOAD, ...) that the sources may set (--allow-variable). */
  allowedVariables: readonly string[];
  read?: SourceReader;
  /** Made only when a reference or --ssm-path is present, so the SDK stays unloaded otherwise. */
  backend?: () => SecretBackend;
}

export interface BuiltEnvironment {
  env: EnvVars;
  /** Names that sources defined or references set: what `vault export` prints. */
  defined: Set<string>;
  /** With --allow-unresolved: one line per variable left unset, in the order found. */
  warnings: string[];
}

/** Fail closed: references that could not be resolved; `unresolved` has one line per reference. */
export class UnresolvedReferencesError extends VaultError {
  constructor(message: string, readonly unresolved: string[]) {
    super(message);
  }
}

/** Name of a parameter under PATH: "/prod/app/db/password" under "/prod/app" -> DB_PASSWORD. */
export function parameterEnvName(path: string, name: string): string {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const rest = name.startsWith(prefix) ? name.slice(prefix.length) : name.slice(name.lastIndexOf('/') + 1);
  return envNameOf(rest);
}

/** file://PATH as UTF-8 text, or the error name (ENOENT, ...). */
async function readLocationFile(path: string): Promise<Outcome> {
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(await fs.readFile(path)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, error: code ? `FileNotReadable ${code}` : 'ValueIsNotUtf8' };
  }
}

interface Unopened {
  path: string;
  label: string | null;
}

/**
 * The variables of UNOPENED that would be set from their sealed value (not kept from the base
 * environment): refused, naming them, or with --allow-unresolved left unset with a warning each.
 */
function refuseUnopened(unopened: ReadonlyMap<string, Unopened>, env: EnvVars, options: EnvironmentOptions, warnings: string[]): void {
  const needed = [...unopened].filter(([name]) => options.overload || !env.has(name));
  if (needed.length === 0) return;
  if (!options.allowUnresolved) {
    const { path } = needed[0]![1];
    const inFile: SealedVariables = new Map(needed.filter(([, from]) => from.path === path).map(([name, { label }]) => [name, label]));
    throw sealedVariablesError(path, inFile, 'nothing was run', `, or --allow-unresolved to run without ${inFile.size === 1 ? 'it' : 'them'}`);
  }
  for (const [name, { path }] of needed) {
    warnings.push(`warning: ${quotePath(path)}: ${name} cannot be opened with the keys given; left unset (--allow-unresolved)`);
    env.delete(name);
  }
}

export async function buildEnvironment(base: NodeJS.ProcessEnv, options: EnvironmentOptions): Promise<BuiltEnvironment> {
  const env: EnvVars = new Map();
  if (options.pristine) {
    if (options.keepPath && base.PATH !== undefined) env.set('PATH', base.PATH);
  } else {
    for (const [name, value] of Object.entries(base)) {
      if (value !== undefined && !isWithheld(name, options.keepKeySources)) env.set(name, value);
    }
  }
  let backend: SecretBackend | null = null;
  const getBackend = (): SecretBackend => (backend ??= options.backend ? options.backend() : createAwsBackend(base));
  const guard: LoaderCheck = {
    allowed: new Set(options.allowedVariables),
    pathApplies: options.overload || !env.has('PATH'),
  };
  /** Where each sourced name came from, for the loader-variable refusal. */
  const origins = new Map<string, string>();

  const sourced: EnvVars = new Map();
  for (const path of options.ssmPaths) {
    let parameters;
    try {
      parameters = await getBackend().getParametersByPath(undefined, path);
    } catch (error) {
      if (error instanceof AwsCallError) {
        throw new VaultError(`--ssm-path ${quotePath(path)}: cannot read the parameters (${error.errorName}); check the path, region and IAM permissions`);
      }
      throw error;
    }
    for (const { name, value } of parameters) {
      if (value.includes('\0')) throw new VaultError(`--ssm-path ${quotePath(path)}: ${name} holds a NUL character, which no environment variable can carry`);
      sourced.set(parameterEnvName(path, name), value);
      origins.set(parameterEnvName(path, name), `--ssm-path ${quotePath(path)}`);
    }
  }
  const read = options.read ?? readPlainFile;
  const procWrapperRegion = base.PROC_WRAPPER_SECRETS_AWS_REGION || undefined;
  const context = { env, readFile: readLocationFile, ...(procWrapperRegion ? { procWrapperRegion } : {}) };
  /** Variables whose last source holds a `!vault` value no key opened: that file and the value's label. */
  const unopened = new Map<string, Unopened>();
  for (const path of options.files) {
    if (isRemoteLocation(path)) {
      for (const [name, value] of await readRemoteEnv(path, getBackend(), context)) {
        sourced.set(name, value);
        origins.set(name, `-f ${quotePath(path)}`);
        unopened.delete(name);
      }
      continue;
    }
    const plaintext = await read(path);
    const sealed: SealedVariables = new Map();
    try {
      for (const [name, value] of parseEnvFile(plaintext, path, sealed)) {
        sourced.set(name, value);
        origins.set(name, quotePath(path));
        unopened.delete(name);
      }
    } finally {
      plaintext.fill(0);
    }
    // This file's value would replace an earlier source's: that one must not stand in for it.
    for (const [name, label] of sealed) {
      sourced.delete(name);
      unopened.set(name, { path, label });
    }
  }
  const defined = new Set<string>();
  const baseNames = new Set(env.keys());
  for (const [name, value] of sourced) {
    refuseLoaderVariable(name, origins.get(name)!, guard);
    defined.add(name);
    if (options.overload || !env.has(name)) env.set(name, value);
  }
  const warnings: string[] = [];
  refuseUnopened(unopened, env, options, warnings);
  if (!options.resolve) return { env, defined, warnings };

  // A file's NAME_FOR_VAULT_TO_RESOLVE obeys the file rule: it does not replace a NAME the
  // environment already has, unless --overload. One set in the environment itself always applies.
  const fromFile = (name: string): boolean => sourced.has(name) && !baseNames.has(name);
  const pending = findReferences(env).filter((item) => {
    if (item.source === item.target || options.overload || !fromFile(item.source) || !baseNames.has(item.target)) return true;
    env.delete(item.source);
    defined.delete(item.source);
    return false;
  });
  for (const item of pending) {
    if (fromFile(item.source)) refuseLoaderVariable(item.target, origins.get(item.source)!, guard);
  }
  if (pending.length === 0) return { env, defined, warnings };
  const { values, failures } = await resolveReferences(pending, getBackend(), context);
  const lines = failures.map((failure) => `${failure.target}: cannot resolve ${describeReference(failure)} (${failure.error})`);
  if (!options.allowUnresolved && failures.length > 0) {
    const count = failures.length === 1 ? 'a reference' : `${failures.length} references`;
    throw new UnresolvedReferencesError(`${count} could not be resolved; nothing was run; check the names, region and IAM permissions, or add --allow-unresolved`, lines);
  }
  for (const line of lines) warnings.push(`warning: ${line}; left unset (--allow-unresolved)`);
  for (const item of pending) {
    if (item.source !== item.target) {
      env.delete(item.source);
      defined.delete(item.source);
    }
    const value = values.get(item);
    if (value !== undefined) {
      env.set(item.target, value);
      defined.add(item.target);
    } else if (item.source === item.target) {
      env.delete(item.target);
      defined.delete(item.target);
    }
  }
  return { env, defined, warnings };
}
