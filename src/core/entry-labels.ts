/**
 * The labels of new keyring entries, shared by everything that adds them (init, keys add, the
 * git-crypt migration): a credential's default label, and labels for a batch of public recipients.
 * Pure: the names taken are passed in.
 */
import type { Credential } from './credential.js';
import { LABEL_PATTERN } from './entry.js';
import type { DistributiveOmit } from './keyring-public.js';
import type { PublicEntryFields } from './public-entry.js';

/** A public recipient ready to be added; `origin` names where it was given, for messages. */
export type NewPublicEntry = DistributiveOmit<PublicEntryFields, 'id'> & { origin: string };
/** A recipient before it has a label; an SSH key's comment may become its label. */
export type UnlabelledEntry = DistributiveOmit<NewPublicEntry, 'label'> & { comment?: string };

/** A default label: "password", "key-file", numbered when there are several. */
export function entryLabel(credential: Credential, index: number): string {
  // An Ansible vault-id's label names the entry; "default" (no label given) says nothing, so it does not.
  const base =
    credential.kind !== 'password' ? credential.kind : credential.label !== undefined && credential.label !== 'default' ? credential.label : 'password';
  return index === 0 ? base : `${base}-${index + 1}`;
}

/** Give each new entry a label: `first` for the first, else the SSH comment, else KIND-N. */
export function labelEntries(entries: UnlabelledEntry[], taken: string[], first?: string): NewPublicEntry[] {
  const used = new Set(taken);
  return entries.map((entry, index) => {
    const { comment, ...rest } = entry;
    let label = index === 0 && first !== undefined ? first : comment && LABEL_PATTERN.test(comment) && !used.has(comment) ? comment : '';
    for (let n = used.size + 1; label === '' || (used.has(label) && !(index === 0 && first !== undefined)); n++) label = `${entry.kind}-${n}`;
    used.add(label);
    return { ...rest, label } as NewPublicEntry;
  });
}
