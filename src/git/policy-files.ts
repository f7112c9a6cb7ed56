/**
 * The files the policy covers in a git repository, and their state: what the index holds (one
 * `git ls-files`, one `git check-attr --stdin`, one `git cat-file --batch` for all of them), what
 * the work tree holds, and whether this clone has the key. Shared by `vault status`, `vault check`,
 * `vault unlock` and `vault lock`. Reads only; never prints.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { toHex } from '../core/bytes.js';
import { isAnsibleVault } from '../core/ansible-vault.js';
import { inspectEnvelope, isEnvelope } from '../core/envelope.js';
import { UsageError, quotePath } from '../errors.js';
import { findRepoRoot, matchRule, readPolicy, ruleFormat, type Policy, type RuleFormat } from '../repo/repo.js';
import { checkAttr, listIndex, listUntracked, readBlobPrefixes, workTreeTop } from './git-query.js';
import { findGitDirs, listStoredKeyrings, type GitDirs } from '../repo/key-store.js';

export interface RepoContext {
  /** The directory holding `.vaultfile/`. */
  root: string;
  /** The git work tree top level (git's paths are relative to it). */
  top: string;
  dirs: GitDirs;
  policy: Policy;
}

/** Content state of one side (index or work tree). */
export type Side =
  | { kind: 'absent' }
  | { kind: 'plaintext' }
  /** dataKeyId: the envelope header's data key id, hex (which key of the keyring sealed it). */
  | { kind: 'encrypted'; keyring: string | null; dataKeyId?: string }
  /** An Ansible Vault file (`$ANSIBLE_VAULT;…`), or YAML with inline `!vault` values (inline). */
  | { kind: 'ansible'; inline: boolean }
  | { kind: 'damaged' };

export interface PolicyFile {
  /** Relative to the work tree top, '/'-separated (what git prints). */
  path: string;
  /** The keyring the policy names, or null for a file only the attributes send to the filter. */
  keyring: string | null;
  /** The format the policy keeps it in, or null when no rule covers it. */
  format: RuleFormat | null;
  /** filter=vault applies (git encrypts it on add). */
  filtered: boolean;
  index: Side;
  tree: Side;
  /** This clone holds a key for `keyring`. */
  key: boolean;
}

export async function openRepoContext(cwd: string, env: NodeJS.ProcessEnv): Promise<RepoContext> {
  const top = workTreeTop(cwd);
  const root = findRepoRoot(cwd);
  if (!root) throw new UsageError(`no .vaultfile/ directory found above ${quotePath(cwd)}; run "vault init" first`);
  const dirs = findGitDirs(top, env);
  if (!dirs) throw new UsageError(`${quotePath(top)} is not a git repository; run "git init"`);
  return { root, top, dirs, policy: await readPolicy(root, cwd) };
}

export function sideOf(bytes: Uint8Array | undefined, origin: string): Side {
  if (bytes === undefined) return { kind: 'absent' };
  if (isAnsibleVault(bytes)) return { kind: 'ansible', inline: false };
  if (!isEnvelope(bytes)) return INLINE_VAULT_VALUE.test(Buffer.from(bytes).toString('latin1')) ? { kind: 'ansible', inline: true } : { kind: 'plaintext' };
  try {
    const info = inspectEnvelope(bytes, origin);
    return { kind: 'encrypted', keyring: info.keyringName, dataKeyId: toHex(info.dataKeyId) };
  } catch {
    return { kind: 'damaged' };
  }
}

/** An Ansible `!vault` tag followed by a block scalar: YAML that holds encrypted values inline. */
const INLINE_VAULT_VALUE = /!vault(?:-encrypted)?[ \t]*\|[^\n]*\n[ \t]+\$ANSIBLE_VAULT;/;

/** Enough of a file to tell plaintext from an envelope and to parse the envelope's header. */
const PREFIX = 64 * 1024;

function readTree(path: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(PREFIX);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, PREFIX - length, null);
      if (n === 0 || (length += n) === PREFIX) break;
    }
    return buffer.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every file under the policy (or with filter=vault): tracked ones from the index (stage 0 only;
 * conflicts are not committable), plus untracked ones unless STAGED. ALL adds every other file
 * that holds an envelope (reading a prefix of each file, so it costs more). TREE false skips reading the
 * work tree for files that are in the index (their `tree` is then "absent"): the pre-commit check
 * looks at the index only.
 */
export async function listPolicyFiles(ctx: RepoContext, options: { staged: boolean; tree?: boolean; all?: boolean }): Promise<PolicyFile[]> {
  const entries = listIndex(ctx.top).filter((entry) => entry.stage === 0 && entry.mode !== '160000');
  const indexSha = new Map(entries.map((entry) => [entry.path, entry.sha]));
  const candidates = [...indexSha.keys()];
  if (!options.staged) candidates.push(...listUntracked(ctx.top));
  const filters = checkAttr(ctx.top, 'filter', candidates);
  const toRoot = (path: string) => relative(ctx.root, join(ctx.top, path)).split(sep).join('/');
  const selected: Array<{ path: string; keyring: string | null; format: RuleFormat | null; filtered: boolean }> = [];
  for (const path of candidates) {
    const rel = toRoot(path);
    // The policy's own directory and the attributes file stay plaintext by design.
    if (rel.startsWith('.vaultfile/') || rel.startsWith('../') || path === '.gitattributes' || path.endsWith('/.gitattributes')) continue;
    const rule = matchRule(ctx.policy, rel);
    const filtered = filters.get(path) === 'vault';
    if (rule || filtered || options.all === true) {
      selected.push({ path, keyring: rule?.keyring ?? null, format: rule ? ruleFormat(rule) : null, filtered });
    }
  }
  const blobs = await readBlobPrefixes(ctx.top, selected.flatMap((file) => (indexSha.has(file.path) ? [indexSha.get(file.path)!] : [])), PREFIX);
  const readsTree = options.tree !== false;
  const unlocked = new Set(listStoredKeyrings(ctx.dirs.commonDir));
  const covered = (file: { keyring: string | null; filtered: boolean }) => file.keyring !== null || file.filtered;
  return selected
    .map((file) => {
      const sha = indexSha.get(file.path);
      return {
        ...file,
        index: sideOf(sha === undefined ? undefined : blobs.get(sha), file.path),
        tree: readsTree || sha === undefined ? sideOf(readTree(join(ctx.top, file.path)), file.path) : { kind: 'absent' as const },
        key: file.keyring !== null && unlocked.has(file.keyring),
      };
    })
    // With ALL, files outside the policy count only when they hold an envelope (inline keyring,
    // or a keyring named in the header that no rule points at).
    .filter((file) => covered(file) || [file.index.kind, file.tree.kind].some((kind) => kind === 'encrypted' || kind === 'ansible'))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Why FILE breaks the policy for a commit, or null when it is fine. Checked: the index (staged
 * mode, or tracked files) holds an envelope of the right keyring; an untracked file is an envelope
 * already or will be encrypted by the filter on `git add`.
 */
export function policyProblem(file: PolicyFile, filterConfigured: boolean): string | null {
  const side = file.index.kind === 'absent' ? file.tree : file.index;
  const where = file.index.kind === 'absent' ? 'in the work tree' : 'staged';
  if (side.kind === 'absent') return null;
  if (side.kind === 'damaged') return `${where} as a damaged envelope`;
  if (side.kind === 'plaintext') {
    if (file.index.kind === 'absent' && file.filtered && filterConfigured) return null;
    return `${where} as plaintext`;
  }
  if (side.kind === 'ansible') {
    if (file.format !== 'vaultfile') return null;
    if (side.inline) return `${where} as plaintext with inline !vault values; encrypt the whole file with "vault encrypt ${file.path}"`;
    return `${where} as an Ansible Vault file but the policy keeps it as vaultfile; run "vault migrate ${file.path}" or give its rule "format: ansible"`;
  }
  if (file.format === 'ansible') {
    // Ansible would read this envelope as plain text: a playbook copies or loads ciphertext.
    return `${where} as a vaultfile envelope but the policy says Ansible reads it (format: ansible); run "vault migrate --to ansible ${file.path}"`;
  }
  if (file.keyring !== null && side.keyring !== file.keyring) {
    return `${where} encrypted for keyring ${quotePath(side.keyring ?? 'inline')} but the policy says ${quotePath(file.keyring)}`;
  }
  return null;
}
