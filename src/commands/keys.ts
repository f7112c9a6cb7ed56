/**
 * `vault keys list|add|remove`: the entries of a keyring. Adding or removing an entry rewrites
 * only the keyring file, never an encrypted file (DESIGN.md §3). `add` opens the keyring with the
 * keys that already belong to it and adds the ones that do not (or the --new-* ones).
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { Credential } from '../core/credential.js';
import { addEntry, openKeyring, removeEntry, serializeKeyring, type UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { AuthError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { createKeyContext, keyFromFile, passwordFromFile, type KeyContext } from '../keys/key-sources.js';
import { DEFAULT_KEYRING, readRepoKeyring } from '../repo/repo.js';
import { entryLabel, parseWorkFactorOption, workFactorOption } from './keyring-options.js';
import { addKeySourceOptions, keySourceOptions } from './options.js';
import type { Context } from '../context.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

async function loadKeyring(name: string, cwd: string) {
  return readRepoKeyring(name, cwd);
}

async function saveKeyring(path: string, unlocked: UnlockedKeyring): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(serializeKeyring(unlocked)), { newFileMode: 0o644 });
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

export function register(program: Command, io: Context): void {
  const keys = program.command('keys').description('list, add and remove the keys of a keyring');

  keys
    .command('list')
    .description('list the entries of a keyring (no key needed)')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .option('--json', 'print one JSON object (fields in docs/install.md)')
    .action(async (options: { keyring: string; json?: boolean }) => {
      const { path, keyring } = await loadKeyring(options.keyring, io.cwd);
      if (options.json) {
        const entries = keyring.entries.map((entry) => ({ id: entry.id, kind: entry.kind, label: entry.label }));
        io.stdout.write(`${JSON.stringify({ version: 1, keyring: options.keyring, path: relative(io.cwd, path), entries }, null, 2)}\n`);
        return;
      }
      io.stdout.write(`keyring ${options.keyring} (${relative(io.cwd, path)})\n`);
      for (const entry of keyring.entries) io.stdout.write(`  ${entry.id}  ${entry.kind.padEnd(8)}  ${entry.label}\n`);
    });

  const add = keys
    .command('add')
    .description('add a password or key file to a keyring (opened with a key it already has)')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING)
    .option('--new-password-file <file>', 'the password to add')
    .option('--new-key-file <file>', 'the key file to add (repeatable)', collect)
    .option('--label <label>', 'label of the new entry')
    .addOption(workFactorOption());
  addKeySourceOptions(add).action(async (options: Record<string, unknown>) => {
    const { path, keyring } = await loadKeyring(options.keyring as string, io.cwd);
    const context = createKeyContext(keySourceOptions(options), io);
    const explicit: Credential[] = [];
    if (typeof options.newPasswordFile === 'string') {
      explicit.push(await passwordFromFile(options.newPasswordFile, `--new-password-file ${quotePath(options.newPasswordFile)}`));
    }
    for (const file of (options.newKeyFile as string[] | undefined) ?? []) {
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
      adding = split.others;
    }
    if (!unlocked) throw new AuthError(`no given key opens keyring ${quotePath(keyring.name)}; give one of its keys too (see "vault keys list")`);
    if (adding.length === 0) throw new UsageError('every key given is already in the keyring; give the new one with --new-password-file or --new-key-file');
    const params = parseWorkFactorOption(options);
    for (const [index, credential] of adding.entries()) {
      const label = index === 0 && typeof options.label === 'string' ? options.label : entryLabel(credential, unlocked.keyring.entries.length);
      unlocked = await addEntry(unlocked, credential, label, context.kdf, systemRandom, params);
      io.stderr.write(`added ${credential.kind} entry ${quotePath(label)} (from ${credential.origin})\n`);
    }
    await saveKeyring(path, unlocked);
  });

  const remove = keys
    .command('remove')
    .description('remove an entry (by id or label); then run "vault rotate"')
    .argument('<entry>', 'entry id or label (see "vault keys list")')
    .option('--keyring <name>', 'keyring name', DEFAULT_KEYRING);
  addKeySourceOptions(remove).action(async (entry: string, options: Record<string, unknown>) => {
    const { path, keyring } = await loadKeyring(options.keyring as string, io.cwd);
    const context = createKeyContext(keySourceOptions(options), io);
    const unlocked = await openKeyring(keyring, await context.credentials(), context.kdf);
    const remaining = removeEntry(unlocked, entry);
    if (remaining.keyring.entries.length === 0) throw new NoKeyError('that is the last entry; add another key first so the files stay readable');
    await saveKeyring(path, remaining);
    io.stderr.write(
      `removed entry ${quotePath(entry)} from keyring ${quotePath(keyring.name)}.\n` +
        'the removed key can still open the current data key from git history: run "vault rotate" now, ' +
        'and change the secrets themselves upstream (whoever held it could already read everything up to now)\n',
    );
  });
}
