/**
 * The policy `vault init` proposes for the files a repository already holds: the default rules,
 * each with an `exclude:` list naming the files they match that are meant to stay readable
 * (`.env.example`, `deploy/vars/common.yml`, ...), so the pre-commit check accepts the layout as
 * teams have it. Reads directory listings only, never file contents; writes nothing.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { DEFAULT_RULES, VAULTFILE_DIR, type PolicyRule } from './repo.js';

const require = createRequire(import.meta.url);

/** Names that say "a template or shared defaults, not a secret". */
const PLAINTEXT_NAME = /(^|[._-])(example|examples|sample|samples|template|templates|dist|default|defaults|common|shared|local\.example)([._-]|$)/i;
/** Directories never walked: dependencies, build output, VCS data. */
const SKIPPED_DIRS = new Set(['.git', VAULTFILE_DIR, 'node_modules', 'vendor', 'dist', 'build', '.venv', 'venv', '__pycache__']);
/** A repository with more files than this is not listed whole; the proposal then has no exclusions. */
const MAX_FILES = 20000;

/** True when NAME (a file's base name) reads as a template or shared defaults. */
export function looksPlaintext(name: string): boolean {
  return PLAINTEXT_NAME.test(name);
}

/** Repository-relative POSIX paths of the files under ROOT, up to MAX_FILES. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [''];
  while (pending.length > 0 && out.length < MAX_FILES) {
    const dir = pending.shift()!;
    let entries;
    try {
      entries = await fs.readdir(join(root, dir), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) pending.push(rel);
      else if (entry.isFile()) out.push(rel);
    }
  }
  return out;
}

/** The default rules, each excluding the files under ROOT it matches that look like plaintext. */
export async function proposeRules(root: string, rules: readonly PolicyRule[] = DEFAULT_RULES): Promise<PolicyRule[]> {
  const picomatch = require('picomatch') as typeof import('picomatch');
  const files = await listFiles(root);
  return rules.map((rule) => {
    const matches = picomatch(rule.path, { dot: true });
    const exclude = files.filter((file) => matches(file) && looksPlaintext(file.slice(file.lastIndexOf('/') + 1)));
    return exclude.length > 0 ? { ...rule, exclude } : { ...rule };
  });
}
