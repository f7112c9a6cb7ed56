/**
 * Re-keying files (`vault rekey`), in memory (no plaintext on disk). With new keys: each file is
 * opened with the current keys and sealed for the new ones; standalone files get one new inline
 * keyring shared by the whole call, so each new key costs one KDF run however many files there are;
 * Ansible files stay Ansible files (re-encrypted with the new password, keeping their 1.1/1.2
 * header). Every file is opened and sealed before the first one is written, so a wrong key for the
 * tenth file leaves all ten untouched; a run that fails while writing (disk full) says how many
 * files it wrote, and running it again finishes: a file only the new keys open is skipped. Files
 * sealed under a repository keyring are refused: their keys live in the keyring ("vault keys",
 * "vault rotate").
 * With --to-keyring: the one explicit way to move files to another keyring of the repository
 * (docs/SECURITY.md §3). The policy must already send each file to NAME (it stays the single source
 * of rules); an envelope in the work tree is opened and sealed under NAME in memory and replaced
 * atomically; a file the git filter keeps as plaintext is only recorded, so the next `git add`
 * seals it under NAME. Either way the clone records the move, which the filter and `encrypt`
 * otherwise refuse.
 * Both return what they did; neither prints.
 */
import { ANSIBLE_DEFAULT_LABEL } from '../core/ansible-vault.js';
import { isEnvelope } from '../core/envelope.js';
import { AuthError, UsageError, VaultError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readInput } from '../fs/files.js';
import type { Input } from '../context.js';
import type { Progress } from '../fs/progress.js';
import type { KeyContext } from '../keys/key-sources.js';
import { findGitDirs } from '../repo/key-store.js';
import { Placement } from '../repo/placement.js';
import { checkKeyringName, findRepoRoot, hasKeyring, matchRule, readPolicy, repoRelative } from '../repo/repo.js';
import { SecretSession, type SealTarget } from './secrets.js';

export interface RekeyRequest {
  files: string[];
  /** The keys the files open with now. */
  keys: KeyContext;
  /** The new keys (from the --new-* options only). */
  newKeys: KeyContext;
  /** A progress display for TOTAL steps (each file is opened, then written); ticked once per step. */
  progress?: (total: number) => Progress;
}

export interface RekeyReport {
  /** Files written under the new keys. */
  rekeyed: string[];
  /** Files only the new keys open already (an earlier, interrupted run): left as they were. */
  already: string[];
  /** How the new keys were given, for messages. */
  newKeys: string[];
}

/** Where the file goes under the new keys; refuses targets whose keys are not the file's own. */
function newTarget(file: string, target: SealTarget, newLabel: string | undefined): SealTarget {
  switch (target.kind) {
    case 'inline':
      return target;
    case 'ansible':
      if (target.keyring) {
        throw new UsageError(
          `${quotePath(file)}: sealed with keyring ${quotePath(target.keyring.name)}'s Ansible password, which follows the keyring; use "vault keys add" / "vault keys remove" then "vault rotate"`,
        );
      }
      // A new vault-id's label becomes the header, as ansible-vault rekey writes it: "default" is 1.1,
      // any other label 1.2 (--new-vault-id prod@F). vaultfile's --new-password-file keeps the header.
      // The old password the target carries stays behind: the new keys seal it.
      if (newLabel === undefined) return target.label === undefined ? { kind: 'ansible', version: target.version } : { kind: 'ansible', version: target.version, label: target.label };
      return newLabel === ANSIBLE_DEFAULT_LABEL ? { kind: 'ansible', version: '1.1' } : { kind: 'ansible', version: '1.2', label: newLabel };
    case 'keyring':
      throw new UsageError(
        `${quotePath(file)}: sealed under keyring ${quotePath(target.name)}, whose keys are shared; use "vault keys add" / "vault keys remove" then "vault rotate"`,
      );
    default:
      throw new UsageError(`${quotePath(file)}: holds inline !vault values; rekey each value with "vault encrypt-string" or the whole file with ansible-vault`);
  }
}

/** The file opened with the old keys, or null when only the new keys open it (already re-keyed). */
async function openWithOldKeys(oldSession: SecretSession, newSession: SecretSession, bytes: Uint8Array, file: string) {
  try {
    return await oldSession.open(bytes, file);
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    try {
      (await newSession.open(bytes, file)).plaintext.fill(0);
    } catch {
      throw error;
    }
    return null;
  }
}

/** Re-key REQUEST.files for the new keys: all opened and sealed first, then each replaced atomically. */
export async function rekeyFiles(request: RekeyRequest, io: { readonly stdin: Input }): Promise<RekeyReport> {
  const { files } = request;
  const oldSession = new SecretSession(request.keys);
  const newSession = new SecretSession(request.newKeys);
  const fresh = await request.newKeys.credentials();
  const labelled = fresh.find((c) => c.kind === 'password' && c.label);
  const newLabel = labelled?.kind === 'password' ? labelled.label : undefined;
  const progress = request.progress?.(files.length * 2);
  // Phase 1: open and seal everything in memory; nothing is written if any file fails. A file the
  // old keys refuse but the new keys open was re-keyed by an earlier, interrupted run: skipped.
  const pending: Array<{ file: string; sealed: Uint8Array }> = [];
  const already: string[] = [];
  const rekeyed: string[] = [];
  try {
    for (const file of files) {
      const bytes = await readInput(file, io);
      const opened = await openWithOldKeys(oldSession, newSession, bytes, file);
      if (opened === null) {
        already.push(file);
        progress?.tick(file);
        continue;
      }
      const target = newTarget(file, opened.target, newLabel);
      pending.push({ file, sealed: await newSession.seal(opened.plaintext, target) });
      opened.plaintext.fill(0);
      progress?.tick(file);
    }
    // Phase 2: each file replaced atomically.
    for (const { file, sealed } of pending) {
      await writeFileAtomic(file, sealed);
      rekeyed.push(file);
      progress?.tick(file);
    }
  } catch (error) {
    if (rekeyed.length > 0 && error instanceof VaultError) {
      error.message += `; ${rekeyed.length} of ${pending.length} files were already written with the new keys: run the same command again to finish (it skips them)`;
    }
    throw error;
  } finally {
    progress?.done();
  }
  return { rekeyed, already, newKeys: (await request.newKeys.credentials()).map((c) => c.origin) };
}

/** Move FILES to keyring NAME of the repository (see above); returns the files moved. */
export async function moveToKeyring(files: string[], name: string, keys: KeyContext): Promise<string[]> {
  checkKeyringName(name);
  const root = findRepoRoot(keys.io.cwd);
  if (!root) throw new UsageError('--to-keyring: no .vaultfile/ directory here or above; run "vault init" first');
  if (!hasKeyring(root, name)) throw new UsageError(`keyring ${quotePath(name)} does not exist; run "vault init --keyring ${name}"`);
  const dirs = findGitDirs(root, keys.env);
  const placement = dirs ? new Placement(dirs.commonDir) : null;
  const policy = await readPolicy(root, keys.io.cwd);
  const session = new SecretSession(keys);
  const pending: Array<{ file: string; rel: string; sealed: Uint8Array | null }> = [];
  for (const file of files) {
    const rel = repoRelative(root, file);
    if (rel === null) throw new UsageError(`${quotePath(file)} is outside the repository; --to-keyring moves files of this repository only`);
    const rule = matchRule(policy, rel);
    if (rule && rule.keyring !== name) {
      throw new UsageError(`${quotePath(file)}: the policy sends it to keyring ${quotePath(rule.keyring)}; change its rule in .vaultfile/policy.yml to ${quotePath(name)} first`);
    }
    const bytes = await readInput(file, keys.io);
    if (!isEnvelope(bytes)) {
      pending.push({ file, rel, sealed: null });
      continue;
    }
    const opened = await session.open(bytes, file);
    const sealed = await session.seal(opened.plaintext, { kind: 'keyring', root, name });
    opened.plaintext.fill(0);
    pending.push({ file, rel, sealed });
  }
  for (const { file, rel, sealed } of pending) {
    if (sealed) await writeFileAtomic(file, sealed);
    placement?.record(rel, name);
  }
  return pending.map((item) => item.file);
}
