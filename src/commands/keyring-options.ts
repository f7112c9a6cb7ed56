/** The labels of new keyring entries, shared by the commands that add them (init, keys add). */
import type { Credential } from '../core/credential.js';

/** A default label: "password", "key-file", numbered when there are several. */
export function entryLabel(credential: Credential, index: number): string {
  // An Ansible vault-id's label names the entry; "default" (no label given) says nothing, so it does not.
  const base =
    credential.kind !== 'password' ? credential.kind : credential.label !== undefined && credential.label !== 'default' ? credential.label : 'password';
  return index === 0 ? base : `${base}-${index + 1}`;
}
