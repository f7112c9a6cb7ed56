/**
 * A credential: one way into a keyring, as resolved by the shell from a key source. The core only
 * reads the bytes; it never learns where they came from beyond `origin`, a description safe to
 * print ('--password-file "pw.txt"'), never the secret itself. Identity and KMS credentials are
 * capabilities: the core asks them to unwrap an entry and never sees their secret at all.
 */
import type { KmsAccess } from './public-entry.js';

export type Credential =
  | { kind: 'password'; password: Uint8Array; origin: string; label?: string }
  | { kind: 'key-file'; key: Uint8Array; origin: string }
  | IdentityCredential
  | { kind: 'kms'; kms: KmsAccess; origin: string };

/**
 * An age identity or OpenSSH private key. `recipients` are its public recipients (`age1…`,
 * `ssh-ed25519 AAAA…`), matched against entries before `open` is called, so a
 * passphrase-protected key prompts only for an entry that is its own; null means unknown (an age
 * plugin): tried on every age entry. `open` takes an entry's age file and returns its plaintext,
 * or null when the identity is not one of its recipients or the file does not verify.
 */
export interface IdentityCredential {
  kind: 'identity';
  origin: string;
  recipients: string[] | null;
  open(ageFile: Uint8Array): Promise<Uint8Array | null>;
}

/** Credentials that carry a secret the user must have given (not an identity or the ambient KMS). */
export function isSecretCredential(credential: Credential): credential is Extract<Credential, { kind: 'password' | 'key-file' }> {
  return credential.kind === 'password' || credential.kind === 'key-file';
}

/** Zero the secret bytes of credentials once a command is done with them (best effort). */
export function wipeCredentials(credentials: readonly Credential[]): void {
  for (const credential of credentials) {
    if (credential.kind === 'password') credential.password.fill(0);
    else if (credential.kind === 'key-file') credential.key.fill(0);
  }
}
