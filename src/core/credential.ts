/**
 * A credential: one way into a keyring, as resolved by the shell from a key source. The core only
 * reads the bytes; it never learns where they came from beyond `origin`, a description safe to
 * print ('--password-file "pw.txt"'), never the secret itself.
 */

export type Credential =
  | { kind: 'password'; password: Uint8Array; origin: string; label?: string }
  | { kind: 'key-file'; key: Uint8Array; origin: string };

/** Zero the secret bytes of credentials once a command is done with them (best effort). */
export function wipeCredentials(credentials: readonly Credential[]): void {
  for (const credential of credentials) {
    if (credential.kind === 'password') credential.password.fill(0);
    else credential.key.fill(0);
  }
}
