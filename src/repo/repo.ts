/**
 * Repository discovery and the path policy (DESIGN.md §3). A vaultfile repository is a directory
 * holding `.vaultfile/`: `policy.yml` maps glob patterns to keyrings (first matching rule wins),
 * `keyrings/<name>.keyring` holds each keyring. The policy is the single source of truth;
 * `.gitattributes` lines are generated from it. Reads files; never writes or prints.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { KEYRING_NAME_RULE, isKeyringName } from '../core/keyring-name.js';
import { parseKeyring, serializeKeyring, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readCommittedText } from '../fs/safe-read.js';

export const VAULTFILE_DIR = '.vaultfile';
export const POLICY_FILE = 'policy.yml';
export const KEYRINGS_DIR = 'keyrings';
export const DEFAULT_KEYRING = 'default';

const compiledRules = new WeakMap<Policy, ((path: string) => boolean)[]>();

/** The format a rule's files are kept in. */
export function ruleFormat(rule: PolicyRule): RuleFormat {
  return rule.format ?? 'vaultfile';
}

// The yaml package is ~70 modules: load it on first use, not at start-up of every command.
const require = createRequire(import.meta.url);
function yaml(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}

/** How files of a rule are kept: vaultfile envelopes (default), or Ansible Vault files Ansible reads. */
export type RuleFormat = 'vaultfile' | 'ansible';
export const RULE_FORMATS: readonly RuleFormat[] = ['vaultfile', 'ansible'];

export interface PolicyRule {
  path: string;
  keyring: string;
  /** Paths the rule does not cover although `path` matches them (plaintext examples, common vars). */
  exclude?: string[];
  /** Omitted means vaultfile. */
  format?: RuleFormat;
}

export interface Policy {
  rules: PolicyRule[];
}

/** Default rules written by `vault init`: the layout teams use (DESIGN.md §1). */
export const DEFAULT_RULES: PolicyRule[] = [
  { path: 'deploy/vars/*.yml', keyring: DEFAULT_KEYRING },
  { path: '**/.env.*', keyring: DEFAULT_KEYRING },
];

/**
 * The nearest directory at or above START that holds `.vaultfile/`, or null. Bulk commands ask
 * for hundreds of files in a few directories: with KNOWN (one command's answers) each directory
 * is searched once.
 */
export function findRepoRoot(start: string, known?: Map<string, string | null>): string | null {
  const from = resolve(start);
  const cached = known?.get(from);
  if (cached !== undefined) return cached;
  const root = searchRepoRoot(from);
  known?.set(from, root);
  return root;
}

function searchRepoRoot(from: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = join(dir, VAULTFILE_DIR);
    try {
      if (statSync(candidate).isDirectory()) return dir;
    } catch {
      // keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** NAME when it follows the keyring-name rule (core/keyring-name.ts), else a usage error. */
export function checkKeyringName(name: string): string {
  if (!isKeyringName(name)) {
    throw new UsageError(`keyring name ${quotePath(name)} is not valid; use ${KEYRING_NAME_RULE}`);
  }
  return name;
}

export function keyringPath(root: string, name: string): string {
  return join(root, VAULTFILE_DIR, KEYRINGS_DIR, `${checkKeyringName(name)}.keyring`);
}

export function policyPath(root: string): string {
  return join(root, VAULTFILE_DIR, POLICY_FILE);
}

export function hasKeyring(root: string, name: string): boolean {
  return existsSync(keyringPath(root, name));
}

export async function listKeyrings(root: string): Promise<string[]> {
  try {
    const names = await fs.readdir(join(root, VAULTFILE_DIR, KEYRINGS_DIR));
    return names.filter((n) => n.endsWith('.keyring')).map((n) => n.slice(0, -'.keyring'.length)).sort();
  } catch {
    return [];
  }
}

export function parsePolicy(text: string, origin: string): Policy {
  let data: unknown;
  try {
    data = yaml().parse(text);
  } catch (error) {
    throw new FormatError(`${quotePath(origin)}: not valid YAML (${(error as Error).message.split('\n')[0]}); fix the policy file`);
  }
  const rulesValue = (data as { rules?: unknown } | null)?.rules ?? [];
  if (!Array.isArray(rulesValue)) throw new FormatError(`${quotePath(origin)}: "rules" must be a list of {path, keyring}`);
  const rules = rulesValue.map((rule: unknown, index: number) => {
    const { path, keyring, exclude, format } = (rule ?? {}) as { path?: unknown; keyring?: unknown; exclude?: unknown; format?: unknown };
    const where = `${quotePath(origin)}: rule ${index + 1}`;
    if (typeof path !== 'string' || path.length === 0) {
      throw new FormatError(`${where} needs a "path" glob`);
    }
    const name = typeof keyring === 'string' ? keyring : DEFAULT_KEYRING;
    checkKeyringName(name);
    const parsed: PolicyRule = { path, keyring: name };
    if (exclude !== undefined && exclude !== null) {
      const list = typeof exclude === 'string' ? [exclude] : exclude;
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item.length === 0)) {
        throw new FormatError(`${where}: "exclude" must be a list of path globs`);
      }
      if (list.length > 0) parsed.exclude = list as string[];
    }
    if (format !== undefined && format !== null) {
      if (!RULE_FORMATS.includes(format as RuleFormat)) {
        throw new FormatError(`${where}: format ${JSON.stringify(format)} is not known; use "vaultfile" or "ansible"`);
      }
      if (format === 'ansible') parsed.format = 'ansible';
    }
    return parsed;
  });
  return { rules };
}

export function serializePolicy(policy: Policy): string {
  return (
    '# vaultfile policy: files matching a rule are encrypted under its keyring (first match wins;\n' +
    '# a path in a rule\'s exclude list falls through to the next rule). format: ansible keeps\n' +
    '# the files as Ansible Vault files that ansible-playbook reads.\n' +
    '# `vault git setup` generates .gitattributes from these rules.\n' +
    yaml().stringify({ version: 1, rules: policy.rules })
  );
}

/** The policy of ROOT; messages name it relative to CWD. */
export async function readPolicy(root: string, cwd: string = root): Promise<Policy> {
  const path = policyPath(root);
  const text = readCommittedText(path, 'the policy');
  if (text === null) return { rules: [] };
  return parsePolicy(text, relative(cwd, path) || path);
}

/** The repository-relative POSIX path of FILE, or null when FILE is outside ROOT. */
export function repoRelative(root: string, file: string): string | null {
  const rel = relative(root, resolve(file));
  if (rel === '' || rel.startsWith('..') || resolve(rel) === rel) return null;
  return rel.split(sep).join('/');
}

/**
 * The rule covering a repository-relative path, or null: the first rule whose `path` matches and
 * none of whose `exclude` patterns do. An excluded path falls through to the rules after it.
 */
export function matchRule(policy: Policy, relPath: string): PolicyRule | null {
  let matchers = compiledRules.get(policy);
  if (!matchers) {
    // Loaded and compiled on first use, once per policy: the git filter matches every file of a
    // checkout, and commands that never consult the policy do not load picomatch at all.
    const picomatch = require('picomatch') as typeof import('picomatch');
    matchers = policy.rules.map((rule) =>
      picomatch(rule.path, { dot: true, ...(rule.exclude ? { ignore: rule.exclude } : {}) }),
    );
    compiledRules.set(policy, matchers);
  }
  for (let i = 0; i < matchers.length; i++) {
    if (matchers[i]!(relPath)) return policy.rules[i]!;
  }
  return null;
}

/**
 * The one reader of keyring files: the keyring NAME of the repository at ROOT, parsed (no key
 * needed); null when the file does not exist. A damaged file is a FormatError, an unreadable one
 * a FileSystemError; each caller says what a missing keyring means for it.
 */
export function readKeyring(root: string, name: string): Keyring | null {
  const path = keyringPath(root, name);
  const text = readCommittedText(path, 'a keyring');
  return text === null ? null : parseKeyring(text, path);
}

/** The one writer of keyring files (0644: they are committed); EXCLUSIVE never replaces one. */
export async function writeKeyring(path: string, unlocked: UnlockedKeyring, options: { exclusive?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(serializeKeyring(unlocked)), { newFileMode: 0o644, exclusive: options.exclusive === true });
}

/** The keyring NAME of the repository around CWD, parsed (no key needed). */
export async function readRepoKeyring(name: string, cwd: string): Promise<{ root: string; path: string; keyring: Keyring }> {
  const root = findRepoRoot(cwd);
  if (!root) throw new UsageError('no .vaultfile/ directory here or above; run "vault init" first');
  const keyring = readKeyring(root, name);
  if (keyring === null) {
    throw new UsageError(`keyring ${quotePath(name)} does not exist; run "vault keys list" or "vault init --keyring ${name}"`);
  }
  return { root, path: keyringPath(root, name), keyring };
}
