/**
 * Opening a keyring with everything a command has (DESIGN.md §5): the key sources the user named
 * plus AWS KMS; or, when none is named, first the default identity files and KMS on the entries
 * they match, and only then today's path (the prompt on a terminal, else "no key given"). So a
 * keyring of passwords behaves exactly as before, and a key at ~/.ssh/id_ed25519 that belongs to
 * no entry is never read past its public half.
 */
import type { Credential } from '../core/credential.js';
import { openKeyring, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { appliesTo } from '../core/public-open.js';
import type { KmsAccess, PublicEntry } from '../core/public-entry.js';
import { AuthError, NoKeyError } from '../errors.js';
import { NoKeyGivenError, namedKeySources, type KeyContext } from './key-sources.js';

function applicable(keyring: Keyring, credentials: Credential[]): Credential[] {
  const publicEntries = keyring.entries.filter((e): e is PublicEntry => e.kind === 'age' || e.kind === 'ssh' || e.kind === 'kms');
  return credentials.filter((c) => publicEntries.some((entry) => appliesTo(entry, c)));
}

/** Unlock `keyring` with the command's key sources, as described above. */
export async function openWithKeys(keyring: Keyring, keys: KeyContext): Promise<UnlockedKeyring> {
  return (await openWithKeysUsing(keyring, keys)).unlocked;
}

/** The same, with the credentials that were tried (what `vault rotate` re-wraps secret entries for). */
export async function openWithKeysUsing(keyring: Keyring, keys: KeyContext): Promise<{ unlocked: UnlockedKeyring; credentials: Credential[] }> {
  const ambient = await keys.ambient();
  if (namedKeySources(keys.options, keys.env).any) {
    const credentials = [...(await keys.credentials()), ...applicable(keyring, ambient)];
    return { unlocked: await openKeyring(keyring, credentials, keys.kdf), credentials };
  }
  const matching = applicable(keyring, ambient);
  let failure: unknown = null;
  if (matching.length > 0) {
    try {
      return { unlocked: await openKeyring(keyring, matching, keys.kdf), credentials: matching };
    } catch (error) {
      if (!(error instanceof AuthError) && !(error instanceof NoKeyError)) throw error;
      failure = error;
    }
  }
  try {
    const credentials = await keys.credentials();
    return { unlocked: await openKeyring(keyring, credentials, keys.kdf), credentials: [...credentials, ...matching] };
  } catch (error) {
    // Nothing named and nothing ambient opened it: the ambient failure says what was tried.
    if (failure !== null && error instanceof NoKeyGivenError) throw failure;
    throw error;
  }
}

/** The KMS access of this command (for sealing KMS entries), or undefined with --no-kms. */
export async function kmsOf(keys: KeyContext): Promise<KmsAccess | undefined> {
  const kms = (await keys.ambient()).find((c) => c.kind === 'kms');
  return kms?.kms;
}
