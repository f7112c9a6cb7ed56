/**
 * A new keyring file in a repository: a fresh random data key wrapped for each credential given,
 * and for each public recipient (`vault init --identity`), written exclusively (an existing keyring is never replaced). Shared by `vault init` and
 * `vault migrate --from git-crypt`. Prints nothing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Credential } from '../core/credential.js';
import type { KdfCache, ScryptParams } from '../core/kdf.js';
import { addEntry, createKeyring, type UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { addPublicEntry, type DistributiveOmit } from '../core/keyring-public.js';
import type { PublicEntryFields } from '../core/public-entry.js';
import { writeKeyring } from './repo.js';

export async function createKeyringFile(
  path: string,
  name: string,
  credentials: readonly Credential[],
  kdf: KdfCache,
  labelOf: (credential: Credential, index: number) => string,
  params?: ScryptParams,
  recipients: readonly DistributiveOmit<PublicEntryFields, 'id'>[] = [],
): Promise<UnlockedKeyring> {
  let unlocked: UnlockedKeyring = createKeyring(name, systemRandom);
  for (const [index, credential] of credentials.entries()) {
    unlocked = await addEntry(unlocked, credential, labelOf(credential, index), kdf, systemRandom, params);
  }
  for (const fields of recipients) unlocked = await addPublicEntry(unlocked, fields, systemRandom);
  mkdirSync(dirname(path), { recursive: true });
  await writeKeyring(path, unlocked, { exclusive: true });
  return unlocked;
}
