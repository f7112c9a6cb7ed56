/**
 * Prints a resolved set of variables for tools that need a file or `eval`: dotenv, JSON, or POSIX
 * shell `export NAME='value'` lines that are safe to eval (single quotes, `'` written as `'\''`).
 */
import { UsageError } from '../errors.js';
import { serializeDotenv, type EnvVars } from './dotenv.js';

export const EXPORT_FORMATS = ['dotenv', 'json', 'shell'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatEnv(vars: EnvVars, format: ExportFormat): string {
  if (format === 'dotenv') return serializeDotenv(vars);
  if (format === 'json') return `${JSON.stringify(Object.fromEntries(vars), null, 2)}\n`;
  let out = '';
  for (const [name, value] of vars) {
    if (!SHELL_NAME.test(name)) {
      throw new UsageError(`${name} is not a valid shell variable name; use --format dotenv or --format json`);
    }
    out += `export ${name}=${shellQuote(value)}\n`;
  }
  return out;
}
