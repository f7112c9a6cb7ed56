/**
 * `vault migrate FILE|DIR|GLOB... [--keyring NAME] [--to ansible]`: convert whole-file Ansible
 * vaults into vaultfile envelopes under the repository's keyring (the policy's, or --keyring), or
 * back with `--to ansible`. Each file is checked (sealed, opened again, compared) before it is
 * replaced atomically, so an interrupted run leaves every file either old or new, and a second run
 * skips what is done (resumable). Ends with a one-line summary; never converts a file it cannot
 * verify, and never touches plaintext files or YAML with inline values.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import picomatch from 'picomatch';
import { isAnsibleVault } from '../core/ansible-vault.js';
import { isEnvelope } from '../core/envelope.js';
import { UsageError, VaultError, quotePath } from '../errors.js';
import { hasInlineVaultValues } from '../core/ansible-inline.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { chooseEncryptCredential } from '../keys/ansible-secrets.js';
import { ansibleTargetFor } from '../formats/ansible-formats.js';
import { createKeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import { SecretSession, targetForNewFile, type SealTarget } from '../formats/secrets.js';
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

type Outcome = 'migrated' | 'done already' | 'skipped';

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
    const files = await expandPaths(paths);
    const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
    const counts: Record<Outcome | 'failed', number> = { migrated: 0, 'done already': 0, skipped: 0, failed: 0 };
    let firstError: VaultError | null = null;
    const progress = createProgress(files.length, 'migrate', notesStream(io.stderr, options.quiet));
    try {
      for (const file of files) {
        try {
          const { outcome, detail } = options.to === 'ansible' ? await toAnsible(file, session, options) : await toVaultfile(file, session, options, io);
          counts[outcome] += 1;
          if (options.quiet !== true) progress.print(`${quotePath(file)}: ${outcome === 'migrated' ? 'converted' : outcome === 'skipped' ? 'skipped' : 'unchanged'} (${detail})\n`);
        } catch (error) {
          if (!(error instanceof VaultError)) throw error;
          counts.failed += 1;
          firstError ??= error;
          // Errors print with --quiet too (the progress stream is silent then).
          progress.done();
          io.stderr.write(`vault: ${error.message}\n`);
        }
        progress.tick(file);
      }
    } finally {
      progress.done();
    }
    const summary = `migrate: ${counts.migrated} converted, ${counts['done already']} already ${options.to}, ${counts.skipped} skipped, ${counts.failed} failed`;
    if (firstError) {
      // Exit with the first failure's code (wrong password: 4, damaged file: 3, ...).
      const Kind = firstError.constructor as new (message: string) => VaultError;
      throw new Kind(`${summary}; fix the errors above and run the same command again (converted files are skipped)`);
    }
    if (options.quiet !== true) io.stderr.write(`${summary}\n`);
  });
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

async function toVaultfile(file: string, session: SecretSession, options: MigrateOptions, where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Report> {
  const bytes = new Uint8Array(await fs.readFile(file));
  if (isEnvelope(bytes)) return report('done already', 'already a vaultfile envelope');
  if (!isAnsibleVault(bytes)) {
    const why = hasInlineVaultValues(new TextDecoder().decode(bytes)) ? 'has inline !vault values (kept as they are)' : 'not an ansible vault';
    return report('skipped', why);
  }
  const target = await targetForNewFile(file, options.keyring, where);
  if (target.kind !== 'keyring') {
    throw new UsageError(`${quotePath(file)}: no .vaultfile/ keyring found above it; run "vault init" in the repository first`);
  }
  const opened = await session.open(bytes, file);
  await replaceVerified(file, session, opened.plaintext, target);
  return report('migrated', `ansible -> keyring ${quotePath(target.name)}`);
}

async function toAnsible(file: string, session: SecretSession, options: MigrateOptions): Promise<Report> {
  const bytes = new Uint8Array(await fs.readFile(file));
  if (isAnsibleVault(bytes)) return report('done already', 'already an ansible vault');
  if (!isEnvelope(bytes)) return report('skipped', 'not a vaultfile envelope');
  const opened = await session.open(bytes, file);
  // The Ansible password comes from a vault-id, never from the options that open the keyring.
  const credential = chooseEncryptCredential(await session.credentials(), options.encryptVaultId, session.keys.env, {
    vaultIdOnly: true,
    what: '--to ansible',
  });
  const target = ansibleTargetFor(credential);
  await replaceVerified(file, session, opened.plaintext, target);
  return report('migrated', `vaultfile -> ansible ${target.kind === 'ansible' && target.version === '1.2' ? `1.2;${target.label}` : '1.1'}`);
}

/** Seal, open the result again and compare, then replace the file atomically (mode kept). */
async function replaceVerified(file: string, session: SecretSession, plaintext: Uint8Array, target: SealTarget): Promise<void> {
  const sealed = await session.seal(plaintext, target);
  const check = await session.open(sealed, file);
  if (Buffer.compare(check.plaintext, plaintext) !== 0) {
    throw new VaultError(`${quotePath(file)}: the converted file did not read back as the original; it was left unchanged`);
  }
  check.plaintext.fill(0);
  plaintext.fill(0);
  await writeFileAtomic(file, sealed);
}

/** What became of one file, printed by the loop (above the progress bar). */
interface Report {
  outcome: Outcome;
  detail: string;
}

function report(outcome: Outcome, detail: string): Report {
  return { outcome, detail };
}

/** Files named, directories walked, and globs (quoted, so the shell left them) matched. */
async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const stat = await fs.stat(path).catch(() => null);
    if (stat?.isFile()) out.push(path);
    else if (stat?.isDirectory()) out.push(...(await walk(path)));
    else if (picomatch.scan(path).isGlob) {
      const { base } = picomatch.scan(path);
      const matcher = picomatch(path, { dot: false });
      const found = (await walk(base || '.').catch(() => [])).filter((file) => matcher(file));
      if (found.length === 0) throw new UsageError(`${quotePath(path)}: no file matches; check the pattern`);
      out.push(...found);
    } else throw new UsageError(`${quotePath(path)}: no such file or directory`);
  }
  return [...new Set(out)];
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === '.git' || entry.name === '.vaultfile') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
