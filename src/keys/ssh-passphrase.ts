/**
 * Passphrase-protected OpenSSH private keys: ask for the passphrase on the terminal (stderr),
 * derive the key with bcrypt_pbkdf (as OpenSSH does; PROTOCOL.key) and decrypt the private section
 * with AES-256-CTR, ssh-keygen's default cipher. Only reached when an entry's recipient is this
 * key, and only on a terminal; the passphrase is zeroed after use.
 */
import { createDecipheriv } from 'node:crypto';
import type { Input, Output } from '../context.js';
import { parsePrivateSection, type SshPrivateKey } from '../core/ssh-key.js';
import { AuthError, FormatError, InterruptedError, quotePath } from '../errors.js';

const CIPHERS: Record<string, { name: string; keyLength: number; ivLength: number }> = {
  'aes256-ctr': { name: 'aes-256-ctr', keyLength: 32, ivLength: 16 },
  'aes128-ctr': { name: 'aes-128-ctr', keyLength: 16, ivLength: 16 },
  'aes256-cbc': { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
};

/** Decrypt the private section of an encrypted key with `passphrase`; AuthError when it is wrong. */
export async function unsealSshPrivateKey(key: Extract<SshPrivateKey, { encrypted: true }>, passphrase: Uint8Array, path: string) {
  const cipher = CIPHERS[key.cipher];
  if (!cipher || key.kdf !== 'bcrypt') {
    throw new FormatError(`${quotePath(path)}: SSH key cipher "${key.cipher}" is not supported; re-protect it with "ssh-keygen -p -Z aes256-ctr -f ${path}"`);
  }
  const options = new DataView(key.kdfOptions.buffer, key.kdfOptions.byteOffset, key.kdfOptions.byteLength);
  const saltLength = key.kdfOptions.length >= 8 ? options.getUint32(0) : -1;
  if (saltLength < 0 || 4 + saltLength + 4 !== key.kdfOptions.length) throw new FormatError(`${quotePath(path)}: damaged SSH key (kdf options)`);
  const salt = key.kdfOptions.subarray(4, 4 + saltLength);
  const rounds = options.getUint32(4 + saltLength);
  // A CommonJS package: only its default export (module.exports) exists under both Node and esbuild.
  const { default: bcrypt } = await import('bcrypt-pbkdf');
  const okm = new Uint8Array(cipher.keyLength + cipher.ivLength);
  if (bcrypt.pbkdf(passphrase, passphrase.length, salt, salt.length, okm, okm.length, rounds) !== 0) {
    throw new AuthError(`${quotePath(path)}: the passphrase is empty or the key is damaged`);
  }
  const decipher = createDecipheriv(cipher.name, okm.subarray(0, cipher.keyLength), okm.subarray(cipher.keyLength)).setAutoPadding(false);
  const section = new Uint8Array(Buffer.concat([decipher.update(key.sealed), decipher.final()]));
  okm.fill(0);
  try {
    return parsePrivateSection(section, key.publicKey, quotePath(path));
  } catch (error) {
    if (error instanceof FormatError) throw new AuthError(`${quotePath(path)}: wrong passphrase for this SSH key`);
    throw error;
  } finally {
    section.fill(0);
  }
}

/** Ask for the passphrase on the terminal and decrypt the key. */
export async function decryptSshPrivateKey(
  key: Extract<SshPrivateKey, { encrypted: true }>, path: string, io: { stdin: Input; stderr: Output },
) {
  const { password } = await import('@inquirer/prompts');
  let answer: string;
  try {
    answer = await password({ message: `passphrase for ${path}:`, mask: '*' }, { input: io.stdin, output: io.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted at the passphrase prompt');
    throw error;
  }
  const passphrase = new TextEncoder().encode(answer);
  try {
    return await unsealSshPrivateKey(key, passphrase, path);
  } finally {
    passphrase.fill(0);
  }
}
