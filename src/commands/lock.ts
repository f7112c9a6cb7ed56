/**
 * `vault lock`: remove the stored data keys from the git directory and check the covered files
 * out again, so the work tree holds ciphertext. Refuses when plaintext changes are uncommitted,
 * unless --force (which discards them).
 */
import type { Command } from 'commander';
import { quotePath } from '../errors.js';
import { lockRepository } from '../git/lock.js';
import { openRepoContext } from '../git/policy-files.js';
import { notesStream, quietOption } from './options.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  program
    .command('lock')
    .description('remove the stored keys and re-encrypt the work tree')
    .option('--keyring <name>', 'lock only this keyring')
    .option('--force', 'discard uncommitted changes of encrypted files')
    .addOption(quietOption())
    .action(async (options: { keyring?: string; force?: boolean; quiet?: boolean }) => {
      const ctx = await openRepoContext(io.cwd, io.env);
      const report = await lockRepository(ctx, { keyring: options.keyring, force: options.force === true });
      const names = report.locked.map((name) => quotePath(name)).join(', ') || 'no keyring (none was unlocked)';
      notesStream(io.stdout, options.quiet).write(`locked ${names}: ${report.encrypted.length} file${report.encrypted.length === 1 ? '' : 's'} back to ciphertext\n`);
    });
}
