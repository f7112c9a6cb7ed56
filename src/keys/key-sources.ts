/**
 * Key sources: turns a command's key options and the environment into credentials
 * (DESIGN.md §5). Explicit options win over VAULTFILE_PASSWORD_FILE, VAULTFILE_KEY_FILE and
 * VAULTFILE_PASSWORD; Ansible's variables join Ansible's options as in ansible-vault; then a
 * prompt, only when stdin and stderr are TTYs. Resolution is lazy and memoised: a command that never needs a key never prompts.
 * The code of a source (identities, Ansible's secrets, KMS, password commands, the prompt) is
 * imported only when that source is used.
 * Must not print a secret, put one in argv or in an error message.
 */
import { withProperties, type Context } from '../context.js';
import { wipeCredentials, type Credential } from '../core/credential.js';
import { joinAndWipe, readCheckedSecretFile } from '../fs/secret-file.js';
import { parseKeyFile } from '../core/key-file.js';
import { KdfCache, MAX_READ_LOG_N } from '../core/kdf.js';
import { NoKeyError, UsageError, VaultError, quotePath } from '../errors.js';
import type { KmsAccess } from '../core/public-entry.js';
import { withAnsibleConfig } from './ansible-config.js';
import { namedIdentityPaths } from './identity-paths.js';

export interface KeySourceOptions {
  passwordFile?: string;
  keyFile?: string[];
  passwordStdin?: boolean;
  passwordCommand?: string;
  vaultId?: string[];
  /** Ansible's --vault-password-file: a password file or script, vault-id "default". */
  vaultPasswordFile?: string[];
  maxWorkFactor?: number;
  /** --identity FILE (repeatable): age identity files or OpenSSH private keys. */
  identity?: string[];
  /** false with --no-kms: KMS entries are not tried. */
  kms?: boolean;
}

/** What a command needs to open and seal files: credentials on demand and one KDF cache. */
export interface KeyContext {
  credentials(): Promise<Credential[]>;
  readonly kdf: KdfCache;
  readonly options: KeySourceOptions;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Sources nobody named: the default identity files (only when no key source is named) and AWS
   * KMS (unless --no-kms). Tried only on entries they match (src/keys/open-keyring.ts).
   */
  ambient(): Promise<Credential[]>;
  /** The terminal: standard input for --password-stdin and prompts, standard error for messages. */
  readonly io: KeyIo;
}

/** What key sources and the sessions built on them use of the run (atExit: wipe the secrets). */
export type KeyIo = Pick<Context, 'cwd' | 'env' | 'stdin' | 'stderr' | 'atExit'>;

export const NO_KEY_HINT =
  'pass --password-file FILE, --key-file FILE or --identity FILE (or set VAULTFILE_PASSWORD_FILE, VAULTFILE_KEY_FILE or VAULTFILE_IDENTITY)';

/**
 * IO.env is read with ansible.cfg's vault settings added (ansible-config.ts), unless
 * ANSIBLE_CONFIG_FILE is false (vaultfile-client: Ansible's settings name the client itself).
 */
export function createKeyContext(options: KeySourceOptions, io: KeyIo, ansibleConfigFile = true): KeyContext {
  if (ansibleConfigFile) io = withProperties(io, { env: withAnsibleConfig(io.env, io.cwd) });
  let pending: Promise<Credential[]> | null = null;
  let ambient: Promise<Credential[]> | null = null;
  const kdf = new KdfCache({ maxLogN: options.maxWorkFactor ?? MAX_READ_LOG_N });
  // When the run ends, the passwords, key files and derived keys it read are zeroed (best effort:
  // the bytes a library copied are out of reach).
  io.atExit(() => {
    void pending?.then(wipeCredentials, () => undefined);
    void kdf.wipe();
  });
  return {
    options,
    env: io.env,
    io,
    kdf,
    credentials() {
      pending ??= resolveCredentials(options, io);
      return pending;
    },
    ambient() {
      ambient ??= resolveAmbient(options, io, namedKeySources(options, io.env).any);
      return ambient;
    },
  };
}

/**
 * The one rule for "did the user name a key?": `byOption` when a key option was given (then
 * vaultfile's own variables are ignored), `any` when an option or a key variable was (else a
 * repository's stored data key, the default identities, or the prompt, are next).
 */
export function namedKeySources(options: KeySourceOptions, env: NodeJS.ProcessEnv): { byOption: boolean; any: boolean } {
  const byOption = Boolean(
    options.passwordFile || (options.keyFile?.length ?? 0) > 0 || options.passwordStdin || options.passwordCommand ||
      (options.vaultId?.length ?? 0) > 0 || (options.vaultPasswordFile?.length ?? 0) > 0 || (options.identity?.length ?? 0) > 0,
  );
  const byVariable = Boolean(
    env.VAULTFILE_PASSWORD_FILE || env.VAULTFILE_KEY_FILE || env.ANSIBLE_VAULT_PASSWORD_FILE || env.ANSIBLE_VAULT_IDENTITY_LIST ||
      env.VAULTFILE_PASSWORD || env.VAULTFILE_IDENTITY,
  );
  return { byOption, any: byOption || byVariable };
}

/** Strip exactly one trailing "\n" or "\r\n"; refuse an empty password. */
export function passwordFromText(bytes: Uint8Array, origin: string): Uint8Array {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end -= 1;
  if (end > 0 && bytes[end - 1] === 0x0d && end === bytes.length - 1) end -= 1;
  if (end === 0) throw new UsageError(`${origin}: the password is empty; put the password in it`);
  const password = new Uint8Array(end);
  password.set(bytes.subarray(0, end));
  bytes.fill(0);
  return password;
}

/** Read a secret file, refusing one that another user could have written or swapped. */
export async function readSecretFile(path: string, what: string): Promise<Uint8Array> {
  return readCheckedSecretFile(path, what);
}

export async function passwordFromFile(path: string, origin: string): Promise<Credential> {
  const bytes = await readSecretFile(path, 'password file');
  return { kind: 'password', password: passwordFromText(bytes, origin), origin };
}

export async function keyFromFile(path: string, origin: string): Promise<Credential> {
  const bytes = await readSecretFile(path, 'key file');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  bytes.fill(0);
  return { kind: 'key-file', key: parseKeyFile(text, origin), origin };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return joinAndWipe(chunks);
}

/** Run a password command through the shell; its stdout is the password, stderr passes through. */
export async function passwordFromCommand(command: string, origin: string, env: NodeJS.ProcessEnv): Promise<Credential> {
  const { spawn } = await import('node:child_process');
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const output = readAll(child.stdout);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const bytes = await output;
  if (code !== 0) {
    bytes.fill(0);
    throw new NoKeyError(`${origin} exited with code ${code}; check the command`);
  }
  return { kind: 'password', password: passwordFromText(bytes, origin), origin };
}

async function promptPassword(io: KeyIo): Promise<Credential> {
  const { password } = await import('@inquirer/prompts');
  try {
    const answer = await password(
      { message: 'vault password:', mask: '*' },
      { input: io.stdin, output: io.stderr },
    );
    return { kind: 'password', password: passwordFromText(new TextEncoder().encode(answer), 'the prompt'), origin: 'the prompt' };
  } catch (error) {
    if (error instanceof VaultError) throw error;
    if (error instanceof Error && error.name === 'ExitPromptError') {
      const { InterruptedError } = await import('../errors.js');
      throw new InterruptedError('interrupted at the password prompt');
    }
    throw error;
  }
}

/** What Ansible's own options name, in the order given: `--vault-id` values, `--vault-password-file` paths. */
export interface AnsibleKeyRequest {
  vaultIds: string[];
  vaultPasswordFiles: string[];
}

/**
 * No key source at all was given (no option, no variable, no terminal to prompt on). A type of its
 * own so that whoever knows the file that needed the key can name it.
 */
export class NoKeyGivenError extends NoKeyError {}

/**
 * All credentials the user gave, in order; NoKeyError when there are none. vaultfile's own options
 * replace its own variables (VAULTFILE_*); Ansible's variables are always added to Ansible's options,
 * as ansible-vault combines them.
 */
export async function resolveCredentials(options: KeySourceOptions, io: KeyIo): Promise<Credential[]> {
  const env = io.env;
  const credentials: Credential[] = [];
  if (options.passwordFile) {
    credentials.push(await passwordFromFile(options.passwordFile, `--password-file ${quotePath(options.passwordFile)}`));
  }
  for (const path of options.keyFile ?? []) {
    credentials.push(await keyFromFile(path, `--key-file ${quotePath(path)}`));
  }
  if (options.passwordStdin) {
    const bytes = await readAll(io.stdin);
    credentials.push({ kind: 'password', password: passwordFromText(bytes, '--password-stdin'), origin: '--password-stdin' });
  }
  if (options.passwordCommand) {
    credentials.push(await passwordFromCommand(options.passwordCommand, '--password-command', env));
  }
  if (namedIdentityPaths(options.identity, env).length > 0) {
    const { resolveIdentities } = await import('./identities.js');
    credentials.push(...(await resolveIdentities(options.identity, io, { ambient: false })));
  }
  const request: AnsibleKeyRequest = { vaultIds: options.vaultId ?? [], vaultPasswordFiles: options.vaultPasswordFile ?? [] };
  const named = namedKeySources(options, env).byOption;
  if (!named && env.VAULTFILE_PASSWORD_FILE) {
    credentials.push(await passwordFromFile(env.VAULTFILE_PASSWORD_FILE, 'VAULTFILE_PASSWORD_FILE'));
  }
  if (!named && env.VAULTFILE_KEY_FILE) {
    credentials.push(await keyFromFile(env.VAULTFILE_KEY_FILE, 'VAULTFILE_KEY_FILE'));
  }
  try {
    // Ansible's: ANSIBLE_VAULT_IDENTITY_LIST, the vault-ids, the password files, then
    // ANSIBLE_VAULT_PASSWORD_FILE, combined as Ansible does (its code loads only when one is set).
    if (
      request.vaultIds.length > 0 || request.vaultPasswordFiles.length > 0 || env.ANSIBLE_VAULT_IDENTITY_LIST || env.ANSIBLE_VAULT_PASSWORD_FILE
    ) {
      const { resolveAnsibleSecrets } = await import('./ansible-secrets.js');
      credentials.push(...(await resolveAnsibleSecrets(request, { env, terminal: io })));
    }
  } catch (error) {
    // Ansible's sources that cannot be read are warnings while other keys were given (ansible-vault does so).
    if (credentials.length === 0 || !(error instanceof VaultError) || error.name === 'InterruptedError') throw error;
    io.stderr.write(`vault: warning: ${error.message}; trying the other keys\n`);
  }
  if (!named && env.VAULTFILE_PASSWORD) {
    credentials.push({
      kind: 'password',
      password: passwordFromText(new TextEncoder().encode(env.VAULTFILE_PASSWORD), 'VAULTFILE_PASSWORD'),
      origin: 'VAULTFILE_PASSWORD',
    });
  }
  if (credentials.length > 0) return credentials;

  if (io.stdin.isTTY && io.stderr.isTTY) return [await promptPassword(io)];
  throw new NoKeyGivenError(`no key given; ${NO_KEY_HINT}`);
}

/** The default identity files when nothing is named, and KMS unless --no-kms; all marked ambient. */
async function resolveAmbient(options: KeySourceOptions, io: KeyIo, named: boolean): Promise<Credential[]> {
  const identities = named ? [] : await (await import('./identities.js')).resolveIdentities(undefined, io, { ambient: true });
  const kms: Credential[] = options.kms === false ? [] : [{ kind: 'kms', kms: lazyKmsAccess(), origin: 'AWS KMS (default credential chain)' }];
  return [...identities, ...kms];
}

/** KMS access whose code (keys/kms.ts, then the AWS SDK) loads when a KMS entry is first opened or sealed. */
function lazyKmsAccess(): KmsAccess {
  let access: Promise<KmsAccess> | null = null;
  const load = () => (access ??= import('./kms.js').then(({ createKmsAccess }) => createKmsAccess()));
  return {
    encrypt: async (keyArn, plaintext, context) => (await load()).encrypt(keyArn, plaintext, context),
    decrypt: async (keyArn, blob, context) => (await load()).decrypt(keyArn, blob, context),
  };
}
