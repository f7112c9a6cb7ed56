/**
 * Recognising the two Ansible formats without loading their codecs: every file a command reads
 * passes through these checks (the format table in src/formats/secrets.ts), while the codecs
 * (ansible-vault.ts, ansible-inline.ts, formats/ansible-formats.ts) load only for such files.
 */
import { decodeUtf8 } from './bytes.js';

export const ANSIBLE_VAULT_MAGIC = '$ANSIBLE_VAULT';

const MAGIC_BYTES = new TextEncoder().encode(ANSIBLE_VAULT_MAGIC);

/** Ansible's `is_encrypted`: ASCII only and starts with the magic. */
export function isAnsibleVault(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_BYTES.length) return false;
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[i] !== MAGIC_BYTES[i]) return false;
  for (const byte of bytes) if (byte > 0x7f) return false;
  return true;
}

/** Vars files are small; above this a file is not parsed as YAML looking for inline values. */
export const MAX_INLINE_YAML_BYTES = 16 * 1024 * 1024;

/** An Ansible `!vault` tag as ansible-inline.ts recognises it. */
const INLINE_VAULT_TAG = /!vault(?:-encrypted)?(?=[\s|>"'])/;

/**
 * True when BYTES may be YAML with inline `!vault` values (the YAML parse that confirms it happens
 * when the file is opened: the yaml package loads only for such files).
 */
export function hasInlineVaultTag(bytes: Uint8Array): boolean {
  // Cheap checks first: every file a command reads passes through here.
  if (bytes.length > MAX_INLINE_YAML_BYTES) return false;
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('!vault') < 0) return false;
  const text = decodeUtf8(bytes);
  return text !== null && INLINE_VAULT_TAG.test(text);
}
