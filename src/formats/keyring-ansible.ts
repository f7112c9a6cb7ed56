/**
 * The keyring's Ansible password in the shell (DESIGN.md §3, docs/FORMAT.md §13): files a
 * `format: ansible` rule covers are Ansible Vault 1.2 files labelled with their keyring's name and
 * sealed with a password derived from the keyring's data key, so every member opens them through
 * any way into the keyring and Ansible opens them through `vaultfile-client`. Which keyring a
 * file belongs to comes from the policy (or, for a file the policy does not place, the label of a
 * 1.2 header naming one of the repository's keyrings). Prints nothing; writes nothing.
 */
import { dirname, resolve } from 'node:path';
import type { Credential } from '../core/credential.js';
import { ansiblePasswordFor } from '../core/derive.js';
import { isKeyringName } from '../core/keyring-name.js';
import type { UnlockedKeyring } from '../core/keyring.js';
import { AuthError, NoKeyError } from '../errors.js';
import { findRepoRoot, hasKeyring, matchRule, readPolicy, repoRelative, ruleFormat } from '../repo/repo.js';
import type { SecretSession, SealTarget } from './secrets.js';
import { NoKeyGivenError } from '../keys/key-sources.js';

/** The keyring whose Ansible password seals a file. */
export interface AnsibleKeyring {
  root: string;
  name: string;
}

/** The Ansible password of the unlocked keyring's current data key. */
export function currentAnsiblePassword(unlocked: UnlockedKeyring): Uint8Array {
  return ansiblePasswordFor(unlocked.dataKey, unlocked.keyring.name);
}

/** Every Ansible password the keyring has had (current first): files sealed before a rotation still open. */
export function ansibleCredentialsOf(unlocked: UnlockedKeyring, origin: string): Credential[] {
  const keys = [unlocked.dataKey, ...[...unlocked.dataKeys.values()].filter((key) => key !== unlocked.dataKey)];
  const name = unlocked.keyring.name;
  return keys.map((key) => ({ kind: 'password' as const, password: ansiblePasswordFor(key, name), origin: `keyring ${JSON.stringify(name)} (${origin})`, label: name }));
}

/** The target of a new file a `format: ansible` rule covers: Ansible 1.2, labelled with the keyring. */
export function keyringAnsibleTarget(root: string, name: string): SealTarget {
  return { kind: 'ansible', version: '1.2', label: name, keyring: { root, name } };
}

/**
 * The keyring an Ansible Vault file at FILEPATH belongs to: its policy rule's, when that rule says
 * `format: ansible`; else the keyring its 1.2 header label names, when the repository has one.
 */
export async function ansibleKeyringOf(filePath: string, headerLabel: string | null): Promise<AnsibleKeyring | null> {
  const root = findRepoRoot(dirname(resolve(filePath)));
  if (!root) return null;
  const rel = repoRelative(root, filePath);
  const rule = rel === null ? null : matchRule(await readPolicy(root), rel);
  if (rule && ruleFormat(rule) === 'ansible') return { root, name: rule.keyring };
  if (headerLabel !== null && isKeyringName(headerLabel) && hasKeyring(root, headerLabel)) {
    return { root, name: headerLabel };
  }
  return null;
}

/**
 * The keyring's Ansible passwords when this session can open the keyring, else null (no key for
 * it here, or only Ansible's own passwords were given: the caller then tries those).
 */
export async function tryKeyringAnsibleCredentials(session: SecretSession, keyring: AnsibleKeyring): Promise<Credential[] | null> {
  try {
    return ansibleCredentialsOf(await session.unlockKeyring(keyring.root, keyring.name), 'Ansible password');
  } catch (error) {
    if (error instanceof NoKeyGivenError) {
      // No key source at all: Ansible's secrets are not there either; say what opens this file.
      throw new NoKeyGivenError(
        `no key given; the file belongs to keyring ${JSON.stringify(keyring.name)}: pass --key-file FILE or --password-file FILE (or set VAULTFILE_KEY_FILE), or run "vault unlock"`,
        { cause: error },
      );
    }
    if (error instanceof NoKeyError || error instanceof AuthError) return null;
    throw error;
  }
}
