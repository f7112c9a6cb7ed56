/** Options and labels shared by the commands that add keyring entries (init, keys add). */
import { Option } from 'commander';
import type { Credential } from '../core/credential.js';
import { DEFAULT_SCRYPT, type ScryptParams } from '../core/kdf.js';
import { UsageError } from '../errors.js';

export function workFactorOption(): Option {
  return new Option('--work-factor <n>', `scrypt work factor of new password entries, log2 N (default ${DEFAULT_SCRYPT.logN})`);
}

export function parseWorkFactorOption(options: Record<string, unknown>): ScryptParams {
  if (options.workFactor === undefined) return DEFAULT_SCRYPT;
  const logN = Number(options.workFactor);
  if (!Number.isInteger(logN) || logN < 10 || logN > 20) {
    throw new UsageError(`--work-factor ${String(options.workFactor)}: give a whole number from 10 to 20 (17 or more recommended)`);
  }
  return { ...DEFAULT_SCRYPT, logN };
}

/** A default label: "password", "key-file", numbered when there are several. */
export function entryLabel(credential: Credential, index: number): string {
  // An Ansible vault-id's label names the entry; "default" (no label given) says nothing, so it does not.
  const base =
    credential.kind !== 'password' ? credential.kind : credential.label !== undefined && credential.label !== 'default' ? credential.label : 'password';
  return index === 0 ? base : `${base}-${index + 1}`;
}
