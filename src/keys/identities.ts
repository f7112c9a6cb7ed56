/**
 * Identity key sources (DESIGN.md §5): `--identity FILE` (repeatable), VAULTFILE_IDENTITY, and
 * when no key source is named the usual places, as sops does for age:
 * $XDG_CONFIG_HOME/vaultfile/identity.txt, ~/.ssh/id_ed25519, ~/.ssh/id_rsa. A file is an age
 * identity file (several `AGE-SECRET-KEY-1…` lines, `#` comments), an OpenSSH private key, or an
 * age plugin identity (`AGE-PLUGIN-…`), which is handed to the `age` binary: the entry on stdin,
 * the data key on stdout, nothing secret in argv. Each credential carries its public recipients,
 * so a passphrase is asked only for an entry that belongs to that key.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Input, Output } from '../context.js';
import type { IdentityCredential } from '../core/credential.js';
import { ageRecipientOf, openAgeFile } from '../core/public-entry.js';
import { nativeAgeIdentity, nativeSshIdentity, openAgeNative, type NativeIdentity } from '../core/age-native.js';
import {
  formatSshPublicKey, isOpenSshPrivateKey, parseOpenSshPrivateKey, type SshPrivateKey,
} from '../core/ssh-key.js';
import { FormatError, NoKeyError, VaultError, quotePath } from '../errors.js';
import { readCheckedSecretFile } from '../fs/secret-file.js';
import { namedIdentityPaths } from './identity-paths.js';
import { decryptSshPrivateKey } from './ssh-passphrase.js';

/** What identity sources use of the run: paths are relative to `cwd`; prompts use the terminal. */
export interface IdentityIo { cwd: string; env: NodeJS.ProcessEnv; stdin: Input; stderr: Output }

/** Where vault looks for identities when no key source is named, in this order. */
export function defaultIdentityPaths(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME || homedir();
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return [join(config, 'vaultfile', 'identity.txt'), join(home, '.ssh', 'id_ed25519'), join(home, '.ssh', 'id_rsa')];
}

/** An identity is a secret file: the same ownership, mode and size rules as a key file. */
async function readIdentityFile(path: string): Promise<string> {
  const bytes = await readCheckedSecretFile(path, 'identity');
  const text = new TextDecoder().decode(bytes);
  bytes.fill(0);
  return text;
}

/** Credentials for one identity file; FormatError when it holds no identity vault can use. */
export async function identityFromFile(path: string, origin: string, io: IdentityIo | null): Promise<IdentityCredential[]> {
  const text = await readIdentityFile(io ? resolve(io.cwd, path) : path);
  if (isOpenSshPrivateKey(text)) return [sshCredential(parseOpenSshPrivateKey(text, quotePath(path)), path, origin, io)];
  const credentials: IdentityCredential[] = [];
  let plugin = false;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^AGE-PLUGIN-[A-Z0-9]+-1[A-Z0-9]+$/.test(line)) {
      plugin = true;
      continue;
    }
    if (!/^AGE-SECRET-KEY-(PQ-)?1[A-Z0-9]+$/.test(line)) {
      throw new FormatError(`${quotePath(path)}: line ${index + 1} is not an age identity (AGE-SECRET-KEY-1…) or an OpenSSH private key`);
    }
    // X25519 identities are read on node:crypto (age-native.ts); post-quantum ones by age-encryption.
    const native = nativeAgeIdentity(line);
    if (native) {
      credentials.push({ kind: 'identity', origin, recipients: [native.recipient], open: async (file) => openAgeNative(file, native.identity) });
      continue;
    }
    let recipient: string;
    try {
      recipient = await ageRecipientOf(line);
    } catch {
      throw new FormatError(`${quotePath(path)}: line ${index + 1} is not a valid age identity`);
    }
    credentials.push({ kind: 'identity', origin, recipients: [recipient], open: (file) => openAgeFile(file, [line]) });
  }
  if (plugin) credentials.push(pluginCredential(io ? resolve(io.cwd, path) : path, origin));
  if (credentials.length === 0) throw new FormatError(`${quotePath(path)}: holds no identity; make one with "vault keygen --age ${path}"`);
  return credentials;
}

/** IO null: no terminal (tests of the core, plumbing). */
function sshCredential(key: SshPrivateKey, path: string, origin: string, io: IdentityIo | null): IdentityCredential {
  let identity: Promise<NativeIdentity> | null = null;
  const unlock = async (): Promise<NativeIdentity> => {
    if (!key.encrypted) return nativeSshIdentity(key.publicKey, key);
    if (!io || !io.stdin.isTTY || !io.stderr.isTTY) {
      throw new NoKeyError(`${quotePath(path)}: the SSH key is passphrase-protected and there is no terminal to ask; use an unprotected identity in automation (vault keygen --age)`);
    }
    return nativeSshIdentity(key.publicKey, await decryptSshPrivateKey(key, path, io));
  };
  return {
    kind: 'identity',
    origin,
    recipients: [formatSshPublicKey(key.publicKey)],
    async open(file) {
      identity ??= unlock();
      return openAgeNative(file, await identity);
    },
  };
}

/** An age plugin identity: only the `age` binary (and its plugin) can use it. */
function pluginCredential(path: string, origin: string): IdentityCredential {
  return {
    kind: 'identity',
    origin,
    recipients: null,
    open: (file) => openWithAgeBinary(file, path),
  };
}

async function openWithAgeBinary(file: Uint8Array, identityPath: string): Promise<Uint8Array | null> {
  const child = spawn('age', ['--decrypt', '--identity', identityPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new NoKeyError(`${quotePath(identityPath)}: an age plugin identity needs the "age" command; install age (and its plugin)`));
      else reject(error);
    });
    child.on('close', resolve);
    child.stdin.on('error', () => undefined);
    child.stdin.end(file);
  });
  const out = new Uint8Array(Buffer.concat(chunks));
  for (const chunk of chunks) chunk.fill(0);
  if (code !== 0) {
    out.fill(0);
    return null;
  }
  return out;
}

/**
 * Identity credentials: the named ones (errors are the user's to fix), or with `ambient` the
 * default paths that exist (unreadable or foreign files there are skipped silently: the user did
 * not name them).
 */
export async function resolveIdentities(
  identity: string[] | undefined, io: IdentityIo, options: { ambient: boolean },
): Promise<IdentityCredential[]> {
  const named = namedIdentityPaths(identity, io.env);
  const credentials: IdentityCredential[] = [];
  for (const { path, origin } of named) credentials.push(...(await identityFromFile(path, origin, io)));
  if (named.length > 0 || !options.ambient) return credentials;
  for (const path of defaultIdentityPaths(io.env)) {
    try {
      credentials.push(...(await identityFromFile(path, quotePath(path), io)));
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
    }
  }
  return credentials;
}
