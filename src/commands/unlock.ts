/**
 * `vault unlock [KEYFILE]`: open the repository's keyrings with any key source, store their data
 * keys in the git directory for the filters (0600), and check the covered files out again so the
 * work tree holds plaintext. Refuses on uncommitted changes to those files.
 */
import type { Command } from 'commander';
import { quotePath } from '../errors.js';
import { unlockRepository } from '../git/lock.js';
import { openRepoContext } from '../git/policy-files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { openWithKeys } from '../keys/open-keyring.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface UnlockOptions extends KeyFlags {
  keyring?: string;
  force?: boolean;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('unlock')
    .description('store the data keys for the git filters and decrypt the work tree')
    .argument('[keyfile]', 'a key file made by "vault keygen" (same as --key-file)')
    .option('--keyring <name>', 'unlock only this keyring')
    .option('--force', 'check files out again even if they have uncommitted changes')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (keyfile: string | undefined, options: UnlockOptions) => {
    const ctx = await openRepoContext(io.cwd, io.env);
    const sources = keySourceOptions(options);
    if (keyfile !== undefined) sources.keyFile = [...(sources.keyFile ?? []), keyfile];
    const keys = createKeyContext(sources, io);
    const report = await unlockRepository(ctx, (keyring) => openWithKeys(keyring, keys), {
      keyring: options.keyring,
      force: options.force === true,
      node: io.execPath,
    });
    const notes = notesStream(io.stdout, options.quiet);
    const names = (list: string[]) => list.map((name) => quotePath(name)).join(', ');
    if (report.configured) notes.write('configured the vault filter in .git/config (run "vault git setup" for the hook too)\n');
    notes.write(`unlocked keyring ${names(report.unlocked)}: ${report.decrypted.length} file${report.decrypted.length === 1 ? '' : 's'} decrypted\n`);
    if (report.failed.length > 0) io.stdout.write(`still locked (the key does not open them): ${names(report.failed)}\n`);
  });
}
