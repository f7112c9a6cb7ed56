/**
 * Ansible Vault 1.1 / 1.2 codec (`$ANSIBLE_VAULT;1.1;AES256`, `$ANSIBLE_VAULT;1.2;AES256;<label>`),
 * byte-compatible with ansible-core (reference/SECURITY.md §1(a), checked against the real tool in
 * fixtures/ansible/). PBKDF2-SHA256 (10,000 iterations) gives an AES-256-CTR key, an HMAC-SHA256
 * key and the counter block; the body is hex(hex(salt) "\n" hex(mac) "\n" hex(ciphertext)) cut
 * into 80-column lines. Pure: bytes in, bytes out; randomness is a parameter. It must not weaken
 * the reader beyond what Ansible itself accepts, and never writes a fixed salt.
 */
import { createCipheriv, createHmac, pbkdf2, timingSafeEqual } from 'node:crypto';
import type { Credential } from './credential.js';
import type { RandomSource } from './random.js';
import { toHex } from './bytes.js';
import { AuthError, FormatError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { ANSIBLE_VAULT_MAGIC, isAnsibleVault } from './ansible-detect.js';

export { ANSIBLE_VAULT_MAGIC, isAnsibleVault };

export const ANSIBLE_CIPHER = 'AES256';
export const ANSIBLE_PBKDF2_ITERATIONS = 10000;
export const ANSIBLE_SALT_LENGTH = 32;
export const ANSIBLE_LINE_WIDTH = 80;
/** Ansible's label when none is given (`C.DEFAULT_VAULT_IDENTITY`). */
export const ANSIBLE_DEFAULT_LABEL = 'default';

export type AnsibleVersion = '1.1' | '1.2';

/** The parsed envelope: header fields and the three binary parts of the body. */
export interface AnsibleVaultText {
  version: AnsibleVersion;
  /** The vault-id of a 1.2 header; a hint only, Ansible does not authenticate it. */
  label: string | null;
  salt: Uint8Array;
  mac: Uint8Array;
  ciphertext: Uint8Array;
}

export interface AnsibleOpened {
  plaintext: Uint8Array;
  /** The label of the credential that opened it (Ansible's "vault id used"). */
  label: string;
  version: AnsibleVersion;
  /** The label written in a 1.2 header (null for 1.1), to seal an edit the same way. */
  headerLabel: string | null;
  /** The credential that opened it and the exact password bytes that verified (maybe stripped). */
  credential: Credential;
  password: Uint8Array;
}

export interface AnsibleSealOptions {
  label?: string;
  version?: AnsibleVersion;
  /**
   * A fixed salt instead of 32 random bytes (Ansible's VAULT_ENCRYPT_SALT, for reproducible test
   * output): equal plaintexts under one password then give equal files. Never used by default.
   */
  salt?: Uint8Array;
  /** For messages only ("input is already encrypted"). */
  origin?: string;
}

const HEX_PAIR = /^(?:[0-9a-fA-F]{2})*$/;

/** The subject of a message: the file, and the YAML path of an inline value when there is one. */
export function locate(origin: string, path?: string): string {
  return path === undefined ? quotePath(origin) : `${quotePath(origin)} at ${path}`;
}

/** Python's `bytes.splitlines()` for ASCII text: `\n`, `\r\n` and a bare `\r` all end a line. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `binascii.unhexlify`: even length, hex digits of either case, nothing else (no whitespace). */
function unhex(hex: string, where: string, what: string): Uint8Array {
  if (hex.length % 2 !== 0) {
    throw new FormatError(`${where}: ansible vault ${what} has an odd number of hex digits; the file is truncated or damaged`);
  }
  if (!HEX_PAIR.test(hex)) {
    const bad = /[^0-9a-fA-F]/.exec(hex);
    const found = bad && /\s/.test(bad[0]) ? 'whitespace (indented or wrapped lines?)' : 'a character that is not hex';
    throw new FormatError(
      `${where}: ansible vault ${what} holds ${found}; a vault body is 80-column hex lines with no indentation (a merge conflict?)`,
    );
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function checkLabel(label: string): void {
  // The label sits in an ASCII, ';'-separated header line; Ansible rejects ';' in vault-ids too.
  if (label === '' || !/^[\x21-\x7e]+$/.test(label) || label.includes(';')) {
    throw new UsageError(`vault-id label ${JSON.stringify(label)} is not valid; use printable ASCII without spaces or ";"`);
  }
}

/** Parse envelope text the way Ansible reads it (CRLF and upper-case hex accepted). */
export function parseAnsibleVault(bytes: Uint8Array, origin: string, path?: string): AnsibleVaultText {
  const where = locate(origin, path);
  if (!isAnsibleVault(bytes)) {
    throw new FormatError(`${where}: not an ansible vault (no $ANSIBLE_VAULT header or non-ASCII bytes)`);
  }
  const lines = splitLines(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  const header = lines[0]!.trim().split(';').map((field) => field.trim());
  if (header.length < 3) {
    throw new FormatError(`${where}: ansible vault header ${JSON.stringify(lines[0]!.trim())} has too few fields`);
  }
  const [, version, cipher] = header as [string, string, string];
  if (version !== '1.1' && version !== '1.2') {
    throw new FormatError(`${where}: ansible vault version ${JSON.stringify(version)} is not supported; re-encrypt it with ansible-vault 2.4 or later (1.1/1.2)`);
  }
  if (cipher !== ANSIBLE_CIPHER) {
    throw new FormatError(`${where}: ansible vault cipher ${JSON.stringify(cipher)} is not supported; only AES256 is`);
  }
  const label = header.length >= 4 && header[3] !== '' ? header[3]! : null;
  const outer = unhex(lines.slice(1).join(''), where, 'body');
  const inner = Buffer.from(outer.buffer, outer.byteOffset, outer.byteLength).toString('latin1');
  // split(b"\n", 2): anything after a third "\n" stays in the ciphertext part and fails unhex.
  const first = inner.indexOf('\n');
  const second = first < 0 ? -1 : inner.indexOf('\n', first + 1);
  if (second < 0) {
    throw new FormatError(`${where}: ansible vault body lacks its salt, mac and ciphertext parts; the file is damaged`);
  }
  const salt = unhex(inner.slice(0, first), where, 'salt');
  const mac = unhex(inner.slice(first + 1, second), where, 'mac');
  const ciphertext = unhex(inner.slice(second + 1), where, 'ciphertext');
  if (mac.length !== 32) {
    throw new FormatError(`${where}: ansible vault mac is ${mac.length} bytes, expected 32; the file is damaged`);
  }
  // PKCS#7 always adds 1..16 bytes, so a valid ciphertext is a non-empty multiple of 16 bytes.
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new FormatError(`${where}: ansible vault ciphertext is ${ciphertext.length} bytes, not a multiple of 16; the file is truncated or damaged`);
  }
  return { version, label, salt, mac, ciphertext };
}

/** `format_vaulttext_envelope`: header line, lower-case double hex in 80-column lines, final "\n". */
export function serializeAnsibleVault(vault: AnsibleVaultText): Uint8Array {
  const header = [ANSIBLE_VAULT_MAGIC, vault.version, ANSIBLE_CIPHER];
  if (vault.version === '1.2') {
    if (vault.label === null) throw new UsageError('an ansible vault 1.2 header needs a vault-id label');
    checkLabel(vault.label);
    header.push(vault.label);
  }
  const inner = `${toHex(vault.salt)}\n${toHex(vault.mac)}\n${toHex(vault.ciphertext)}`;
  const body = Buffer.from(inner, 'latin1').toString('hex');
  const lines = [header.join(';')];
  for (let i = 0; i < body.length; i += ANSIBLE_LINE_WIDTH) lines.push(body.slice(i, i + ANSIBLE_LINE_WIDTH));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

interface DerivedKeys {
  cipherKey: Uint8Array;
  macKey: Uint8Array;
  counter: Uint8Array;
  wipe(): void;
}

/** PBKDF2-SHA256, 80 bytes: AES key, HMAC key, initial counter block (`_gen_key_initctr`). */
function deriveKeys(password: Uint8Array, salt: Uint8Array): Promise<DerivedKeys> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, ANSIBLE_PBKDF2_ITERATIONS, 80, 'sha256', (error, derived) => {
      if (error) return reject(error);
      const bytes = new Uint8Array(80);
      bytes.set(derived);
      derived.fill(0);
      resolve({
        cipherKey: bytes.subarray(0, 32),
        macKey: bytes.subarray(32, 64),
        counter: bytes.subarray(64, 80),
        wipe: () => bytes.fill(0),
      });
    });
  });
}

function ctr(keys: DerivedKeys, data: Uint8Array): Uint8Array {
  // Node's aes-256-ctr increments the whole 128-bit block big-endian, as `cryptography` does.
  const cipher = createCipheriv('aes-256-ctr', keys.cipherKey, keys.counter);
  const head = cipher.update(data);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  head.fill(0);
  return out;
}

function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** Try one password: null when the MAC does not verify (wrong password or tampered). */
export async function decryptAnsibleVault(vault: AnsibleVaultText, password: Uint8Array, where: string): Promise<Uint8Array | null> {
  const keys = await deriveKeys(password, vault.salt);
  try {
    const expected = hmac(keys.macKey, vault.ciphertext);
    // Encrypt-then-MAC over the ciphertext only; compared in constant time (SECURITY.md §3.8).
    if (!timingSafeEqual(expected, vault.mac)) return null;
    const padded = ctr(keys, vault.ciphertext);
    const pad = padded[padded.length - 1]!;
    let valid = pad >= 1 && pad <= 16;
    for (let i = padded.length - pad; valid && i < padded.length; i++) valid = padded[i] === pad;
    if (!valid) {
      padded.fill(0);
      throw new FormatError(`${where}: ansible vault padding is invalid although its mac verified; the writer was faulty`);
    }
    const plaintext = padded.slice(0, padded.length - pad);
    padded.fill(0);
    return plaintext;
  } finally {
    keys.wipe();
  }
}

/** Encrypt PLAINTEXT under PASSWORD with a fresh 32-byte salt from RANDOM (`VaultAES256.encrypt`). */
export async function sealAnsibleVault(
  plaintext: Uint8Array,
  password: Uint8Array,
  options: AnsibleSealOptions = {},
  random: RandomSource,
): Promise<Uint8Array> {
  if (password.length === 0) throw new UsageError('the ansible vault password is empty; give a non-empty password');
  if (isAnsibleVault(plaintext)) {
    const what = options.origin ? quotePath(options.origin) : 'input';
    throw new UsageError(`${what}: is already an ansible vault; decrypt it first or use "vault rekey"`);
  }
  const label = options.label ?? null;
  const version = options.version ?? (label !== null && label !== ANSIBLE_DEFAULT_LABEL ? '1.2' : '1.1');
  if (version === '1.2' && label === null) throw new UsageError('an ansible vault 1.2 header needs a vault-id label');
  if (label !== null) checkLabel(label);
  if (options.salt !== undefined && options.salt.length === 0) throw new UsageError('the ansible vault salt is empty; unset ANSIBLE_VAULT_ENCRYPT_SALT or give a salt');
  const salt = options.salt ?? random(ANSIBLE_SALT_LENGTH);
  const pad = 16 - (plaintext.length % 16);
  const padded = new Uint8Array(plaintext.length + pad);
  padded.set(plaintext);
  padded.fill(pad, plaintext.length);
  const keys = await deriveKeys(password, salt);
  try {
    const ciphertext = ctr(keys, padded);
    const mac = hmac(keys.macKey, ciphertext);
    return serializeAnsibleVault({ version, label: version === '1.2' ? label : null, salt, mac, ciphertext });
  } finally {
    padded.fill(0);
    keys.wipe();
  }
}

/** Python's `bytes.strip()` (ASCII whitespace both ends): how Ansible reads a password file. */
export function stripAnsiblePassword(password: Uint8Array): Uint8Array {
  const space = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
  let start = 0;
  let end = password.length;
  while (start < end && space(password[start]!)) start++;
  while (end > start && space(password[end - 1]!)) end--;
  return password.subarray(start, end);
}

/**
 * Credentials in Ansible's order: those whose label matches the vault's first, then the rest
 * (decrypt_and_get_vault_id; a 1.1 vault asks for "default"). With ID_MATCH
 * (ANSIBLE_VAULT_ID_MATCH), only the matching ones.
 */
export function orderByLabel(credentials: readonly Credential[], label: string | null, idMatch = false): Credential[] {
  const passwords = credentials.filter((c) => c.kind === 'password');
  const wanted = label ?? ANSIBLE_DEFAULT_LABEL;
  // An unlabelled source (vaultfile's own --password-file) counts as Ansible's "default" vault-id.
  const first = passwords.filter((c) => c.kind === 'password' && (c.label ?? ANSIBLE_DEFAULT_LABEL) === wanted);
  return idMatch ? first : [...first, ...passwords.filter((c) => !first.includes(c))];
}

/**
 * The bytes a credential seals Ansible output with. Ansible's secrets are already stripped the way
 * Ansible strips them; vaultfile's own sources (--password-file strips one newline) are stripped
 * here too, so `ansible-vault --vault-password-file SAMEFILE` opens the result.
 */
export function ansiblePasswordOf(credential: Credential & { kind: 'password' }): Uint8Array {
  if (credential.label !== undefined) return credential.password;
  const stripped = stripAnsiblePassword(credential.password);
  if (stripped.length === 0) throw new UsageError(`${credential.origin}: the password is only blanks, which Ansible reads as empty; choose another password`);
  return stripped;
}

/** How a credential is named in messages: its origin, with the label unless the origin shows it. */
export function describeCredential(credential: Credential): string {
  return credential.kind === 'password' && credential.label !== undefined && credential.label !== ANSIBLE_DEFAULT_LABEL &&
    !credential.origin.includes(`${credential.label}@`)
    ? `${credential.label}@${credential.origin}`
    : credential.origin;
}

export interface AnsibleOpenOptions {
  /** ANSIBLE_VAULT_ID_MATCH: try only the secrets whose label is the vault's ("default" for 1.1). */
  idMatch?: boolean;
}

/**
 * Open an Ansible vault with the first credential that verifies, trying the label match first.
 * A password given through a vaultfile source (one newline stripped) is also tried stripped the
 * way Ansible strips it, so a file written for ansible-vault opens either way.
 */
export async function openAnsibleVault(
  bytes: Uint8Array,
  credentials: readonly Credential[],
  origin: string,
  path?: string,
  options: AnsibleOpenOptions = {},
): Promise<AnsibleOpened> {
  const where = locate(origin, path);
  const vault = parseAnsibleVault(bytes, origin, path);
  const ordered = orderByLabel(credentials, vault.label, options.idMatch);
  if (ordered.length === 0 && options.idMatch && credentials.some((c) => c.kind === 'password')) {
    const label = vault.label ?? ANSIBLE_DEFAULT_LABEL;
    throw new NoKeyError(`${where}: ANSIBLE_VAULT_ID_MATCH is set and no vault-id has the label ${JSON.stringify(label)} this vault asks for; pass --vault-id ${label}@FILE`);
  }
  if (ordered.length === 0) {
    const keyFiles = credentials.length > 0 ? ' (key files cannot open ansible vaults)' : '';
    throw new NoKeyError(`${where}: is an ansible vault and needs a password${keyFiles}; pass --vault-id LABEL@FILE or --password-file FILE`);
  }
  for (const credential of ordered) {
    if (credential.kind !== 'password') continue;
    const candidates = [credential.password];
    const stripped = stripAnsiblePassword(credential.password);
    if (stripped.length > 0 && stripped.length !== credential.password.length) candidates.push(stripped);
    for (const password of candidates) {
      const plaintext = await decryptAnsibleVault(vault, password, where);
      if (plaintext) {
        return {
          plaintext,
          label: credential.label ?? vault.label ?? ANSIBLE_DEFAULT_LABEL,
          version: vault.version,
          headerLabel: vault.label,
          credential,
          password,
        };
      }
    }
  }
  const wanted = vault.label === null ? '' : ` (sealed for vault-id ${JSON.stringify(vault.label)})`;
  const tried = ordered.map(describeCredential).join(', ');
  throw new AuthError(`${where}: no password opened this ansible vault${wanted}; tried ${tried}; check the password or add --vault-id LABEL@FILE`);
}
