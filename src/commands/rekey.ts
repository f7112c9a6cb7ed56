/**
 * `vault rekey FILE... --new-password-file F | --new-key-file F | --new-vault-id L@F`: open each
 * file with the current keys and seal it for the new ones, in memory (no plaintext on disk); with
 * `--to-keyring NAME`, move files to another keyring of the repository. The work, and its rules
 * (nothing written unless every file opens; resumable; repository keyrings refused), are in
 * formats/rekey.ts; this file reads the options (the new keys from the --new-* options only,
 * never from the environment or a prompt) and prints the report.
 */
import { Option, type Command } from 'commander';
import { UsageError, quotePath } from '../errors.js';
import type { Credential } from '../core/credential.js';
import { KdfCache } from '../core/kdf.js';
import { resolveNewAnsibleSecrets } from '../keys/ansible-secrets.js';
import { createKeyContext, keyFromFile, passwordFromFile, type KeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import { addKeySourceOptions, collect, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import { moveToKeyring, rekeyFiles } from '../formats/rekey.js';
import type { Context } from '../context.js';


interface RekeyOptions extends KeyFlags {
  newPasswordFile?: string;
  newKeyFile?: string[];
  newVaultId?: string[];
  newVaultPasswordFile?: string[];
  toKeyring?: string;
  quiet?: boolean;
}

/**
 * The new keys, read from the --new-* options only (never from the environment or a prompt), and
 * named after those options in messages.
 */
async function newKeyContext(options: RekeyOptions, io: Context): Promise<KeyContext> {
  const passwordFile = options.newPasswordFile;
  const keyFiles = options.newKeyFile ?? [];
  const vaultIds = options.newVaultId ?? [];
  const vaultPasswordFiles = options.newVaultPasswordFile ?? [];
  if (vaultIds.length > 0 && vaultPasswordFiles.length > 0) {
    // As ansible-vault: the two name the new secret in different ways; one at a time.
    throw new UsageError('--new-vault-id and --new-vault-password-file cannot be used together; give one of them');
  }
  if (!passwordFile && keyFiles.length === 0 && vaultIds.length === 0 && vaultPasswordFiles.length === 0) {
    throw new UsageError('give the new key: --new-password-file FILE, --new-key-file FILE or --new-vault-id LABEL@FILE');
  }
  const credentials: Credential[] = [];
  if (passwordFile) credentials.push(await passwordFromFile(passwordFile, `--new-password-file ${quotePath(passwordFile)}`));
  for (const file of keyFiles) credentials.push(await keyFromFile(file, `--new-key-file ${quotePath(file)}`));
  // Ansible's rules (scripts run, files stripped, label "default" when none), without the environment.
  credentials.push(...(await resolveNewAnsibleSecrets(vaultIds, vaultPasswordFiles, { env: io.env, terminal: io })));
  return { credentials: async () => credentials, ambient: async () => [], kdf: new KdfCache(), options: {}, env: io.env, io };
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('rekey')
    .description('re-encrypt files for new keys, in memory (standalone and Ansible files)')
    .argument('<files...>', 'the encrypted files')
    .option('--new-password-file <file>', 'the new password')
    .option('--new-key-file <file>', 'a new key file (repeatable)', collect)
    .option('--new-vault-id <label@file>', 'the new Ansible vault id (repeatable)', collect)
    .option('--to-keyring <name>', 'move the files to this keyring of the repository (the policy must name it)')
    .addOption(new Option('--new-vault-password-file <file>', 'Ansible\'s option: the new password file or script').argParser(collect).hideHelp())
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (files: string[], options: RekeyOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    if (files.includes('-')) throw new UsageError('rekey works on files in place; "-" (standard input) is not accepted');
    if (typeof options.toKeyring === 'string') {
      const moved = await moveToKeyring(files, options.toKeyring, createKeyContext(keySourceOptions(options), io));
      notes.write(`moved ${moved.length} ${moved.length === 1 ? 'file' : 'files'} to keyring ${quotePath(options.toKeyring)}; "git add" and commit them\n`);
      return;
    }
    const report = await rekeyFiles(
      {
        files,
        keys: createKeyContext(keySourceOptions(options), io),
        newKeys: await newKeyContext(options, io),
        progress: (total) => createProgress(total, 'rekey', notes),
      },
      io,
    );
    const written = report.rekeyed.length;
    const skipped = report.already.length === 0 ? '' : ` (${report.already.length} already under the new keys, left as they were)`;
    notes.write(
      `rekeyed ${written} ${written === 1 ? 'file' : 'files'} for ${report.newKeys.join(', ')}${skipped}; older copies (git history, backups) still open with the old keys\n`,
    );
  });
}
