/**
 * Options shared by commands: the key sources (DESIGN.md §5) on every command that needs a key,
 * so they work after the subcommand (`vault encrypt --password-file p f.yml`).
 */
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { parseWorkFactor, type KeySourceOptions } from '../keys/key-sources.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addKeySourceOptions(command: Command): Command {
  // One standard input cannot carry both a file ("-") and the password: say so, rather than
  // reading the file and then reporting an empty password.
  command.hook('preAction', (_, action) => {
    if (action.opts().passwordStdin === true && action.args.includes('-')) {
      throw new UsageError('standard input cannot carry both the file ("-") and the password (--password-stdin); use --password-file or a file argument');
    }
  });
  return command
    .option('--password-file <file>', 'read the password from FILE (one trailing newline is stripped)')
    .addOption(new Option('--vault-password-file <file>', 'Ansible\'s option: a password file, or a script that prints it').argParser(collect).hideHelp())
    .option('--key-file <file>', 'use a key file made by "vault keygen" (repeatable)', collect)
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-command <command>', 'run COMMAND (through /bin/sh) and use its output as the password')
    .option('--vault-id <label@source>', 'Ansible vault id: LABEL@FILE, LABEL@prompt or LABEL@SCRIPT (repeatable)', collect)
    .option('--identity <file>', 'an age identity file or OpenSSH private key (repeatable; or set VAULTFILE_IDENTITY)', collect)
    .option('--no-kms', 'do not try the keyring\'s AWS KMS entries')
    .option('--max-work-factor <n>', 'accept scrypt work factors up to 2^N when reading (default 20)', parseWorkFactor);
}

/** The key-source part of a command's parsed options. */
export function keySourceOptions(options: Record<string, unknown>): KeySourceOptions {
  return {
    passwordFile: options.passwordFile as string | undefined,
    keyFile: options.keyFile as string[] | undefined,
    passwordStdin: options.passwordStdin === true,
    passwordCommand: options.passwordCommand as string | undefined,
    vaultId: (options.vaultId as string[] | undefined) ?? [],
    // Ansible's --vault-password-file: the vault-id rules with the label "default" (a script runs).
    vaultPasswordFile: (options.vaultPasswordFile as string[] | undefined) ?? [],
    maxWorkFactor: options.maxWorkFactor as number | undefined,
    identity: (options.identity as string[] | undefined) ?? [],
    kms: options.kms !== false,
  };
}
