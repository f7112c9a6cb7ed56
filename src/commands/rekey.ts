/**
 * `vault rekey FILE... --new-password-file F | --new-key-file F | --new-vault-id L@F`: open each
 * file with the current keys and seal it for the new ones, in memory (no plaintext on disk).
 * Standalone files get one new inline keyring shared by the whole call, so each new key costs one
 * KDF run however many files there are; Ansible files stay Ansible files (re-encrypted with the new
 * password, keeping their 1.1/1.2 header). Every file is opened and sealed before the first one is
 * written, so a wrong key for the tenth file leaves all ten untouched; a run that fails while writing
 * (disk full) says how many files it wrote, and running it again finishes: a file only the new keys
 * open is skipped. Files sealed under a
 * repository keyring are refused: their keys live in the keyring ("vault keys", "vault rotate").
 */
import { Option, type Command } from 'commander';
import { AuthError, UsageError, VaultError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readInput } from '../fs/files.js';
import type { Credential } from '../core/credential.js';
import { KdfCache } from '../core/kdf.js';
import { ANSIBLE_DEFAULT_LABEL } from '../core/ansible-vault.js';
import { resolveNewAnsibleSecrets } from '../keys/ansible-secrets.js';
import { createKeyContext, keyFromFile, passwordFromFile, type KeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import { SecretSession, type SealTarget } from '../formats/secrets.js';
import { addKeySourceOptions, collect, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import { moveToKeyring } from './rekey-keyring.js';
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

/** Where the file goes under the new keys; refuses targets whose keys are not the file's own. */
function newTarget(file: string, target: SealTarget, newLabel: string | undefined): SealTarget {
  switch (target.kind) {
    case 'inline':
      return target;
    case 'ansible':
      if (target.keyring) {
        throw new UsageError(
          `${quotePath(file)}: sealed with keyring ${quotePath(target.keyring.name)}'s Ansible password, which follows the keyring; use "vault keys add" / "vault keys remove" then "vault rotate"`,
        );
      }
      // A new vault-id's label becomes the header, as ansible-vault rekey writes it: "default" is 1.1,
      // any other label 1.2 (--new-vault-id prod@F). vaultfile's --new-password-file keeps the header.
      // The old password the target carries stays behind: the new keys seal it.
      if (newLabel === undefined) return target.label === undefined ? { kind: 'ansible', version: target.version } : { kind: 'ansible', version: target.version, label: target.label };
      return newLabel === ANSIBLE_DEFAULT_LABEL ? { kind: 'ansible', version: '1.1' } : { kind: 'ansible', version: '1.2', label: newLabel };
    case 'keyring':
      throw new UsageError(
        `${quotePath(file)}: sealed under keyring ${quotePath(target.name)}, whose keys are shared; use "vault keys add" / "vault keys remove" then "vault rotate"`,
      );
    default:
      throw new UsageError(`${quotePath(file)}: holds inline !vault values; rekey each value with "vault encrypt-string" or the whole file with ansible-vault`);
  }
}

/** The file opened with the old keys, or null when only the new keys open it (already re-keyed). */
async function openWithOldKeys(oldSession: SecretSession, newSession: SecretSession, bytes: Uint8Array, file: string) {
  try {
    return await oldSession.open(bytes, file);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    try {
      (await newSession.open(bytes, file)).plaintext.fill(0);
    } catch {
      throw error;
    }
    return null;
  }
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
    const fresh = await newKeyContext(options, io);
    const oldSession = new SecretSession(createKeyContext(keySourceOptions(options), io));
    const newSession = new SecretSession(fresh);
    const labelled = (await fresh.credentials()).find((c) => c.kind === 'password' && c.label);
    const newLabel = labelled?.kind === 'password' ? labelled.label : undefined;
    const progress = createProgress(files.length * 2, 'rekey', notes);
    // Phase 1: open and seal everything in memory; nothing is written if any file fails. A file the
    // old keys refuse but the new keys open was re-keyed by an earlier, interrupted run: skipped.
    const pending: Array<{ file: string; sealed: Uint8Array }> = [];
    let already = 0;
    let written = 0;
    try {
      for (const file of files) {
        const bytes = await readInput(file, io.stdin);
        const opened = await openWithOldKeys(oldSession, newSession, bytes, file);
        if (opened === null) {
          already += 1;
          progress.tick(file);
          continue;
        }
        const target = newTarget(file, opened.target, newLabel);
        pending.push({ file, sealed: await newSession.seal(opened.plaintext, target) });
        opened.plaintext.fill(0);
        progress.tick(file);
      }
      // Phase 2: each file replaced atomically.
      for (const { file, sealed } of pending) {
        await writeFileAtomic(file, sealed);
        written += 1;
        progress.tick(file);
      }
    } catch (error) {
      if (written > 0 && error instanceof VaultError) {
        error.message += `; ${written} of ${pending.length} files were already written with the new keys: run the same command again to finish (it skips them)`;
      }
      throw error;
    } finally {
      progress.done();
    }
    const keys = (await fresh.credentials()).map((c) => c.origin).join(', ');
    const skipped = already === 0 ? '' : ` (${already} already under the new keys, left as they were)`;
    notes.write(
      `rekeyed ${written} ${written === 1 ? 'file' : 'files'} for ${keys}${skipped}; older copies (git history, backups) still open with the old keys\n`,
    );
  });
}
