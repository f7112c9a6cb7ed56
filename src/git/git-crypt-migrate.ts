/**
 * `vault migrate --from git-crypt`: a git-crypt repository becomes a vaultfile one in place.
 * git-crypt's `.gitattributes` lines become policy rules (exceptions as `exclude:`), a keyring is
 * created (or the named one used), git-crypt's lines and filter configuration are removed, the
 * vaultfile filter is set up, files still in git-crypt's format in the work tree (a locked
 * repository, opened with `--git-crypt-key`) are decrypted there, and `git add --renormalize`
 * seals every covered file. Everything that can fail on bad input is checked before the first
 * write. It commits nothing: the caller prints what to commit, and that history stays readable
 * to whoever holds the git-crypt key.
 */
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Credential } from '../core/credential.js';
import type { GitCryptKey } from '../core/git-crypt.js';
import { isGitCryptFile, openGitCrypt } from '../core/git-crypt.js';
import type { UnlockedKeyring } from '../core/keyring.js';
import { FileSystemError, NoKeyError, UsageError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readGitCryptKey, storedGitCryptKeyPath } from '../formats/git-crypt-files.js';
import { SecretSession } from '../formats/secrets.js';
import type { KeyContext } from '../keys/key-sources.js';
import { findGitDirs, storeUnlockedKeyring } from '../repo/key-store.js';
import { createKeyringFile } from '../repo/keyring-create.js';
import { DEFAULT_KEYRING, checkKeyringName, findRepoRoot, hasKeyring, keyringPath, matchRule, policyPath, readPolicy, serializePolicy, type PolicyRule } from '../repo/repo.js';
import { gitCryptFilterName, translateGitCryptAttributes, type AttributesFile } from './git-crypt-attributes.js';
import { listIndex, runGit, workTreeTop } from './git-query.js';
import { setupRepository } from './setup.js';

export interface GitCryptMigrateOptions {
  keys: KeyContext;
  /** The node binary git starts the drivers with. */
  node: string;
  /** `--git-crypt-key`: else the key `git-crypt unlock` stored in the git directory. */
  gitCryptKey?: string;
  keyring?: string;
  labelOf: (credential: Credential, index: number) => string;
}

export interface GitCryptMigrateReport {
  top: string;
  keyring: string;
  createdKeyring: boolean;
  rules: PolicyRule[];
  /** Work-tree files that were still git-crypt blobs (a locked repository) and were decrypted. */
  decrypted: string[];
  /** Files the index now holds as vaultfile envelopes. */
  sealed: string[];
  skipped: string[];
}

/** The `.gitattributes` files git reads, top first, as git ranks them (deeper ones win). */
function readAttributesFiles(top: string): AttributesFile[] {
  const tracked = listIndex(top).filter((entry) => entry.stage === 0 && posix.basename(entry.path) === '.gitattributes').map((entry) => entry.path);
  if (existsSync(join(top, '.gitattributes')) && !tracked.includes('.gitattributes')) tracked.push('.gitattributes');
  return tracked
    .map((path) => ({ dir: posix.dirname(path) === '.' ? '' : posix.dirname(path), path }))
    .sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || (a.dir < b.dir ? -1 : 1))
    .filter(({ path }) => existsSync(join(top, path)))
    .map(({ dir, path }) => ({ dir, text: readFileSync(join(top, path), 'utf8') }));
}

async function loadKey(top: string, path: string | undefined, env: NodeJS.ProcessEnv): Promise<GitCryptKey> {
  if (path !== undefined) return readGitCryptKey(path);
  const dirs = findGitDirs(top, env);
  const stored = dirs ? storedGitCryptKeyPath(dirs.commonDir, null) : null;
  if (!stored) {
    throw new NoKeyError('no git-crypt key: run "git-crypt unlock" first, or pass --git-crypt-key FILE (made by "git-crypt export-key")');
  }
  return readGitCryptKey(stored);
}

/** Drop git-crypt's filter and diff drivers for FILTER from the repository's config. */
function removeGitCryptConfig(top: string, filter: string): void {
  for (const section of [`filter.${filter}`, `diff.${filter}`, `merge.${filter}`]) {
    // Exit 128 when the section is absent: nothing to remove.
    spawnSync('git', ['config', '--local', '--remove-section', section], { cwd: top, stdio: 'ignore' });
  }
}

export async function migrateFromGitCrypt(cwd: string, options: GitCryptMigrateOptions): Promise<GitCryptMigrateReport> {
  const top = workTreeTop(cwd);
  const root = findRepoRoot(top) ?? top;
  if (root !== top) throw new UsageError(`${quotePath(root)} holds .vaultfile/ but the git work tree is ${quotePath(top)}; run "vault migrate --from git-crypt" in a repository whose .vaultfile/ is at the top`);
  const key = await loadKey(top, options.gitCryptKey, options.keys.env);
  const name = checkKeyringName(options.keyring ?? key.name ?? DEFAULT_KEYRING);
  const attributes = readAttributesFiles(top);
  const translation = translateGitCryptAttributes(attributes, key.name, name);
  if (translation.rules.length === 0) {
    throw new UsageError(`no .gitattributes line has filter=${gitCryptFilterName(key.name)}; nothing to migrate (is this a git-crypt repository?)`);
  }
  const existing = await readPolicy(root);
  const known = new Set(existing.rules.map((rule) => JSON.stringify(rule)));
  const policy = { rules: [...existing.rules, ...translation.rules.filter((rule) => !known.has(JSON.stringify(rule)))] };
  const covered = listIndex(top)
    .filter((entry) => entry.stage === 0 && entry.mode !== '160000' && !entry.path.startsWith('.vaultfile/'))
    .map((entry) => entry.path)
    .filter((path) => matchRule(policy, path) !== null);

  // The keyring: the named one opened with the keys given, or a new one for them.
  const createdKeyring = !hasKeyring(root, name);
  let unlocked: UnlockedKeyring;
  if (createdKeyring) {
    unlocked = await createKeyringFile(keyringPath(root, name), name, await options.keys.credentials(), options.keys.kdf, options.labelOf);
  } else {
    unlocked = await new SecretSession(options.keys).unlockKeyring(root, name);
  }

  await writeFileAtomic(policyPath(root), new TextEncoder().encode(serializePolicy(policy)), { newFileMode: 0o644 });
  removeGitCryptConfig(top, gitCryptFilterName(key.name));
  translation.rewritten.forEach((file) => {
    const path = join(top, file.dir, '.gitattributes');
    try {
      writeFileSync(path, file.text);
    } catch (error) {
      throw new FileSystemError(`cannot write ${quotePath(path)}; check permissions`, { cause: error });
    }
  });
  await setupRepository(root, top, options.node);
  storeUnlockedKeyring(root, unlocked, options.keys.env);

  // A locked git-crypt checkout holds its blobs in the work tree: open them there first.
  const decrypted: string[] = [];
  for (const path of covered) {
    const full = join(top, path);
    const bytes = await fs.readFile(full).catch(() => null);
    if (bytes === null || !isGitCryptFile(bytes)) continue;
    await writeFileAtomic(full, openGitCrypt(new Uint8Array(bytes), key, path));
    decrypted.push(path);
  }
  if (covered.length > 0) {
    runGit(top, ['add', '--renormalize', '--pathspec-from-file=-', '--pathspec-file-nul'], covered.map((p) => `:(literal)${p}`).join('\0') + '\0');
  }
  runGit(top, ['add', '--', ...['.gitattributes', ...attributes.map((file) => posix.join(file.dir, '.gitattributes'))].filter((p, i, all) => all.indexOf(p) === i && existsSync(join(top, p))), '.vaultfile']);
  return { top, keyring: name, createdKeyring, rules: translation.rules, decrypted, sealed: covered, skipped: translation.skipped };
}
