/**
 * Adding and removing the entries of a repository keyring (`vault keys add|remove`). Only the
 * keyring file is rewritten, never an encrypted file (DESIGN.md §3). Adding opens the keyring with
 * a key it already has: public recipients and KMS keys need nothing more; secret keys are either
 * named (--new-password-file, --new-key-file) or are the keys given that the keyring does not know.
 * Each operation returns what it did; prints nothing.
 */
import { isSecretCredential, type Credential } from '../core/credential.js';
import { entryLabel, labelEntries, type UnlabelledEntry } from '../core/entry-labels.js';
import type { ScryptParams } from '../core/kdf.js';
import { addEntry, openKeyring, removeEntry, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { addPublicEntry } from '../core/keyring-public.js';
import { systemRandom } from '../core/random.js';
import { AuthError, NoKeyError, UsageError, quotePath } from '../errors.js';
import type { KeyContext } from '../keys/key-sources.js';
import { kmsOf, openWithKeys } from '../keys/open-keyring.js';
import { readRepoKeyring, writeKeyring } from './repo.js';

/** A keyring file as `readRepoKeyring` returns it. */
export interface KeyringFileRef {
  path: string;
  keyring: Keyring;
}

export interface AddEntriesRequest {
  keys: KeyContext;
  /** Public recipients and KMS keys; when there are any, only they are added. */
  recipients: UnlabelledEntry[];
  /** Secret keys named to be added; none: the keys given that do not open the keyring. */
  newCredentials: Credential[];
  /** The first new entry's label (--label). */
  label?: string;
  /** The scrypt parameters of new password entries; asked only once secret keys are being added. */
  params: () => ScryptParams;
}

export interface AddedEntry {
  kind: string;
  label: string;
  /** How the user gave it, for messages: '--new-key-file "ci.key"', '--recipient'. */
  origin: string;
}

export interface AddEntriesReport {
  keyring: string;
  path: string;
  added: AddedEntry[];
}

export interface RemoveEntryReport {
  keyring: string;
  path: string;
  /** The id or label the entry was named by. */
  removed: string;
  /** The keyring as written, without the entry. */
  remaining: Keyring;
}

/** Split the given credentials into those that open the keyring and those that do not. */
async function splitCredentials(keys: KeyContext, keyring: Keyring, credentials: Credential[]) {
  const opening: Credential[] = [];
  const others: Credential[] = [];
  let unlocked: UnlockedKeyring | null = null;
  for (const credential of credentials) {
    try {
      const opened = await openKeyring(keyring, [credential], keys.kdf);
      unlocked ??= opened;
      opening.push(credential);
    } catch (error) {
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      others.push(credential);
    }
  }
  return { unlocked, opening, others };
}

/** Add public recipients: only public data goes in, the keyring is opened with a key it already has. */
async function addRecipients(file: KeyringFileRef, request: AddEntriesRequest): Promise<{ unlocked: UnlockedKeyring; added: AddedEntry[] }> {
  let unlocked = await openWithKeys(file.keyring, request.keys);
  const kms = await kmsOf(request.keys);
  const added: AddedEntry[] = [];
  for (const entry of labelEntries(request.recipients, unlocked.keyring.entries.map((e) => e.label), request.label)) {
    const { origin, ...fields } = entry;
    unlocked = await addPublicEntry(unlocked, fields, systemRandom, kms);
    added.push({ kind: entry.kind, label: entry.label, origin });
  }
  return { unlocked, added };
}

/** Add password and key-file entries: the named ones, else the keys given that the keyring does not know. */
async function addSecrets(file: KeyringFileRef, request: AddEntriesRequest): Promise<{ unlocked: UnlockedKeyring; added: AddedEntry[] }> {
  const { keys } = request;
  const given = await keys.credentials();
  let unlocked: UnlockedKeyring | null;
  let adding: Credential[];
  if (request.newCredentials.length > 0) {
    unlocked = await openKeyring(file.keyring, given, keys.kdf);
    adding = request.newCredentials;
  } else {
    const split = await splitCredentials(keys, file.keyring, given);
    unlocked = split.unlocked;
    // Identities and KMS open entries; they are added by their public recipient (--recipient).
    adding = split.others.filter(isSecretCredential);
  }
  if (!unlocked) throw new AuthError(`no given key opens keyring ${quotePath(file.keyring.name)}; give one of its keys too (see "vault keys list")`);
  if (adding.length === 0) throw new UsageError('every key given is already in the keyring; give the new one with --new-password-file or --new-key-file');
  const params = request.params();
  const added: AddedEntry[] = [];
  for (const [index, credential] of adding.entries()) {
    const label = index === 0 && request.label !== undefined ? request.label : entryLabel(credential, unlocked.keyring.entries.length);
    unlocked = await addEntry(unlocked, credential, label, keys.kdf, systemRandom, params);
    added.push({ kind: credential.kind, label, origin: credential.origin });
  }
  return { unlocked, added };
}

/** Add entries to the keyring FILE (read by the caller, who reports its errors first) and write it. */
export async function addKeyringEntries(file: KeyringFileRef, request: AddEntriesRequest): Promise<AddEntriesReport> {
  const { unlocked, added } = request.recipients.length > 0 ? await addRecipients(file, request) : await addSecrets(file, request);
  await writeKeyring(file.path, unlocked);
  return { keyring: file.keyring.name, path: file.path, added };
}

/** Remove entry ENTRY (id or label) from keyring NAME of the repository around CWD; never the last one. */
export async function removeKeyringEntry(name: string, entry: string, keys: KeyContext, cwd: string): Promise<RemoveEntryReport> {
  const { path, keyring } = await readRepoKeyring(name, cwd);
  const unlocked = await openWithKeys(keyring, keys);
  const remaining = removeEntry(unlocked, entry);
  if (remaining.keyring.entries.length === 0) throw new NoKeyError('that is the last entry; add another key first so the files stay readable');
  await writeKeyring(path, remaining);
  return { keyring: keyring.name, path, removed: entry, remaining: remaining.keyring };
}
