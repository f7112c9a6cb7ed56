/**
 * Ansible's password semantics: `--vault-id LABEL@SOURCE` (SOURCE = `prompt`, a password file, or
 * an executable run as Ansible runs it), ANSIBLE_VAULT_IDENTITY_LIST tried first, password files
 * stripped the way Ansible strips them, and the choice of the password new Ansible output is
 * sealed with. The Ansible formats themselves are in src/formats/ansible-formats.ts. Must not put
 * a password in argv, a message or a log, and runs an executable only when its execute bit is
 * set, exactly like Ansible.
 */
import { readCheckedSecretFile } from '../fs/secret-file.js';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, resolve } from 'node:path';
import type { Credential } from '../core/credential.js';
import {
  ANSIBLE_DEFAULT_LABEL, describeCredential, isAnsibleVault, openAnsibleVault, stripAnsiblePassword,
} from '../core/ansible-vault.js';
import { InterruptedError, NoKeyError, UsageError, FileSystemError, VaultError, quotePath } from '../errors.js';
import { fileSystemError } from '../fs/atomic-write.js';
import type { AnsibleKeyRequest, KeyIo } from './key-sources.js';

export interface VaultIdSpec {
  /** undefined = no label given: the vault-id "default", and a client script gets no --vault-id. */
  label: string | undefined;
  source: string;
  /** How the user wrote it, for messages. */
  origin: string;
}

/** Split `LABEL@SOURCE` at the first "@" (`CLI.split_vault_id`); no "@" means the default label. */
export function parseVaultId(text: string, originPrefix = '--vault-id'): VaultIdSpec {
  const at = text.indexOf('@');
  const label = at >= 0 && at > 0 ? text.slice(0, at) : undefined;
  const source = at >= 0 ? text.slice(at + 1) : text;
  const origin = `${originPrefix} ${JSON.stringify(text)}`;
  if (source === '') throw new UsageError(`${origin}: no password source; write LABEL@FILE, LABEL@prompt or LABEL@SCRIPT`);
  if (label !== undefined && (label.includes(';') || /\s/.test(label))) {
    throw new UsageError(`${origin}: a vault-id label cannot hold ";" or spaces; choose another label`);
  }
  return { label, source, origin };
}

/** ANSIBLE_VAULT_IDENTITY_LIST: comma-separated vault-ids, tried before the command line's. */
export function vaultIdsFromEnv(env: NodeJS.ProcessEnv): VaultIdSpec[] {
  return (env.ANSIBLE_VAULT_IDENTITY_LIST ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => parseVaultId(part, 'ANSIBLE_VAULT_IDENTITY_LIST'));
}

/** Python's `bytes.strip(b"\r\n")`: CR and LF only, both ends (script output, file second pass). */
function stripNewlines(bytes: Uint8Array): Uint8Array {
  let start = 0;
  let end = bytes.length;
  while (start < end && (bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
  while (end > start && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.slice(start, end);
}

/** `~` and `~/...` as Python's expanduser reads them: HOME of the run's environment first. */
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  return path === '~' || path.startsWith('~/') ? (env.HOME || homedir()) + path.slice(1) : path;
}

/** `script_is_client`: the name without its extension ends in "-client". */
export function isClientScript(path: string): boolean {
  const name = basename(path);
  return name.slice(0, name.length - extname(name).length).endsWith('-client');
}

export interface AnsibleSecretOptions {
  /** Ask for a password on the terminal; the default uses @inquirer/prompts on stderr. */
  prompt?: (message: string) => Promise<string>;
  /** Whether a prompt may be shown; the default is "stdin and stderr are terminals". */
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where a warning about an unreadable source goes; the default is the terminal's stderr. */
  warn?: (line: string) => void;
  /** The terminal to prompt on; without one there is no prompt. */
  terminal?: Pick<KeyIo, 'stdin' | 'stderr'>;
}

async function promptOnTerminal(message: string, terminal: Pick<KeyIo, 'stdin' | 'stderr'>): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message, mask: '*' }, { input: terminal.stdin, output: terminal.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted at the vault password prompt');
    throw error;
  }
}

/** Run a password script the way Ansible does: no shell, stdin and stderr inherited, stdout read. */
async function runPasswordScript(spec: VaultIdSpec, path: string, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  // Python's subprocess uses execve: a file with neither "#!" nor an ELF header fails with
  // ENOEXEC. Node's execvp would hand it to /bin/sh instead, so refuse it here like Ansible does.
  const head = Buffer.alloc(4);
  const handle = await fs.open(path, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (head.toString('latin1', 0, 2) !== '#!' && head.toString('latin1') !== '\x7fELF') {
    throw new NoKeyError(`${spec.origin}: could not run the password script (ENOEXEC); if it is not a script, remove its executable bit`);
  }
  const client = isClientScript(path);
  const args = client && spec.label !== undefined ? ['--vault-id', spec.label] : [];
  // Ansible resolves the source as a path (unfrackpath), never through PATH: "true" is ./true.
  const child = spawn(resolve(path), args, { stdio: ['inherit', 'pipe', 'inherit'], env });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).catch((error: { code?: string }) => {
    throw new NoKeyError(`${spec.origin}: could not run the password script (${error.code ?? 'error'}); if it is not a script, remove its executable bit`);
  });
  const output = new Uint8Array(Buffer.concat(chunks));
  for (const chunk of chunks) chunk.fill(0);
  if (code !== 0) {
    output.fill(0);
    if (client && code === 2) {
      throw new NoKeyError(`${spec.origin}: the client script has no secret for vault-id ${JSON.stringify(spec.label ?? ANSIBLE_DEFAULT_LABEL)}; check the label`);
    }
    throw new NoKeyError(`${spec.origin}: the password script exited with code ${code}; run it by hand to see why`);
  }
  const password = stripNewlines(output);
  output.fill(0);
  return password;
}

/** One vault-id's password. EARLIER credentials open a password file that is itself a vault. */
async function passwordFor(spec: VaultIdSpec, earlier: Credential[], options: AnsibleSecretOptions): Promise<Uint8Array> {
  const env = options.env ?? {};
  if (spec.source === 'prompt' || spec.source === 'prompt_ask_vault_pass') {
    const terminal = options.terminal;
    const interactive = options.interactive ?? (terminal?.stdin.isTTY === true && terminal.stderr.isTTY === true);
    if (!interactive) {
      throw new NoKeyError(`${spec.origin}: prompting needs a terminal; use --vault-id ${spec.label ?? ANSIBLE_DEFAULT_LABEL}@FILE in scripts and CI`);
    }
    const answer = await (options.prompt ?? ((message: string) => promptOnTerminal(message, terminal!)))(`Vault password (${spec.label ?? ANSIBLE_DEFAULT_LABEL}):`);
    return stripAnsiblePassword(new TextEncoder().encode(answer)).slice();
  }
  const path = expandHome(spec.source, env);
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    throw fileSystemError(error, path, `reading the password file of ${spec.origin}`);
  }
  if (stat.isDirectory()) throw new FileSystemError(`${quotePath(path)}: is a directory; ${spec.origin} needs a password file or script`);
  if ((stat.mode & 0o022) !== 0) {
    // Someone else could swap the password (or the script); Ansible does not check, we do.
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new UsageError(`${quotePath(path)}: password file is writable by group or others (mode ${mode}); run "chmod go-w ${path}"`);
  }
  if ((stat.mode & 0o111) !== 0) return runPasswordScript(spec, path, env);
  // Owner, directory and size checked on the descriptor that is read (fs/secret-file.ts).
  const bytes = await readCheckedSecretFile(path, `password file of ${spec.origin}`);
  // FileVaultSecret: strip(), decrypt when the file is itself a vault, then strip(b"\r\n").
  let password: Uint8Array = stripAnsiblePassword(bytes).slice();
  bytes.fill(0);
  if (isAnsibleVault(password)) {
    const opened = await openAnsibleVault(password, earlier, path);
    password = opened.plaintext;
  }
  return stripNewlines(password);
}

async function credentialsFor(specs: readonly VaultIdSpec[], options: AnsibleSecretOptions): Promise<Credential[]> {
  const credentials: Credential[] = [];
  const failures: VaultError[] = [];
  for (const spec of specs) {
    let password: Uint8Array;
    try {
      password = await passwordFor(spec, credentials, options);
      if (password.length === 0) throw new UsageError(`${spec.origin}: the password is empty; put the password in it`);
    } catch (error) {
      // As ansible-vault does: a source that cannot be read is a warning while others remain.
      if (!(error instanceof VaultError) || error instanceof InterruptedError) throw error;
      failures.push(error);
      continue;
    }
    // Every Ansible secret has a vault-id, "default" when none was given (setup_vault_secrets); a
    // label is also how the rest of vaultfile tells an Ansible secret from its own options.
    credentials.push({ kind: 'password', password, origin: spec.origin, label: spec.label ?? ANSIBLE_DEFAULT_LABEL });
  }
  // None could be read: the first failure is the error, as in Ansible; else each is a warning.
  if (credentials.length === 0 && failures.length > 0) throw failures[0]!;
  const warn = options.warn ?? ((line: string) => options.terminal?.stderr.write(`vault: ${line}\n`));
  for (const failure of failures) warn(`warning: ${failure.message}; trying the other keys`);
  return credentials;
}


/** A password file named by --vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE: `default@PATH`. */
function passwordFileSpec(path: string, origin: string): VaultIdSpec {
  // build_vault_ids turns each into "default@PATH", so a *-client script gets --vault-id default.
  return { label: ANSIBLE_DEFAULT_LABEL, source: path, origin };
}

/**
 * Credentials in Ansible's order (VaultCLI.run, setup_vault_secrets): ANSIBLE_VAULT_IDENTITY_LIST,
 * the --vault-ids, the --vault-password-files, then ANSIBLE_VAULT_PASSWORD_FILE (its path taken
 * whole even with an "@" in it). Each carries its label, "default" when none was given.
 */
export async function resolveAnsibleSecrets(request: Partial<AnsibleKeyRequest>, options: AnsibleSecretOptions = {}): Promise<Credential[]> {
  const env = options.env ?? {};
  const specs = [
    ...vaultIdsFromEnv(env),
    ...(request.vaultIds ?? []).map((text) => parseVaultId(text)),
    ...(request.vaultPasswordFiles ?? []).map((path) => passwordFileSpec(path, `--vault-password-file ${quotePath(path)}`)),
  ];
  if (env.ANSIBLE_VAULT_PASSWORD_FILE) specs.push(passwordFileSpec(env.ANSIBLE_VAULT_PASSWORD_FILE, 'ANSIBLE_VAULT_PASSWORD_FILE'));
  return credentialsFor(specs, options);
}

/** The new keys of `rekey` (--new-vault-id, --new-vault-password-file): never the environment, as in Ansible. */
export async function resolveNewAnsibleSecrets(vaultIds: readonly string[], passwordFiles: readonly string[], options: AnsibleSecretOptions = {}): Promise<Credential[]> {
  return credentialsFor(
    [
      ...vaultIds.map((text) => parseVaultId(text, '--new-vault-id')),
      ...passwordFiles.map((path) => passwordFileSpec(path, `--new-vault-password-file ${quotePath(path)}`)),
    ],
    options,
  );
}

/** ANSIBLE_VAULT_ENCRYPT_SALT (Ansible's VAULT_ENCRYPT_SALT): a fixed salt for reproducible output, as its bytes. */
export function encryptSalt(env: NodeJS.ProcessEnv): { salt?: Uint8Array } {
  const value = env.ANSIBLE_VAULT_ENCRYPT_SALT;
  return value === undefined || value === '' ? {} : { salt: new TextEncoder().encode(value) };
}

/** ANSIBLE_VAULT_ID_MATCH, read as Ansible reads a boolean setting. */
export function vaultIdMatch(env: NodeJS.ProcessEnv): boolean {
  return ['y', 'yes', 'on', '1', 'true', 't'].includes((env.ANSIBLE_VAULT_ID_MATCH ?? '').trim().toLowerCase());
}

/**
 * The password that encrypts new Ansible output (encrypt --format ansible, encrypt-string, migrate
 * --to ansible), by Ansible's rule (match_encrypt_secret): the vault-id --encrypt-vault-id (or
 * ANSIBLE_VAULT_ENCRYPT_IDENTITY) names, else the only one; several are refused. Ansible's secrets
 * (vault-ids, ANSIBLE_* variables) come first: vaultfile's own --password-file is used only when
 * none was given, since beside a vault-id it is the keyring's password.
 */
export function chooseEncryptCredential(
  credentials: readonly Credential[],
  wanted: string | undefined,
  env: NodeJS.ProcessEnv,
  options: { vaultIdOnly?: boolean; what?: string } = {},
): Credential & { kind: 'password' } {
  const passwords = credentials.filter((c): c is Credential & { kind: 'password' } => c.kind === 'password');
  const vaultIds = passwords.filter((c) => c.label !== undefined);
  const pool = vaultIds.length > 0 || options.vaultIdOnly ? vaultIds : passwords;
  const what = options.what ?? 'writing an ansible vault';
  if (pool.length === 0) {
    throw new NoKeyError(
      options.vaultIdOnly
        ? `${what} needs the Ansible password: pass --vault-id LABEL@FILE`
        : `${what} needs a password (key files cannot); pass --vault-id LABEL@FILE or --password-file FILE`,
    );
  }
  const label = wanted ?? (env.ANSIBLE_VAULT_ENCRYPT_IDENTITY || undefined);
  if (label !== undefined) {
    const match = pool.find((c) => (c.label ?? ANSIBLE_DEFAULT_LABEL) === label);
    const option = wanted !== undefined ? '--encrypt-vault-id' : 'ANSIBLE_VAULT_ENCRYPT_IDENTITY';
    if (!match) throw new UsageError(`${option} ${label}: no --vault-id has that label; given: ${pool.map(describeCredential).join(', ')}`);
    return match;
  }
  if (pool.length > 1) {
    throw new UsageError(`several passwords could encrypt (${pool.map(describeCredential).join(', ')}); choose one with --encrypt-vault-id LABEL`);
  }
  return pool[0]!;
}

