/**
 * `vault migrate FILE|DIR|GLOB... [--keyring NAME] [--to ansible]`: convert whole-file Ansible
 * vaults into vaultfile envelopes under the repository's keyring (the policy's, or --keyring), or
 * back with `--to ansible` (formats/migrate-files.ts; verified, atomic, resumable), or a git-crypt
 * repository with `--from git-crypt` (git/git-crypt-migrate.ts). This file reads the options and
 * prints the reports: a line per file as it is done, then a one-line summary.
 */
import type { Command } from 'commander';
import { UsageError, VaultError, quotePath } from '../errors.js';
import { createKeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import { SecretSession } from '../formats/secrets.js';
import { migrateFiles, type MigrateReport } from '../formats/migrate-files.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import { entryLabel } from '../core/entry-labels.js';
import type { Context } from '../context.js';

interface MigrateOptions extends KeyFlags {
  quiet?: boolean;
  keyring?: string;
  to?: string;
  from?: string;
  gitCryptKey?: string;
  encryptVaultId?: string;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('migrate')
    .description('convert Ansible Vault files to vaultfile envelopes (or back with --to ansible), or a git-crypt repository (--from git-crypt)')
    .argument('[paths...]', 'files, directories (walked) or quoted globs such as "group_vars/**/*.yml"')
    .option('--from <tool>', 'git-crypt: turn this git-crypt repository into a vaultfile one')
    .option('--git-crypt-key <file>', 'with --from git-crypt: the key "git-crypt export-key" wrote (else the one "git-crypt unlock" stored)')
    .option('--keyring <name>', 'seal under this keyring instead of the policy\'s')
    .option('--to <format>', 'target format: vaultfile (default) or ansible', 'vaultfile')
    .option('--encrypt-vault-id <label>', 'with --to ansible and several --vault-id, the label to encrypt with')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (paths: string[], options: MigrateOptions) => {
    if (options.from !== undefined) return fromTool(paths, options, io);
    if (paths.length === 0) throw new UsageError('give the files to migrate, or --from git-crypt; see "vault migrate --help"');
    if (options.to !== 'vaultfile' && options.to !== 'ansible') throw new UsageError(`--to ${options.to}: use vaultfile or ansible`);
    const notes = notesStream(io.stderr, options.quiet);
    const report = await migrateFiles(
      {
        paths,
        to: options.to,
        ...(options.keyring !== undefined ? { keyring: options.keyring } : {}),
        ...(options.encryptVaultId !== undefined ? { encryptVaultId: options.encryptVaultId } : {}),
        session: new SecretSession(createKeyContext(keySourceOptions(options), io)),
        progress: (total) => {
          const bar = createProgress(total, 'migrate', notes);
          return {
            // Each file's line above the bar as soon as it is known; errors print with --quiet too.
            file(result) {
              if (result.outcome !== 'failed') bar.print(`${quotePath(result.path)}: ${SHOWN[result.outcome]} (${result.detail})\n`);
              else {
                bar.done();
                io.stderr.write(`vault: ${result.error.message}\n`);
              }
              bar.tick(result.path);
            },
            done: () => bar.done(),
          };
        },
      },
      io,
    );
    printSummary(report, notes);
  });
}

const SHOWN = { migrated: 'converted', skipped: 'skipped', 'done already': 'unchanged' } as const;

/** The one-line summary; a failure ends as the first one's error. */
function printSummary(report: MigrateReport, notes: { write(text: string): unknown }): void {
  const { counts } = report;
  const summary = `migrate: ${counts.migrated} converted, ${counts['done already']} already ${report.to}, ${counts.skipped} skipped, ${counts.failed} failed`;
  const firstError = report.results.find((result) => result.outcome === 'failed');
  if (firstError?.outcome === 'failed') {
    // Exit with the first failure's code (wrong password: 4, damaged file: 3, ...).
    const Kind = firstError.error.constructor as new (message: string) => VaultError;
    throw new Kind(`${summary}; fix the errors above and run the same command again (converted files are skipped)`);
  }
  notes.write(`${summary}\n`);
}

/** `--from git-crypt`: the whole repository, then what to commit and the honest caveat. */
async function fromTool(paths: string[], options: MigrateOptions, io: Context): Promise<void> {
  if (options.from !== 'git-crypt') throw new UsageError(`--from ${options.from}: only git-crypt is supported (Ansible files migrate without --from)`);
  if (paths.length > 0) throw new UsageError('--from git-crypt migrates the whole repository; give no paths');
  const { migrateFromGitCrypt } = await import('../git/git-crypt-migrate.js');
  const report = await migrateFromGitCrypt(io.cwd, {
    keys: createKeyContext(keySourceOptions(options), io),
    gitCryptKey: options.gitCryptKey,
    keyring: options.keyring,
    labelOf: entryLabel,
    node: io.execPath,
  });
  const out = notesStream(io.stderr, options.quiet);
  out.write(`${report.createdKeyring ? 'created' : 'used'} keyring ${quotePath(report.keyring)}; policy rules from git-crypt's .gitattributes:\n`);
  for (const rule of report.rules) out.write(`  ${rule.path}${rule.exclude ? ` (except ${rule.exclude.join(', ')})` : ''}\n`);
  for (const line of report.skipped) io.stderr.write(`vault: warning: left as it is: ${line}\n`);
  if (report.decrypted.length > 0) out.write(`opened ${report.decrypted.length} git-crypt file(s) in the work tree with the git-crypt key\n`);
  out.write(
    `migrate: ${report.sealed.length} file(s) staged as vaultfile envelopes; git-crypt's filter is removed from .git/config\n` +
      'next: review "vault status", then: git commit -m "Move from git-crypt to vaultfile"\n' +
      'caveat: whoever had the git-crypt key can still read these files in every earlier commit; change the secrets they hold ("vault edit"), and keep the git-crypt key to read history ("vault view --git-crypt-key")\n',
  );
}
