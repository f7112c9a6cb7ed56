/**
 * remind101/ssm-env's rules, for `vault ssm-env`: its Go-style flags, and its expansion of every
 * variable whose value is `ssm://NAME` into the parameter's value (names need a leading "/" unless
 * -no-fail; read 10 per GetParameters call; -with-decryption asks AWS to decrypt SecureStrings;
 * -no-fail keeps the literal value of what could not be read). Only ssm-env's default -template is
 * accepted: Go templates are not half-implemented. Messages name variables, never values.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FormatError, UsageError, VaultError } from '../errors.js';
import type { SecretBackend } from './aws.js';
import { SSM_BATCH } from './resolve.js';

/** ssm-env's DefaultTemplate, byte for byte. */
export const SSM_ENV_DEFAULT_TEMPLATE = '{{ if hasPrefix .Value "ssm://" }}{{ trimPrefix .Value "ssm://" }}{{ end }}';
const PREFIX = 'ssm://';

export interface SsmEnvFlags {
  template: string;
  withDecryption: boolean;
  noFail: boolean;
  version: boolean;
  help: boolean;
  /** vault's -q/-quiet (not ssm-env's): no notes; the -no-fail warnings still print. */
  quiet: boolean;
  /** The command and its arguments. */
  command: string[];
}

const BOOLEAN_FLAGS: Record<string, 'withDecryption' | 'noFail' | 'version' | 'help' | 'quiet'> = {
  'with-decryption': 'withDecryption',
  'no-fail': 'noFail',
  V: 'version',
  h: 'help',
  help: 'help',
  q: 'quiet',
  quiet: 'quiet',
};

/** Go's flag package: -name or --name, -name=value, a string flag's value in the next argument, "--" ends. */
export function parseSsmEnvFlags(args: readonly string[]): SsmEnvFlags {
  const flags: SsmEnvFlags = { template: SSM_ENV_DEFAULT_TEMPLATE, withDecryption: false, noFail: false, version: false, help: false, quiet: false, command: [] };
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') {
      i += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (name === 'template') {
      if (inline !== undefined) flags.template = inline;
      else if (i + 1 < args.length) flags.template = args[++i]!;
      else throw new UsageError('flag needs an argument: -template; see "vault ssm-env -h"');
      continue;
    }
    const key = BOOLEAN_FLAGS[name];
    if (!key) throw new UsageError(`flag provided but not defined: -${name}; see "vault ssm-env -h"`);
    if (inline !== undefined && !/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(inline)) {
      throw new UsageError(`invalid boolean value "${inline}" for -${name}`);
    }
    flags[key] = inline === undefined || /^(1|t|true)$/i.test(inline);
  }
  flags.command = args.slice(i);
  if (flags.template !== SSM_ENV_DEFAULT_TEMPLATE) {
    throw new UsageError(
      `-template: only ssm-env's default template (values written ssm:///NAME) is supported; rename the variables' values to ssm:///NAME, or use vault exec with NAME_FOR_VAULT_TO_RESOLVE`,
    );
  }
  return flags;
}

export const SSM_ENV_USAGE = `usage: vault ssm-env [-template STRING] [-with-decryption] [-no-fail] COMMAND [ARGS...]
  -template string   only ssm-env's default: ${SSM_ENV_DEFAULT_TEMPLATE}
  -with-decryption   decrypt SecureString parameters
  -no-fail           keep the literal ssm:// value of what cannot be read
  -q, -quiet         print no notes; errors and the -no-fail warnings still print (vault's own flag)
  -V                 print the version and exit
`;

/**
 * Is COMMAND an executable file, found as execvp finds it (a name with "/" as is, else on PATH)?
 * ssm-env looks the command up before it asks AWS anything; so does vault ssm-env.
 */
export function isRunnable(command: string, path: string | undefined): boolean {
  const candidates = command.includes('/') ? [command] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * ENV with every `ssm://NAME` value replaced by the parameter's value, as ssm-env does. Problems are
 * errors, or with -no-fail warnings in the result (the literal value stays). Prints nothing.
 */
export async function expandSsmEnv(
  env: Map<string, string>,
  flags: Pick<SsmEnvFlags, 'withDecryption' | 'noFail'>,
  backend: () => SecretBackend,
): Promise<{ env: Map<string, string>; warnings: string[] }> {
  const warnings: string[] = [];
  const wanted = new Map<string, string>();
  for (const [variable, value] of env) {
    if (!value.startsWith(PREFIX)) continue;
    const parameter = value.slice(PREFIX.length);
    if (!parameter.startsWith('/') && !flags.noFail) {
      throw new FormatError(`${variable}: SSM parameters must have a leading "/" (ssm:///<path>); nothing was run`);
    }
    wanted.set(variable, parameter);
  }
  const out = new Map(env);
  const names = [...new Set(wanted.values())];
  for (let i = 0; i < names.length; i += SSM_BATCH) {
    const batch = names.slice(i, i + SSM_BATCH);
    const outcomes = await backend().getParameters(undefined, batch, flags.withDecryption);
    const variablesOf = (name: string): string[] => [...wanted].filter(([, parameter]) => parameter === name).map(([variable]) => variable);
    const callError = [...outcomes.values()].find((outcome) => !outcome.ok && outcome.error !== 'ParameterNotFound');
    if (callError && !callError.ok) {
      const line = `cannot read SSM parameters (${callError.error})`;
      if (!flags.noFail) throw new VaultError(`${line}; nothing was run; check the region and IAM permissions, or add -no-fail`);
      warnings.push(`warning: ${line}; ${batch.flatMap(variablesOf).join(', ')} keep their ssm:// values (-no-fail)`);
      continue;
    }
    const invalid = batch.filter((name) => !outcomes.get(name)?.ok).flatMap(variablesOf);
    if (invalid.length > 0) {
      const line = `invalid parameters for ${invalid.sort().join(', ')}`;
      if (!flags.noFail) throw new VaultError(`${line}; nothing was run; check the parameter names, or add -no-fail`);
      warnings.push(`warning: ${line}; they keep their ssm:// values (-no-fail)`);
    }
    for (const [variable, parameter] of wanted) {
      const outcome = outcomes.get(parameter);
      if (!outcome?.ok) continue;
      if (outcome.value.includes('\0')) throw new VaultError(`${variable} holds a NUL character, which no environment variable can carry; nothing was run`);
      out.set(variable, outcome.value);
    }
  }
  return { env: out, warnings };
}
