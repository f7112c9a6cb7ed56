/**
 * `vault init [--keyring NAME]`: create a keyring (a new random data key wrapped for each key
 * given) and, on first use, the policy file, at the root of the git repository (or here).
 * Refuses to overwrite an existing keyring, before asking for a key. The keys given are sorted
 * into entries here; repo/keyring-create.ts writes the files and reports them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { isSecretCredential, type Credential, type IdentityCredential } from '../core/credential.js';
import { recipientsOfIdentities } from './recipients.js';
import { labelEntries } from '../core/entry-labels.js';
import { UsageError, quotePath } from '../errors.js';
import { initRepositoryKeyring } from '../repo/keyring-create.js';
import { createKeyContext } from '../keys/key-sources.js';
import { VAULTFILE_DIR, checkKeyringName, findRepoRoot, keyringPath } from '../repo/repo.js';
import { addKeySourceOptions, keyringOption, keySourceOptions, notesStream, parseWorkFactorOption, quietOption, workFactorOption, type KeyFlags } from './options.js';
import { entryLabel } from '../core/entry-labels.js';
import type { Context } from '../context.js';

/** The git work tree root at or above START (a `.git` file or directory), else START itself. */
export function projectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

interface InitOptions extends KeyFlags {
  keyring: string;
  label?: string;
  workFactor?: string;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('init')
    .description('create a keyring (and the policy file) in this repository')
    .addOption(keyringOption('name of the keyring'))
    .option('--label <label>', 'label of the first key entry')
    .addOption(workFactorOption())
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (options: InitOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    const name = checkKeyringName(options.keyring);
    const root = findRepoRoot(io.cwd) ?? projectRoot(io.cwd);
    const path = keyringPath(root, name);
    if (existsSync(path)) {
      throw new UsageError(`keyring ${quotePath(name)} already exists at ${quotePath(relative(io.cwd, path))}; add keys with "vault keys add"`);
    }
    const context = createKeyContext(keySourceOptions(options), io);
    const credentials = await context.credentials();
    const params = parseWorkFactorOption(options);
    const label = (credential: Credential, index: number) =>
      index === 0 && typeof options.label === 'string' ? options.label : entryLabel(credential, index);
    // --identity: the keyring is opened by that identity, so its public recipient is the entry.
    const secrets = credentials.filter(isSecretCredential);
    const identities = recipientsOfIdentities(credentials.filter((c): c is IdentityCredential => c.kind === 'identity'));
    const first = secrets.length === 0 && typeof options.label === 'string' ? options.label : undefined;
    const recipients = labelEntries(identities, secrets.map((c, i) => label(c, i)), first).map(({ origin: _origin, ...fields }) => fields);
    const report = await initRepositoryKeyring({ root, name, credentials: secrets, kdf: context.kdf, labelOf: label, params, recipients }, io.env);
    const shown = (file: string): string => relative(io.cwd, file) || file;
    for (const file of report.wrote) notes.write(`wrote ${shown(file)}\n`);
    if (report.policy !== null) {
      const rules = report.policy.text.replace(/^#.*\n/gm, '').replace(/^(?!$)/gm, '  ');
      notes.write(`${rules}edit ${shown(report.policy.path)} to fit the repository, then run "vault git setup"\n`);
    }
    notes.write(
      `keyring ${quotePath(report.keyring)} created with ${report.entries} key ${report.entries === 1 ? 'entry' : 'entries'}; ` +
        `commit ${VAULTFILE_DIR}/ (it holds no secret in the clear)\n`,
    );
  });
}
