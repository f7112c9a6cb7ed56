/**
 * Adding public-key and KMS entries to an unlocked keyring (docs/FORMAT.md §5.5): needs no secret
 * of the recipient, only the keyring's data key (and kms:Encrypt for a KMS entry).
 */
import { UsageError } from '../errors.js';
import type { RandomSource } from './random.js';
import { checkAddable, newEntryId, type UnlockedKeyring } from './keyring.js';
import { recipientOf, sealPublicEntry, type KmsAccess, type PublicEntry, type PublicEntryFields } from './public-entry.js';

/**
 * Add an entry for a public recipient or a KMS key: needs no secret of the recipient (a KMS
 * entry needs kms:Encrypt through `kms`). `fields` has everything but the id.
 */
export async function addPublicEntry(
  unlocked: UnlockedKeyring, fields: DistributiveOmit<PublicEntryFields, 'id'>, random: RandomSource, kms?: KmsAccess,
): Promise<UnlockedKeyring> {
  const { keyring, dataKey } = unlocked;
  checkAddable(keyring, fields.label);
  const probe = { ...fields, id: '', wrapped: new Uint8Array(0), commit: new Uint8Array(0) } as PublicEntry;
  const recipient = recipientOf(probe);
  const twin = keyring.entries.find((e) => e.kind === probe.kind && recipientOf(e as PublicEntry) === recipient);
  if (twin) throw new UsageError(`keyring "${keyring.name}" already has ${recipient.slice(0, 40)}… as entry "${twin.label}"`);
  const entry = await sealPublicEntry({ ...fields, id: newEntryId(keyring, random) } as PublicEntryFields, dataKey, {
    keyringName: keyring.name, random, ...(kms ? { kms } : {}),
  });
  return { ...unlocked, keyring: { ...keyring, entries: [...keyring.entries, entry], mac: null } };
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

