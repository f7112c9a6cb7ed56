/**
 * `vault keys list|add|remove`: the entries of a keyring. Adding or removing an entry rewrites
 * only the keyring file, never an encrypted file (DESIGN.md §3). `add` opens the keyring with the
 * keys that already belong to it and adds the ones that do not (or the --new-* ones). The work is
 * repo/keyring-entries.ts; this file reads the options and prints what it reports.
 */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Credential } from '../core/credential.js';
import { quotePath } from '../errors.js';
import { createKeyContext, keyFromFile, passwordFromFile } from '../keys/key-sources.js';
import { accessWarnings, listEntries } from './keys-list.js';
import { parseKmsKey, parseRecipient, readRecipientsFile } from './recipients.js';
import { readRepoKeyring } from '../repo/repo.js';
import { addKeyringEntries, removeKeyringEntry } from '../repo/keyring-entries.js';
import {
  addKeySourceOptions, collect, keyringOption, keySourceOptions, notesStream, parseWorkFactorOption, quietOption, workFactorOption, type KeyFlags,
} from './options.js';
import type { Context } from '../context.js';

interface KeysAddOptions extends KeyFlags {
  keyring: string;
  newPasswordFile?: string;
  newKeyFile?: string[];
  recipient?: string[];
  recipientsFile?: string[];
  label?: string;
  quiet?: boolean;
  workFactor?: string;
}

interface KeysRemoveOptions extends KeyFlags {
  keyring: string;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const keys = program.command('keys').description('list, add and remove the keys of a keyring');

  keys
    .command('list')
    .description('list the entries of a keyring (no key needed)')
    .addOption(keyringOption())
    .option('--json', 'print the entries as JSON (fields in docs/install.md)')
    .addOption(quietOption())
    .action(async (options: { keyring: string; json?: boolean }) => {
      const { path, keyring } = await readRepoKeyring(options.keyring, io.cwd);
      listEntries(keyring, relative(io.cwd, path), options.json === true, io);
    });

  const add = keys
    .command('add')
    .description('add a password or key file to a keyring (opened with a key it already has)')
    .addOption(keyringOption())
    .option('--new-password-file <file>', 'the password to add')
    .option('--new-key-file <file>', 'the key file to add (repeatable)', collect)
    .option('--recipient <recipient>', 'an age1… recipient or an ssh-ed25519/ssh-rsa public key (repeatable)', collect)
    .option('--recipients-file <file>', 'recipients, one a line (age -R files, authorized_keys; repeatable)', collect)
    .option('--kms <arn>', 'an AWS KMS key or alias ARN (needs kms:Encrypt on it; repeatable)', collect)
    .option('--label <label>', 'label of the new entry')
    .addOption(workFactorOption())
    .addOption(quietOption());
  addKeySourceOptions(add).action(async (options: KeysAddOptions) => {
    const file = await readRepoKeyring(options.keyring, io.cwd);
    const keys = createKeyContext(keySourceOptions(options), io);
    const recipients = [
      ...(options.recipient ?? []).map((r) => parseRecipient(r, '--recipient')),
      ...(options.recipientsFile ?? []).flatMap((path) => readRecipientsFile(resolve(io.cwd, path))),
      ...(Array.isArray(options.kms) ? options.kms : []).map(parseKmsKey),
    ];
    const newCredentials: Credential[] = [];
    // With recipients, only they are added: the --new-* keys are not read.
    if (recipients.length === 0 && typeof options.newPasswordFile === 'string') {
      newCredentials.push(await passwordFromFile(options.newPasswordFile, `--new-password-file ${quotePath(options.newPasswordFile)}`));
    }
    for (const path of recipients.length === 0 ? options.newKeyFile ?? [] : []) {
      newCredentials.push(await keyFromFile(path, `--new-key-file ${quotePath(path)}`));
    }
    const report = await addKeyringEntries(file, {
      keys,
      recipients,
      newCredentials,
      ...(typeof options.label === 'string' ? { label: options.label } : {}),
      params: () => parseWorkFactorOption(options),
    });
    const notes = notesStream(io.stderr, options.quiet);
    for (const entry of report.added) notes.write(`added ${entry.kind} entry ${quotePath(entry.label)} (from ${entry.origin})\n`);
  });

  const remove = keys
    .command('remove')
    .description('remove an entry (by id or label); then run "vault rotate"')
    .argument('<entry>', 'entry id or label (see "vault keys list")')
    .addOption(keyringOption())
    .addOption(quietOption());
  addKeySourceOptions(remove).action(async (entry: string, options: KeysRemoveOptions) => {
    const report = await removeKeyringEntry(options.keyring, entry, createKeyContext(keySourceOptions(options), io), io.cwd);
    notesStream(io.stderr, options.quiet).write(
      `removed entry ${quotePath(report.removed)} from keyring ${quotePath(report.keyring)}.\n` +
        'the removed key can still open the current data key from git history: run "vault rotate" now, ' +
        'and change the secrets themselves upstream (whoever held it could already read everything up to now)\n',
    );
    for (const warning of accessWarnings(report.remaining)) io.stderr.write(`vault: warning: ${warning}\n`);
  });
}
