/**
 * Keyring entries that need no shared secret (docs/FORMAT.md §5.5): `age` (an age recipient),
 * `ssh` (an ssh-ed25519 or ssh-rsa public key, as age's ssh recipients) and `kms` (an AWS KMS key).
 * The data key of an age or ssh entry is wrapped as a standard age file, so `age -d` opens it;
 * a kms entry holds a KMS ciphertext blob whose encryption context binds the keyring name.
 * Sealing needs only public data (or kms:Encrypt), which is what lets `vault rotate` re-wrap these
 * entries by itself. Opening checks the data key id and a commitment keyed from the data key.
 * Entry types this version does not know are kept verbatim and make the keyring read-only.
 * Pure: KMS is reached only through the KmsAccess the caller passes. age-encryption and the curve
 * code are imported when an entry is sealed or opened, not when a keyring is parsed.
 */
import type { Identity } from 'age-encryption';
import { AuthError, FormatError } from '../errors.js';
import type { RandomSource } from './random.js';
import { concatBytes, equalBytes, utf8, wipe } from './bytes.js';
import { decodeBase64, encodeBase64 } from './armour.js';
import { DATA_KEY_LENGTH, LABELS, dataKeyIdOf, hkdfSha256, hmacSha256 } from './derive.js';
import { formatSshPublicKey, parseSshWire, sshFingerprint, type SshPublicKey } from './ssh-key.js';

/** The KMS operations an entry needs; the shell implements them with @aws-sdk/client-kms. */
export interface KmsAccess {
  encrypt(keyArn: string, plaintext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
  decrypt(keyArn: string, blob: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

interface PublicBase { id: string; label: string; commit: Uint8Array }
export interface AgeEntry extends PublicBase { kind: 'age'; recipient: string; wrapped: Uint8Array }
export interface SshEntry extends PublicBase { kind: 'ssh'; key: SshPublicKey; wrapped: Uint8Array }
export interface KmsEntry extends PublicBase { kind: 'kms'; keyArn: string; wrapped: Uint8Array }
/** An entry type added by a newer vaultfile: never opened, never rewritten (FORMAT.md §5.5.5). */
export interface UnknownEntry { kind: 'unknown'; id: string; label: string; type: string; text: string }
export type PublicEntry = AgeEntry | SshEntry | KmsEntry;

export const PUBLIC_KINDS = ['age', 'ssh', 'kms'] as const;
export const ENTRY_TYPE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** Native X25519 (`age1…`) and post-quantum hybrid (`age1pq1…`) recipients, Bech32 lower case. */
const AGE_RECIPIENT = /^age1(pq1)?[023456789acdefghjklmnpqrstuvwxyz]{50,2100}$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]{1,32}):([0-9]{12}):(key\/[A-Za-z0-9-]{1,128}|alias\/[A-Za-z0-9/_-]{1,250})$/;
/** The most an age file wrapping a 32-byte key can take: a post-quantum stanza is ~1.6 KB. */
const MAX_WRAPPED = 4096;
const MAX_KMS_BLOB = 6144;
export const KMS_CONTEXT_KEY = 'vaultfile:keyring';

export function isKmsArn(value: string): boolean {
  return KMS_ARN.test(value);
}

/** The region of a KMS key or alias ARN: where the SDK must send the request. */
export function kmsRegion(keyArn: string): string {
  return (KMS_ARN.exec(keyArn) as RegExpExecArray)[1] as string;
}

export function isAgeRecipient(value: string): boolean {
  return AGE_RECIPIENT.test(value);
}

/** The encryption context of a kms entry: binds the blob to the keyring it belongs to. */
export function kmsContext(keyringName: string): Record<string, string> {
  return { [KMS_CONTEXT_KEY]: keyringName === '' ? '(inline)' : keyringName };
}

/** What `vault keys list` shows as the recipient and its fingerprint. */
export function describeRecipient(entry: PublicEntry): { recipient: string; fingerprint: string } {
  if (entry.kind === 'age') {
    return { recipient: entry.recipient, fingerprint: `SHA256:${encodeBase64(hashOf(entry.recipient)).replace(/=+$/, '')}` };
  }
  if (entry.kind === 'ssh') return { recipient: formatSshPublicKey(entry.key), fingerprint: sshFingerprint(entry.key) };
  return { recipient: entry.keyArn, fingerprint: `SHA256:${encodeBase64(hashOf(entry.keyArn)).replace(/=+$/, '')}` };
}

function hashOf(text: string): Uint8Array {
  return hmacSha256(utf8('vaultfile/v1 recipient fingerprint'), utf8(text)).subarray(0, 12);
}

/** The public recipient a credential must match: `age1…`, `ssh-ed25519 AAAA…`, or the KMS ARN. */
export function recipientOf(entry: PublicEntry): string {
  return describeRecipient(entry).recipient;
}

export function publicEntryBody(entry: PublicEntry | UnknownEntry): string {
  if (entry.kind === 'unknown') return entry.text;
  const head = `${entry.id} ${entry.kind} ${entry.label}`;
  if (entry.kind === 'age') return `${head} recipient=${entry.recipient} age=${encodeBase64(entry.wrapped)}`;
  if (entry.kind === 'ssh') return `${head} ssh-key=${encodeBase64(entry.key.wire)} age=${encodeBase64(entry.wrapped)}`;
  return `${head} key=${entry.keyArn} blob=${encodeBase64(entry.wrapped)}`;
}

export function formatPublicEntry(entry: PublicEntry | UnknownEntry): string {
  if (entry.kind === 'unknown') return entry.text;
  return `${publicEntryBody(entry)} commit=${encodeBase64(entry.commit)}`;
}

const LINES = {
  age: /^recipient=([^ ]+) age=([^ ]+) commit=([^ ]+)$/,
  ssh: /^ssh-key=([^ ]+) age=([^ ]+) commit=([^ ]+)$/,
  kms: /^key=([^ ]+) blob=([^ ]+) commit=([^ ]+)$/,
};

/** Parse the fields after `ID TYPE LABEL ` of an age, ssh or kms entry; `bad` makes the error. */
export function parsePublicEntry(
  id: string, kind: (typeof PUBLIC_KINDS)[number], label: string, rest: string, bad: (detail: string) => FormatError,
): PublicEntry {
  const match = LINES[kind].exec(rest);
  if (!match) throw bad(`not a valid ${kind} entry line`);
  const [, first, wrappedText, commitText] = match as unknown as [string, string, string, string];
  const max = kind === 'kms' ? MAX_KMS_BLOB : MAX_WRAPPED;
  const wrapped = decodeBase64(wrappedText);
  if (wrapped === null || wrapped.length === 0 || wrapped.length > max) throw bad(`the wrapped key must be 1 to ${max} bytes of canonical base64`);
  const commit = decodeBase64(commitText);
  if (commit === null || commit.length !== 32) throw bad('commit must be 32 bytes of canonical base64');
  if (kind === 'age') {
    if (!isAgeRecipient(first)) throw bad('recipient is not an age1… recipient');
    return { kind, id, label, recipient: first, wrapped, commit };
  }
  if (kind === 'kms') {
    if (!isKmsArn(first)) throw bad('key is not a KMS key or alias ARN');
    return { kind, id, label, keyArn: first, wrapped, commit };
  }
  const wire = decodeBase64(first);
  if (wire === null) throw bad('ssh-key is not canonical base64');
  let key: SshPublicKey;
  try {
    key = parseSshWire(wire, 'ssh-key');
  } catch (error) {
    throw bad((error as Error).message);
  }
  return { kind, id, label, key, wrapped, commit };
}

function commitment(dataKey: Uint8Array, entry: PublicEntry): Uint8Array {
  const key = hkdfSha256(dataKey, new Uint8Array(0), LABELS.publicEntryCommit, 32);
  try {
    return hmacSha256(key, concatBytes(utf8(`${LABELS.entryCommit}\n`), dataKeyIdOf(dataKey), utf8(`\n${publicEntryBody(entry)}`)));
  } finally {
    wipe(key);
  }
}

/** What sealing a public entry needs beyond the entry itself. */
export interface SealContext {
  keyringName: string;
  random: RandomSource;
  kms?: KmsAccess;
}

export type PublicEntryFields =
  | Omit<AgeEntry, 'wrapped' | 'commit'>
  | Omit<SshEntry, 'wrapped' | 'commit'>
  | Omit<KmsEntry, 'wrapped' | 'commit'>;

/** Wrap `dataKey` for the entry's recipient or KMS key and compute its commitment. */
export async function sealPublicEntry(fields: PublicEntryFields, dataKey: Uint8Array, context: SealContext): Promise<PublicEntry> {
  let wrapped: Uint8Array;
  if (fields.kind === 'kms') {
    if (!context.kms) throw new AuthError(`kms entry "${fields.label}": no access to AWS KMS (--no-kms was given)`);
    wrapped = await context.kms.encrypt(fields.keyArn, dataKey, kmsContext(context.keyringName));
  } else {
    const { Encrypter } = await import('age-encryption');
    const encrypter = new Encrypter();
    if (fields.kind === 'age') {
      try {
        encrypter.addRecipient(fields.recipient);
      } catch {
        throw new FormatError(`${fields.recipient.slice(0, 24)}…: not a recipient this vaultfile can encrypt to (only X25519 and post-quantum age recipients; plugins cannot be added)`);
      }
    } else {
      const { SshRecipient } = await import('./age-ssh.js');
      encrypter.addRecipient(new SshRecipient(fields.key, context.random));
    }
    wrapped = await encrypter.encrypt(dataKey);
  }
  const entry = { ...fields, wrapped, commit: new Uint8Array(32) } as PublicEntry;
  entry.commit = commitment(dataKey, entry);
  return entry;
}

/** Unwrap an age or ssh entry with age identities; null when none of them is its recipient. */
export async function openAgeFile(wrapped: Uint8Array, identities: (string | Identity)[]): Promise<Uint8Array | null> {
  const { Decrypter } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  try {
    return await decrypter.decrypt(wrapped);
  } catch {
    // No matching stanza, a tampered header or payload: all one outcome for the caller.
    return null;
  }
}

/** Check that an unwrapped data key belongs to this keyring and to this entry; wipe it if not. */
export function acceptDataKey(entry: PublicEntry, dataKey: Uint8Array | null, dataKeyId: Uint8Array): Uint8Array | null {
  if (dataKey === null) return null;
  if (dataKey.length !== DATA_KEY_LENGTH || !equalBytes(dataKeyIdOf(dataKey), dataKeyId) || !equalBytes(commitment(dataKey, entry), entry.commit)) {
    wipe(dataKey);
    return null;
  }
  return dataKey;
}

/** The age recipient of an `AGE-SECRET-KEY-1…` or `AGE-SECRET-KEY-PQ-1…` identity string. */
export async function ageRecipientOf(identity: string): Promise<string> {
  const { identityToRecipient } = await import('age-encryption');
  return identityToRecipient(identity);
}
