/**
 * Rotation of a keyring's Ansible-format files: after `vault rotate` gives the keyring a new
 * data key, its Ansible password changes too (docs/FORMAT.md §13), so every file a
 * `format: ansible` rule of the keyring covers is opened with the passwords of the keyring's
 * earlier keys and sealed again with the new one. Files already under the new password are
 * skipped, so a rerun finishes an interrupted rotation. Each write is atomic and refused if the
 * file changed since it was read. Prints nothing.
 */
import { join } from 'node:path';
import { isAnsibleVault, openAnsibleVault, sealAnsibleVault } from '../core/ansible-vault.js';
import type { UnlockedKeyring } from '../core/keyring.js';
import { systemRandom } from '../core/random.js';
import { FileSystemError, VaultError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { snapshotFile } from '../fs/edit-session.js';
import { withFileLock, type LockHost } from '../fs/file-lock.js';
import { walkFiles } from '../repo/keyring-files.js';
import { matchRule, readPolicy, ruleFormat } from '../repo/repo.js';
import { ansibleCredentialsOf, currentAnsiblePassword } from './keyring-ansible.js';

export interface AnsibleRotation {
  rotated: string[];
  current: string[];
  failed: Array<{ path: string; error: VaultError }>;
}

/** Re-seal the Ansible-format files of keyring UNLOCKED under ROOT with its current Ansible password. */
export async function rotateAnsibleFiles(root: string, unlocked: UnlockedKeyring, host: LockHost): Promise<AnsibleRotation> {
  const name = unlocked.keyring.name;
  const policy = await readPolicy(root);
  const result: AnsibleRotation = { rotated: [], current: [], failed: [] };
  if (!policy.rules.some((rule) => rule.keyring === name && ruleFormat(rule) === 'ansible')) return result;
  const newPassword = currentAnsiblePassword(unlocked);
  const current = [{ kind: 'password' as const, password: newPassword, origin: 'the new Ansible password', label: name }];
  const all = ansibleCredentialsOf(unlocked, 'rotate');
  const paths: string[] = [];
  await walkFiles(root, async (rel) => {
    const rule = matchRule(policy, rel);
    if (rule && rule.keyring === name && ruleFormat(rule) === 'ansible') paths.push(rel);
  });
  for (const rel of paths.sort()) {
    const full = join(root, rel);
    try {
      const before = await snapshotFile(full);
      if (before === null || !isAnsibleVault(before.bytes)) continue;
      const done = await openAnsibleVault(before.bytes, current, rel).then(() => true, () => false);
      if (done) {
        result.current.push(rel);
        continue;
      }
      const opened = await openAnsibleVault(before.bytes, all, rel);
      const sealed = await sealAnsibleVault(opened.plaintext, newPassword, { version: '1.2', label: name }, systemRandom);
      opened.plaintext.fill(0);
      await withFileLock(full, host, async () => {
        const now = await snapshotFile(full);
        if (now === null || Buffer.compare(now.bytes, before.bytes) !== 0 || now.mtimeMs !== before.mtimeMs) {
          throw new FileSystemError(`${quotePath(rel)} changed while rotating; run "vault rotate" again to finish`);
        }
        await writeFileAtomic(full, sealed);
      });
      result.rotated.push(rel);
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      result.failed.push({ path: rel, error });
    }
  }
  return result;
}
