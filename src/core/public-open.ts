/**
 * Opening public-key and KMS entries with identity and KMS credentials (docs/FORMAT.md §5.5):
 * which credential applies to which entry (by recipient, so an unrelated key is never asked for
 * its passphrase), and the unwrap itself. A KMS refusal is remembered as a note for the error
 * that lists what was tried; it does not stop the other entries from being tried.
 */
import { AuthError, NoKeyError } from '../errors.js';
import type { Credential } from './credential.js';
import type { Keyring } from './keyring.js';
import { quotePath } from '../errors.js';
import {
  acceptDataKey, describeRecipient, kmsContext, recipientOf, type PublicEntry,
} from './public-entry.js';

/** True when `credential` can be tried on `entry` at all. */
export function appliesTo(entry: PublicEntry, credential: Credential): boolean {
  if (entry.kind === 'kms') return credential.kind === 'kms';
  if (credential.kind !== 'identity') return false;
  if (credential.recipients === null) return entry.kind === 'age';
  return credential.recipients.includes(recipientOf(entry));
}

/**
 * The data key if `credential` opens `entry`, else null (wrong identity, tampered entry, or a
 * KMS refusal, whose reason is pushed to `notes`). Other errors (a cancelled prompt) propagate.
 */
/** Why an entry did not open; `auth` when a key was refused (class 4), not merely missing. */
export interface OpenNote { text: string; auth: boolean }

export async function openPublicEntry(
  entry: PublicEntry, credential: Credential, keyringName: string, dataKeyId: Uint8Array, notes: OpenNote[],
): Promise<Uint8Array | null> {
  if (credential.kind === 'kms' && entry.kind === 'kms') {
    try {
      const dataKey = await credential.kms.decrypt(entry.keyArn, entry.wrapped, kmsContext(keyringName));
      return acceptDataKey(entry, dataKey, dataKeyId);
    } catch (error) {
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      notes.push({ text: `kms entry "${entry.label}": ${error.message}`, auth: error instanceof AuthError });
      return null;
    }
  }
  if (credential.kind !== 'identity' || entry.kind === 'kms') return null;
  try {
    return acceptDataKey(entry, await credential.open(entry.wrapped), dataKeyId);
  } catch (error) {
    // A key that cannot be used here (a passphrase and no terminal): note it, try the others.
    if (!(error instanceof NoKeyError)) throw error;
    notes.push({ text: error.message, auth: false });
    return null;
  }
}

/**
 * No identity or KMS credential opened an entry: say which entries exist and what was tried, so
 * the user can tell a missing key from a wrong one (and class 5 when nothing applied at all).
 */
export function noEntryOpens(keyring: Keyring, credentials: Credential[], notes: OpenNote[], tried: boolean): Error {
  const entries = keyring.entries.map((e) => {
    const isPublic = e.kind === 'age' || e.kind === 'ssh' || e.kind === 'kms';
    return `${e.kind} "${e.label}"${isPublic ? ` ${describeRecipient(e as PublicEntry).fingerprint}` : ''}`;
  }).join(', ');
  const sources = credentials.map((c) => c.origin).join(', ') || 'none';
  const detail = notes.length > 0 ? ` (${notes.map((n) => n.text).join('; ')})` : '';
  const message = `${quotePath(keyring.origin)}: no key opens this keyring; its entries: ${entries}; tried: ${sources}${detail}; ` +
    'pass --identity, --key-file or --password-file, or run "vault keys list"';
  // A key that was tried and refused (or a refusing KMS) is class 4; nothing usable is class 5.
  const refused = (tried && notes.length === 0) || notes.some((n) => n.auth);
  return refused ? new AuthError(message) : new NoKeyError(message);
}

