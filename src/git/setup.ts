/**
 * `vault git setup`: the repository-local git configuration for the vault filter, diff and merge
 * drivers (written with simple-git, which asks for an explicit opt-in to set such commands), the
 * `.gitattributes` block generated from the policy, and a pre-commit hook running
 * `vault check --staged`. The commands point at the running node and this package's bin/ (or at
 * the single executable) by absolute path, so they work from npx, GUIs and tests whatever PATH holds. Returns what it did;
 * printing is the command's job. Never touches the work tree's secret files.
 */
import { mkdirSync } from 'node:fs';
import { readCommittedText } from '../fs/safe-read.js';
import { writeFileNoFollow } from '../fs/safe-write.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSea } from 'node:sea';
import { simpleGit } from 'simple-git';
import { EXIT, FileSystemError, quotePath } from '../errors.js';
import { splitCommandLine } from '../fs/editor.js';
import { listStoredKeyrings } from '../repo/key-store.js';
import { listKeyrings, readPolicy } from '../repo/repo.js';
import { attributesBlock, attributesUpToDate, mergeAttributes } from './attributes.js';

/** Marker line identifying a hook we wrote (and may therefore rewrite). */
export const HOOK_MARKER = '# vaultfile pre-commit hook: refuses plaintext that the policy says must be encrypted';

/** Quote one word for the POSIX shell git runs these commands through. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The program that runs the vault entry ENTRY with NODE: in the single executable the binary
 * itself (it serves every entry, src/bin/binary.ts), otherwise NODE and bin/ENTRY under this
 * module's parent folder (dist/ for the tsc build, where this is dist/git/; bundle/ for the npm
 * package, where this is a chunk in bundle/chunks/).
 */
function ownProgram(node: string, entry: 'vault.js' | 'git-filter.js'): string {
  if (isSea()) return shellQuote(node);
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', entry);
  return `${shellQuote(node)} ${shellQuote(file)}`;
}

/** `node /abs/bundle/bin/vault.js`, quoted: the vault command (for the pre-commit hook). NODE runs it. */
export function vaultCommand(node: string): string {
  return ownProgram(node, 'vault.js');
}

/**
 * `node /abs/bundle/bin/git-filter.js`, quoted: the program git should run. It is the drivers' own light
 * entry point (src/bin/git-filter.ts), not vault.js: git starts it on every checkout, status and add.
 * The single executable takes the drivers' arguments after the word `git`.
 */
export function driverCommand(node: string): string {
  return isSea() ? `${ownProgram(node, 'git-filter.js')} git` : ownProgram(node, 'git-filter.js');
}

/**
 * COMMAND ARGS behind a check that every program COMMAND names by absolute path still exists. git
 * runs driver commands through `sh -c`: after a Node upgrade or a moved installation the bare
 * command dies with the shell's "not found" or a Node stack trace, so the check prints one line
 * naming the fix instead and fails (docs/SECURITY.md §4). git appends `"$@"` (textconv's file) to
 * the whole line, which lands after the `exec`. driver-health.ts reads the words after `exec`.
 */
export function guardedCommand(command: string, args: string): string {
  const programs = splitCommandLine(command, 'the driver command').filter((word) => word.startsWith('/'));
  if (programs.length === 0) return `${command} ${args}`;
  // printf, not echo: a path with a backslash is printed as it is. No other % for git to expand.
  const gone = `printf '%s\\n' "vault: the git filter's program \\"$p\\" is gone (moved or upgraded installation); run \\"vault git setup\\" again" >&2`;
  return `for p in ${programs.map(shellQuote).join(' ')} ; do [ -e "$p" ] || { ${gone}; exit ${EXIT.FILESYSTEM}; } ; done ; exec ${command} ${args}`;
}

/** The config entries of the vault drivers, in the order they are written. */
export function driverConfig(command: string): Array<[string, string]> {
  return [
    ['filter.vault.process', guardedCommand(command, 'filter-process')],
    ['filter.vault.clean', guardedCommand(command, 'clean -- %f')],
    ['filter.vault.smudge', guardedCommand(command, 'smudge -- %f')],
    ['filter.vault.required', 'true'],
    ['diff.vault.textconv', guardedCommand(command, 'textconv')],
    ['merge.vault.name', 'vaultfile: decrypt, git merge-file, encrypt'],
    ['merge.vault.driver', guardedCommand(command, 'merge %O %A %B %L %P')],
  ];
}

export interface SetupReport {
  config: Array<[string, string]>;
  attributesFile: string;
  attributesChanged: boolean;
  hook: { path: string; written: boolean; reason?: string };
}

/** What `vault git setup` reports: the setup, and the keyrings the filters have no key for yet. */
export interface GitSetupReport extends SetupReport {
  /** Keyrings of the repository with no data key stored for the filters ("vault unlock" gives them one). */
  locked: string[];
}

function gitFor(dir: string) {
  return simpleGit({
    baseDir: dir,
    unsafe: { allowUnsafeFilter: true, allowUnsafeDiffTextConv: true, allowUnsafeMergeDriver: true },
  });
}

/** Write the driver config into the repository's local config (shared by all worktrees). */
export async function writeDriverConfig(top: string, node: string): Promise<Array<[string, string]>> {
  const git = gitFor(top);
  const entries = driverConfig(driverCommand(node));
  for (const [key, value] of entries) await git.addConfig(key, value, false, 'local');
  return entries;
}

/** The `.gitattributes` path and text the policy of ROOT asks for, and whether it already holds it. */
export async function plannedAttributes(root: string): Promise<{ path: string; current: string; next: string; upToDate: boolean }> {
  const path = join(root, '.gitattributes');
  // Committed, so attacker-controlled: never read through a link or from a FIFO or device.
  const current = readCommittedText(path, 'the git attributes file') ?? '';
  const block = attributesBlock(await readPolicy(root));
  return { path, current, next: mergeAttributes(current, block), upToDate: attributesUpToDate(current, block) };
}

/** Install (or refresh) our pre-commit hook; a foreign hook is left alone and reported. */
export async function installHook(top: string, node: string): Promise<SetupReport['hook']> {
  const hooksDir = (await simpleGit({ baseDir: top }).raw(['rev-parse', '--git-path', 'hooks'])).trim();
  const path = join(top, hooksDir);
  const file = join(path, 'pre-commit');
  // Guarded like the drivers: after a moved installation the commit stops with one line naming the fix.
  const script = `#!/bin/sh\n${HOOK_MARKER}\n${guardedCommand(vaultCommand(node), 'check --staged --quiet')}\n`;
  const existing = readCommittedText(file, 'the pre-commit hook');
  if (existing !== null) {
    if (!existing.includes(HOOK_MARKER)) {
      return { path: file, written: false, reason: 'another pre-commit hook exists; add "vault check --staged" to it' };
    }
    if (existing === script) return { path: file, written: false, reason: 'already installed' };
  }
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new FileSystemError(`cannot write the hook ${quotePath(file)}; check permissions`, { cause: error });
  }
  writeFileNoFollow(file, script, 0o755, 'the pre-commit hook');
  return { path: file, written: true };
}

/**
 * Everything `vault git setup` does, for the repository whose policy is at ROOT and work tree TOP;
 * git and the hook start the drivers with the node binary NODE.
 */
export async function setupRepository(root: string, top: string, node: string): Promise<SetupReport> {
  const config = await writeDriverConfig(top, node);
  const attributes = await plannedAttributes(root);
  if (!attributes.upToDate) writeFileNoFollow(attributes.path, attributes.next, 0o644, 'the git attributes file');
  const hook = await installHook(top, node);
  return { config, attributesFile: attributes.path, attributesChanged: !attributes.upToDate, hook };
}

/**
 * `vault git setup` in the repository at ROOT (policy), TOP (work tree) and COMMON_DIR (git's
 * common directory): setupRepository, then which keyrings still need "vault unlock".
 */
export async function setUpGit(repo: { root: string; top: string; dirs: { commonDir: string } }, node: string): Promise<GitSetupReport> {
  const report = await setupRepository(repo.root, repo.top, node);
  const stored = new Set(listStoredKeyrings(repo.dirs.commonDir));
  const locked = (await listKeyrings(repo.root)).filter((name) => !stored.has(name));
  return { ...report, locked };
}
