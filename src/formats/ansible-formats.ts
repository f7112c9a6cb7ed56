/**
 * The codecs of the two Ansible formats of the format table (src/formats/secrets.ts), which
 * recognises them itself (core/ansible-detect.ts) and loads this module only for such a file or
 * target: whole-file
 * `$ANSIBLE_VAULT` files, opened label-first (or with the Ansible password of the keyring a
 * `format: ansible` rule gives them) and sealed again with the same header and password, and YAML
 * with inline `!vault` values, shown decrypted and sealed again value by value. A target carries
 * the password it seals with (the one that opened it, or the one chosen for new output).
 * Prints only the warning about an inline value that left the file; never a password.
 */
import { resolve } from 'node:path';
import type { Credential } from '../core/credential.js';
import {
  ANSIBLE_DEFAULT_LABEL, ansiblePasswordOf, openAnsibleVault, sealAnsibleVault, type AnsibleOpenOptions,
} from '../core/ansible-vault.js';
import { systemRandom } from '../core/random.js';
import { decodeUtf8 } from '../core/bytes.js';
import { AuthError, FormatError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { NoKeyGivenError } from '../keys/key-sources.js';
import { encryptSalt, vaultIdMatch } from '../keys/ansible-secrets.js';
import { ansibleKeyringOf, currentAnsiblePassword, keyringAnsibleTarget, tryKeyringAnsibleCredentials } from './keyring-ansible.js';
import type { OpenedSecret, SecretCodec, SecretSession, SealTarget } from './secrets.js';

function openOptions(session: SecretSession): AnsibleOpenOptions {
  return { idMatch: vaultIdMatch(session.keys.env) };
}

/** Where new Ansible output goes for CREDENTIAL: 1.1 for the default vault-id, else 1.2 with its label. */
export function ansibleTargetFor(credential: Credential & { kind: 'password' }): SealTarget {
  const label = credential.label ?? ANSIBLE_DEFAULT_LABEL;
  // format_vaulttext_envelope: the "default" vault-id writes 1.1, any other label 1.2.
  const password = ansiblePasswordOf(credential);
  return label === ANSIBLE_DEFAULT_LABEL ? { kind: 'ansible', version: '1.1', password } : { kind: 'ansible', version: '1.2', label, password };
}

/**
 * The password an Ansible target seals with: its own (the one that opened it for an edit, or the
 * one chosen for new output), else (rekey's new keys) the Ansible secret with the target's label,
 * or the first.
 */
async function sealingPassword(target: SealTarget & { kind: 'ansible' }, session: SecretSession): Promise<Uint8Array> {
  if (target.password) return target.password;
  const passwords = (await session.credentials()).filter((c): c is Credential & { kind: 'password' } => c.kind === 'password');
  const vaultIds = passwords.filter((c) => c.label !== undefined);
  const pool = vaultIds.length > 0 ? vaultIds : passwords;
  const wanted = target.label ?? ANSIBLE_DEFAULT_LABEL;
  const match = pool.find((c) => (c.label ?? ANSIBLE_DEFAULT_LABEL) === wanted) ?? pool[0];
  if (!match) {
    throw new NoKeyError('writing an ansible vault needs a password (key files cannot); pass --vault-id LABEL@FILE or --password-file FILE');
  }
  return ansiblePasswordOf(match);
}

/** The session's credentials for an Ansible file; with none at all, a hint in Ansible's words. */
async function ansibleCredentials(session: SecretSession): Promise<Credential[]> {
  try {
    return await session.credentials();
  } catch (error) {
    // With no key given at all, say what Ansible users set (SecretSession.open names the file).
    if (error instanceof NoKeyGivenError) {
      throw new NoKeyGivenError(
        'no key given; this is an ansible vault: pass --vault-id LABEL@FILE or --vault-password-file FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)',
        { cause: error },
      );
    }
    throw error;
  }
}

/** BYTES opened with the Ansible password of the keyring the file belongs to, or null to try Ansible's secrets. */
async function openWithKeyringPassword(bytes: Uint8Array, origin: string, session: SecretSession): Promise<OpenedSecret | null> {
  const header = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0x0a) < 0 ? Math.min(bytes.length, 256) : bytes.indexOf(0x0a))).split(';');
  const path = origin === 'standard input' ? resolve(session.keys.io.cwd, '-') : resolve(session.keys.io.cwd, origin);
  const keyring = await ansibleKeyringOf(path, header[1] === '1.2' && header[3] ? header[3].trim() : null);
  if (!keyring) return null;
  const credentials = await tryKeyringAnsibleCredentials(session, keyring);
  if (!credentials) return null;
  try {
    const opened = await openAnsibleVault(bytes, credentials, origin);
    return { plaintext: opened.plaintext, target: keyringAnsibleTarget(keyring.root, keyring.name) };
  } catch (error) {
    // Sealed with another password (a team's Ansible password from before the keyring): try Ansible's secrets.
    if (error instanceof AuthError) return null;
    throw error;
  }
}

/** Whole-file `$ANSIBLE_VAULT` files: opened label-first, sealed again with the same header. */
export const ansibleVaultCodec: SecretCodec = {
  async open(bytes, origin, session) {
    // A file of a keyring (format: ansible) opens with the keyring's password, through any key.
    const byKeyring = await openWithKeyringPassword(bytes, origin, session);
    if (byKeyring) return byKeyring;
    const opened = await openAnsibleVault(bytes, await ansibleCredentials(session), origin, undefined, openOptions(session));
    // The target keeps the password that opened it: an edit seals with the same one.
    const password = opened.password;
    const target: SealTarget =
      opened.version === '1.2'
        ? { kind: 'ansible', version: '1.2', label: opened.headerLabel ?? ANSIBLE_DEFAULT_LABEL, password }
        : { kind: 'ansible', version: '1.1', password };
    return { plaintext: opened.plaintext, target };
  },
  async seal(plaintext, target, session) {
    if (target.kind !== 'ansible') throw new UsageError('internal: not an ansible target');
    const password = target.keyring
      ? currentAnsiblePassword(await session.unlockKeyring(target.keyring.root, target.keyring.name))
      : await sealingPassword(target, session);
    const options = target.label === undefined ? { version: target.version } : { version: target.version, label: target.label };
    return sealAnsibleVault(plaintext, password, { ...options, ...encryptSalt(session.keys.env) }, systemRandom);
  },
};

/** YAML with inline `!vault` values (recognised by hasInlineVaultTag): shown decrypted, sealed again value by value. */
export const ansibleInlineCodec: SecretCodec = {
  async open(bytes, origin, session) {
    const { decryptInlineValuesPartially, hasInlineVaultValues } = await import('../core/ansible-inline.js');
    if (!hasInlineVaultValues(decodeUtf8(bytes)!)) {
      throw new FormatError(`${quotePath(origin)}: not a vault file; encrypt it first with "vault encrypt"`);
    }
    // Values no key opens stay sealed; SecretSession.open refuses that unless the caller accepts it.
    const { text, unopened } = await decryptInlineValuesPartially(decodeUtf8(bytes)!, await ansibleCredentials(session), origin, openOptions(session));
    return { plaintext: new TextEncoder().encode(text), target: { kind: 'ansible-inline', original: bytes }, unopened };
  },
  async seal(plaintext, target, session) {
    if (target.kind !== 'ansible-inline') throw new UsageError('internal: not an inline target');
    const edited = decodeUtf8(plaintext);
    if (edited === null) throw new UsageError('the edited YAML is not UTF-8 text; save it as UTF-8');
    const { reencryptChangedInlineValues } = await import('../core/ansible-inline.js');
    const result = await reencryptChangedInlineValues(
      decodeUtf8(target.original)!, edited, await session.credentials(), 'the edited file', systemRandom, openOptions(session),
    );
    for (const path of result.dropped) {
      session.keys.io.stderr.write(
        `vault: warning: the encrypted value at ${path} is gone from the edited file; if you renamed its key AND changed its value, that value is now plaintext: run "vault encrypt-string" for it\n`,
      );
    }
    return new TextEncoder().encode(result.text);
  },
};
