/**
 * The one rule for keyring names (docs/FORMAT.md §3.1, §5.1). A keyring name becomes a file name
 * (`.vaultfile/keyrings/<name>.keyring`, `<git dir>/vaultfile/keys/<name>.key`), an Ansible 1.2
 * vault-id label and a KMS encryption context, and it is read from committed files an attacker may
 * write: envelope headers, keyring files, the policy. So every reader and writer asks this module,
 * and the rule is the strictest one that every name vaultfile has written satisfies. Pure.
 */

export const MAX_KEYRING_NAME_LENGTH = 64;

// A letter or digit first: no hidden file (".x"), no option look-alike ("-x"). "@" is out: it
// separates the label from the source in Ansible's --vault-id LABEL@SOURCE.
const KEYRING_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The rule in words, for messages that tell the user what to type instead. */
export const KEYRING_NAME_RULE = 'a letter or digit, then up to 63 letters, digits, ".", "_" or "-", with no ".."';

/** True when NAME may name a keyring: the rule above, and no ".." (never a parent directory). */
export function isKeyringName(name: string): boolean {
  return KEYRING_NAME.test(name) && !name.includes('..');
}
