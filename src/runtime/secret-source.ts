/**
 * The reader `vault exec` and `vault export` give their sources: a vaultfile envelope, an Ansible
 * Vault file or a YAML file with inline `!vault` values is opened with the command's key options
 * (through the shell's SecretSession, so a keyring costs one KDF run however many files use it);
 * any other file is taken as plaintext, and then no key is ever asked for. Inline values no key
 * opens stay sealed in the plaintext: the caller decides whether it needed them (parseEnvFile).
 */
import { hasInlineVaultValues } from '../core/ansible-inline.js';
import { isEnvelope } from '../core/envelope.js';
import { AuthError } from '../errors.js';
import { createKeyContext, type KeyIo, type KeySourceOptions } from '../keys/key-sources.js';
import { SecretSession, isSealedByAnyCodec } from '../formats/secrets.js';
import { readPlainFile, type SourceReader } from './env-file.js';

/** True when BYTES need a key: an envelope, a whole-file Ansible vault, or inline !vault values. */
export function isSealedSource(bytes: Uint8Array): boolean {
  if (isEnvelope(bytes) || isSealedByAnyCodec(bytes)) return true;
  // Inline values only matter in text; a decoding failure means "not YAML", so not sealed.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return hasInlineVaultValues(text);
}

export function createSecretReader(options: KeySourceOptions, io: KeyIo): SourceReader {
  let session: SecretSession | null = null;
  return async (path) => {
    const bytes = await readPlainFile(path);
    if (!isSealedSource(bytes)) return bytes;
    session ??= new SecretSession(createKeyContext(options, io));
    const inline = !isEnvelope(bytes) && !isSealedByAnyCodec(bytes);
    try {
      return (await session.open(bytes, path, { partial: inline })).plaintext;
    } catch (error) {
      // Keys were given and opened none of the inline values: all stay sealed, as above.
      if (inline && error instanceof AuthError) return bytes;
      throw error;
    }
  };
}
