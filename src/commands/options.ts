/**
 * Options and option parsers shared by commands: the key sources (DESIGN.md §5) on every command
 * that needs a key, so they work after the subcommand (`vault encrypt --password-file p f.yml`);
 * repeatable options; the scrypt work factors.
 */
import { Command, Option } from 'commander';
import { DEFAULT_SCRYPT, MAX_READ_CAP_LOG_N, MAX_WRITE_LOG_N, parseWorkFactor, type ScryptParams } from '../core/kdf.js';
import { UsageError } from '../errors.js';
import { DEFAULT_KEYRING } from '../repo/repo.js';
import type { ProgressStream } from '../fs/progress.js';

/** Parser of a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** --max-work-factor: how high a work factor a reader accepts. */
function parseMaxWorkFactor(text: string): number {
  return parseWorkFactor(text, '--max-work-factor', MAX_READ_CAP_LOG_N, 'log2 of scrypt N');
}

/** --work-factor of the commands that add password entries (init, keys add). */
export function workFactorOption(): Option {
  return new Option('--work-factor <n>', `scrypt work factor of new password entries, log2 N (default ${DEFAULT_SCRYPT.logN})`);
}

/** The scrypt parameters of new password entries: --work-factor, else the default 2^17. */
export function parseWorkFactorOption(options: { workFactor?: unknown }): ScryptParams {
  if (options.workFactor === undefined) return DEFAULT_SCRYPT;
  return { ...DEFAULT_SCRYPT, logN: parseWorkFactor(String(options.workFactor), '--work-factor', MAX_WRITE_LOG_N, '17 or more recommended') };
}

/** --keyring NAME of the commands that work on one keyring of the repository, "default" unless given. */
export function keyringOption(description = 'keyring name'): Option {
  return new Option('--keyring <name>', description).default(DEFAULT_KEYRING);
}

/** The heading the key options are listed under in every command's help. */
export const KEY_OPTIONS_GROUP = 'Key options:';

export function addKeySourceOptions(command: Command): Command {
  // One standard input cannot carry both a file ("-") and the password: say so, rather than
  // reading the file and then reporting an empty password.
  command.hook('preAction', (_, action) => {
    if (action.opts().passwordStdin === true && action.args.includes('-')) {
      throw new UsageError('standard input cannot carry both the file ("-") and the password (--password-stdin); use --password-file or a file argument');
    }
  });
  const options = [
    new Option('--password-file <file>', 'read the password from FILE (one trailing newline is stripped)'),
    new Option('--vault-password-file <file>', 'Ansible\'s option: a password file, or a script that prints it').argParser(collect).hideHelp(),
    new Option('--key-file <file>', 'use a key file made by "vault keygen" (repeatable)').argParser(collect),
    new Option('--password-stdin', 'read the password from standard input'),
    new Option('--password-command <command>', 'run COMMAND (through /bin/sh) and use its output as the password'),
    new Option('--vault-id <label@source>', 'Ansible vault id: LABEL@FILE, LABEL@prompt or LABEL@SCRIPT (repeatable)').argParser(collect),
    new Option('--identity <file>', 'an age identity file or OpenSSH private key (repeatable; or set VAULTFILE_IDENTITY)').argParser(collect),
    new Option('--no-kms', 'do not try the keyring\'s AWS KMS entries'),
    new Option('--max-work-factor <n>', 'accept scrypt work factors up to 2^N when reading (default 20)').argParser(parseMaxWorkFactor),
  ];
  for (const option of options) command.addOption(option.helpGroup(KEY_OPTIONS_GROUP));
  return command;
}

export { keySourceOptions, type KeyFlags } from './key-flags.js';

/**
 * -q/--quiet of every command that writes anything but errors to stderr (docs/install.md), so a
 * script can pass it to any of them. It drops progress and notes: what was written, the next step,
 * what a dry run left unwritten. What stays is named here, once: the command's own output (stdout,
 * --json), errors, and the warnings that guard against a silent loss or a leak (a leftover
 * plaintext temp file, a key file git would commit, a value typed in the command line, values left
 * sealed or variables left unset, a file not converted or rotated, a keyring that no offline key
 * opens). A command that prints only those today (view, export, exec, status, keys list,
 * encrypt-string) takes -q all the same: its notes, when it gains some, go through notesStream.
 */
export function quietOption(description?: string): Option {
  return new Option(
    '-q, --quiet',
    description ??
      'print no progress bar or notes; errors still print, and so do the warnings of a possible leak or loss: a leftover plaintext temp file, a key file git would commit, a value typed in the command line, values left encrypted or variables left unset, a file not converted or rotated, a keyring no offline key opens',
  );
}

/** The stream a command's progress and notes go to: STREAM, or nowhere with --quiet. */
export function notesStream(stream: ProgressStream, quiet: boolean | undefined): ProgressStream {
  return quiet === true ? { write: () => true } : stream;
}
