/**
 * Builds the environment a command runs with: the base (vault's own environment, or with
 * --pristine only PATH), the sources in order (--ssm-path parameters, then each -f file; a later
 * source overrides an earlier one; the base wins over sources unless --overload), then references
 * resolved (see references.ts). A reference that cannot be resolved is a warning that leaves the
 * variable unset (a suffix variable's target keeps any value it had), or with --strict an error
 * before anything runs. Warnings name the variable, the reference and the AWS error, never a value.
 */
import { VaultError, quotePath } from '../errors.js';
import { AwsCallError, createAwsBackend, type SecretBackend } from './aws.js';
import type { EnvVars } from './dotenv.js';
import { parseEnvFile, readPlainFile, type SourceReader } from './env-file.js';
import { envNameOf } from './env-map.js';
import { findReferences } from './references.js';
import { resolveReferences } from './resolve.js';

export interface EnvironmentOptions {
  files: readonly string[];
  ssmPaths: readonly string[];
  overload: boolean;
  pristine: boolean;
  /** With pristine: keep PATH from the base environment. */
  keepPath: boolean;
  resolve: boolean;
  strict: boolean;
  read?: SourceReader;
  /** Made only when a reference or --ssm-path is present, so the SDK stays unloaded otherwise. */
  backend?: () => SecretBackend;
  warn: (line: string) => void;
}

export interface BuiltEnvironment {
  env: EnvVars;
  /** Names that sources defined or references set: what `vault export` prints. */
  defined: Set<string>;
}

/** Name of a parameter under PATH: "/prod/app/db/password" under "/prod/app" -> DB_PASSWORD. */
export function parameterEnvName(path: string, name: string): string {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  const rest = name.startsWith(prefix) ? name.slice(prefix.length) : name.slice(name.lastIndexOf('/') + 1);
  return envNameOf(rest);
}

/**
 * vault's own key given as a value: it opened the files and the command has no use for it, while
 * a program that dumps its environment (crash reporters do) would leak it. File paths are kept.
 */
export const WITHHELD_VARIABLES = ['VAULTFILE_PASSWORD'];

export async function buildEnvironment(base: NodeJS.ProcessEnv, options: EnvironmentOptions): Promise<BuiltEnvironment> {
  const env: EnvVars = new Map();
  if (options.pristine) {
    if (options.keepPath && base.PATH !== undefined) env.set('PATH', base.PATH);
  } else {
    for (const [name, value] of Object.entries(base)) {
      if (value !== undefined && !WITHHELD_VARIABLES.includes(name)) env.set(name, value);
    }
  }
  let backend: SecretBackend | null = null;
  const getBackend = (): SecretBackend => (backend ??= (options.backend ?? createAwsBackend)());

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
    }
  }
  const read = options.read ?? readPlainFile;
  for (const path of options.files) {
    const plaintext = await read(path);
    try {
      for (const [name, value] of parseEnvFile(plaintext, path)) sourced.set(name, value);
    } finally {
      plaintext.fill(0);
    }
  }
  const defined = new Set<string>();
  const baseNames = new Set(env.keys());
  for (const [name, value] of sourced) {
    defined.add(name);
    if (options.overload || !env.has(name)) env.set(name, value);
  }
  if (!options.resolve) return { env, defined };

  // A file's NAME_FOR_VAULT_TO_RESOLVE obeys the file rule: it does not replace a NAME the
  // environment already has, unless --overload. One set in the environment itself always applies.
  const fromFile = (name: string): boolean => sourced.has(name) && !baseNames.has(name);
  const pending = findReferences(env).filter((item) => {
    if (item.source === item.target || options.overload || !fromFile(item.source) || !baseNames.has(item.target)) return true;
    env.delete(item.source);
    defined.delete(item.source);
    return false;
  });
  if (pending.length === 0) return { env, defined };
  const { values, failures } = await resolveReferences(pending, getBackend());
  for (const failure of failures) {
    const line = `${failure.target}: cannot resolve ${JSON.stringify(failure.text)} (${failure.error})`;
    options.warn(options.strict ? line : `warning: ${line}; left unset (--strict makes this an error)`);
  }
  if (options.strict && failures.length > 0) {
    const count = failures.length === 1 ? 'a reference' : `${failures.length} references`;
    throw new VaultError(`${count} could not be resolved; nothing was run; check the names, region and IAM permissions`);
  }
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
  return { env, defined };
}
