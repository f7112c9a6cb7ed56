/**
 * What the child of `vault exec` must not receive (docs/runtime.md, "Precedence and isolation"): vault's own key
 * sources, and variables from a secrets file that change how programs are loaded. A committed file
 * is attacker-controlled input: a `.env` that sets LD_PRELOAD or NODE_OPTIONS would run the
 * attacker's code inside the program that holds every secret. Pure: names in, decisions out.
 */
import { VaultError } from '../errors.js';

/** A key given as a value: never passed on (a crash reporter that dumps the environment leaks it). */
export const KEY_VALUE_VARIABLES: readonly string[] = ['VAULTFILE_PASSWORD'];

/** Where vault's keys are: withheld unless --keep-key-sources (a deploy script that runs vault again). */
export const KEY_SOURCE_VARIABLES: readonly string[] = ['VAULTFILE_KEY_FILE', 'VAULTFILE_PASSWORD_FILE', 'VAULTFILE_IDENTITY'];

/** Variables that make a dynamic loader, an interpreter or a shell run code of their choosing. */
export const LOADER_VARIABLES: readonly string[] = [
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'NODE_OPTIONS',
  'BASH_ENV',
  'ENV',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PERL5OPT',
];

/** Is NAME, inherited from vault's environment, kept out of the child's? */
export function isWithheld(name: string, keepKeySources: boolean): boolean {
  return KEY_VALUE_VARIABLES.includes(name) || (!keepKeySources && KEY_SOURCE_VARIABLES.includes(name));
}

export interface LoaderCheck {
  /** Names the user allowed explicitly (--allow-variable NAME). */
  allowed: ReadonlySet<string>;
  /** PATH from a file only matters where it replaces the inherited one. */
  pathApplies: boolean;
}

/** Throws when ORIGIN (a quoted file or --ssm-path) would set a loader variable NAME. */
export function refuseLoaderVariable(name: string, origin: string, check: LoaderCheck): void {
  if (check.allowed.has(name)) return;
  if (!LOADER_VARIABLES.includes(name) && !(name === 'PATH' && check.pathApplies)) return;
  throw new VaultError(
    `${origin} sets ${name}, which changes how programs load; nothing was run; if that is intended, add --allow-variable ${name}`,
  );
}
