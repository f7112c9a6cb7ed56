/**
 * The key options of a command as parsed (src/commands/options.ts declares them for commander) and
 * their key sources. Apart from options.ts so that `vault view`'s quick path (src/quick-view.ts),
 * which parses its command line without commander, uses the same mapping without loading it.
 */
import type { KeySourceOptions } from '../keys/key-sources.js';

/** The key options as commander parses them (addKeySourceOptions); each command's options extend these. */
export interface KeyFlags {
  passwordFile?: string;
  vaultPasswordFile?: string[];
  keyFile?: string[];
  passwordStdin?: boolean;
  passwordCommand?: string;
  vaultId?: string[];
  identity?: string[];
  /** false with --no-kms (`keys add --kms KEY` uses the name for its own repeatable option). */
  kms?: boolean | string[];
  maxWorkFactor?: number;
}

/** The key-source part of a command's parsed options. */
export function keySourceOptions(options: KeyFlags): KeySourceOptions {
  return {
    passwordFile: options.passwordFile,
    keyFile: options.keyFile,
    passwordStdin: options.passwordStdin === true,
    passwordCommand: options.passwordCommand,
    vaultId: options.vaultId ?? [],
    // Ansible's --vault-password-file: the vault-id rules with the label "default" (a script runs).
    vaultPasswordFile: options.vaultPasswordFile ?? [],
    maxWorkFactor: options.maxWorkFactor,
    identity: options.identity ?? [],
    kms: options.kms !== false,
  };
}
