/**
 * `vault keys list|add|remove`: the entries of a keyring. Adding or removing an entry rewrites
 * only the keyring file, never an encrypted file (DESIGN.md §3). `add` opens the keyring with the
 * keys that already belong to it and adds the ones that do not (or the --new-* ones).
 */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { isSecretCredential, type Credential } from '../core/credential.js';
import { addEntry, openKeyring, removeEntry, type UnlockedKeyring } from '../core/keyring.js';
import { addPublicEntry } from '../core/keyring-public.js';
import { systemRandom } from '../core/random.js';
import { AuthError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { createKeyContext, keyFromFile, passwordFromFile, type KeyContext } from '../keys/key-sources.js';
import { kmsOf, openWithKeys } from '../keys/open-keyring.js';
import { accessWarnings, listEntries } from './keys-list.js';
import { labelEntries, parseKmsKey, parseRecipient, readRecipientsFile } from './recipients.js';
import { DEFAULT_KEYRING, readRepoKeyring, writeKeyring } from '../repo/repo.js';
import { entryLabel } from './keyring-options.js';
import {
  addKeySourceOptions, collect, keySourceOptions, notesStream, parseWorkFactorOption, quietOption, workFactorOption, type KeyFlags,
} from './options.js';
import type { Context } from '../context.js';


async function loadKeyring(name: string, cwd: string) {
  return readRepoKeyring(name, cwd);
}

async function saveKeyring(path: string, unlocked: UnlockedKeyring): Promise<void> {
  await writeKeyring(path, unlocked);
}

/** Split the given credentials into those that open the keyring and those that do not. */
async function splitCredentials(context: KeyContext, keyring: UnlockedKeyring['keyring'], credentials: Credential[]) {
  const opening: Credential[] = [];
  const others: Credential[] = [];
  let unlocked: UnlockedKeyring | null = null;
  for (const credential of credentials) {
    try {
      const opened = await openKeyring(keyring, [credential], context.kdf);
      unlocked ??= opened;
      opening.push(credential);
    } catch (error) {
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      others.push(credential);
    }
  }
  return { unlocked, opening, others };
}

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
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .option('--json', 'print the entries as JSON (fields in docs/install.md)')
    .addOption(quietOption())
    .action(async (options: { keyring: string; json?: boolean }) => {
      const { path, keyring } = await loadKeyring(options.keyring, io.cwd);
      listEntries(keyring, relative(io.cwd, path), options.json === true, io);
    });

  const add = keys
    .command('add')
    .description('add a password or key file to a keyring (opened with a key it already has)')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .option('--new-password-file <file>', 'the password to add')
    .option('--new-key-file <file>', 'the key file to add (repeatable)', collect)
    .option('--recipient <recipient>', 'an age1… recipient or an ssh-ed25519/ssh-rsa public key (repeatable)', collect)
    .option('--recipients-file <file>', 'recipients, one a line (age -R files, authorized_keys; repeatable)', collect)
    .option('--kms <arn>', 'an AWS KMS key or alias ARN (needs kms:Encrypt on it; repeatable)', collect)
    .option('--label <label>', 'label of the new entry')
    .addOption(workFactorOption())
    .addOption(quietOption());
  addKeySourceOptions(add).action(async (options: KeysAddOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    const { path, keyring } = await loadKeyring(options.keyring, io.cwd);
    const context = createKeyContext(keySourceOptions(options), io);
    const recipients = [
      ...(options.recipient ?? []).map((r) => parseRecipient(r, '--recipient')),
      ...(options.recipientsFile ?? []).flatMap((file) => readRecipientsFile(resolve(io.cwd, file))),
      ...(Array.isArray(options.kms) ? options.kms : []).map(parseKmsKey),
    ];
    if (recipients.length > 0) {
      // Only public data goes in: the keyring is opened with a key it already has.
      let unlocked = await openWithKeys(keyring, context);
      const label = typeof options.label === 'string' ? options.label : undefined;
      const kms = await kmsOf(context);
      for (const entry of labelEntries(recipients, unlocked.keyring.entries.map((e) => e.label), label)) {
        const { origin, ...fields } = entry;
        unlocked = await addPublicEntry(unlocked, fields, systemRandom, kms);
        notes.write(`added ${entry.kind} entry ${quotePath(entry.label)} (from ${origin})\n`);
      }
      await saveKeyring(path, unlocked);
      return;
    }
    const explicit: Credential[] = [];
    if (typeof options.newPasswordFile === 'string') {
      explicit.push(await passwordFromFile(options.newPasswordFile, `--new-password-file ${quotePath(options.newPasswordFile)}`));
    }
    for (const file of options.newKeyFile ?? []) {
      explicit.push(await keyFromFile(file, `--new-key-file ${quotePath(file)}`));
    }
    const given = await context.credentials();
    let unlocked: UnlockedKeyring | null;
    let adding: Credential[];
    if (explicit.length > 0) {
      unlocked = await openKeyring(keyring, given, context.kdf);
      adding = explicit;
    } else {
      const split = await splitCredentials(context, keyring, given);
      unlocked = split.unlocked;
      // Identities and KMS open entries; they are added by their public recipient (--recipient).
      adding = split.others.filter(isSecretCredential);
    }
    if (!unlocked) throw new AuthError(`no given key opens keyring ${quotePath(keyring.name)}; give one of its keys too (see "vault keys list")`);
    if (adding.length === 0) throw new UsageError('every key given is already in the keyring; give the new one with --new-password-file or --new-key-file');
    const params = parseWorkFactorOption(options);
    for (const [index, credential] of adding.entries()) {
      const label = index === 0 && typeof options.label === 'string' ? options.label : entryLabel(credential, unlocked.keyring.entries.length);
      unlocked = await addEntry(unlocked, credential, label, context.kdf, systemRandom, params);
      notes.write(`added ${credential.kind} entry ${quotePath(label)} (from ${credential.origin})\n`);
    }
    await saveKeyring(path, unlocked);
  });

  const remove = keys
    .command('remove')
    .description('remove an entry (by id or label); then run "vault rotate"')
    .argument('<entry>', 'entry id or label (see "vault keys list")')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .addOption(quietOption());
  addKeySourceOptions(remove).action(async (entry: string, options: KeysRemoveOptions) => {
    const { path, keyring } = await loadKeyring(options.keyring, io.cwd);
    const context = createKeyContext(keySourceOptions(options), io);
    const unlocked = await openWithKeys(keyring, context);
    const remaining = removeEntry(unlocked, entry);
    if (remaining.keyring.entries.length === 0) throw new NoKeyError('that is the last entry; add another key first so the files stay readable');
    await saveKeyring(path, remaining);
    notesStream(io.stderr, options.quiet).write(
      `removed entry ${quotePath(entry)} from keyring ${quotePath(keyring.name)}.\n` +
        'the removed key can still open the current data key from git history: run "vault rotate" now, ' +
        'and change the secrets themselves upstream (whoever held it could already read everything up to now)\n',
    );
    for (const warning of accessWarnings(remaining.keyring)) io.stderr.write(`vault: warning: ${warning}\n`);
  });
}
