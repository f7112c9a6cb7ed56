/**
 * What `vault check --staged` refuses besides plaintext (docs/SECURITY.md §4): a staged envelope
 * that is not whole (text appended to it in a clone without the key), a staged vaultfile key file
 * (`vault keygen` inside the work tree, then `git add -A`), and a copy of the clone's stored data
 * keys from `.git/vaultfile/`. Looks only at what the next commit adds or changes; reads only.
 */
import { KEY_FILE_PREFIX } from '../core/key-file.js';
import { listIndex, readBlobPrefixes, runGit } from './git-query.js';
import { findMalformedEnvelopes } from './blob-shape.js';
import type { PolicyFile } from './policy-files.js';

/** The first line of the data keys `vault unlock` stores (repo/key-store.ts). */
const STORED_KEYS_MARK = '# vaultfile data keys:';
const SNIFF = 512;
/** `vault keygen` output: comment lines, then the key line (core/key-file.ts). */
const KEY_FILE = new RegExp(`^(#[^\\n]*\\r?\\n)*${KEY_FILE_PREFIX}`);

export interface StagedHazard {
  path: string;
  problem: string;
}

/** Paths the index adds or changes against HEAD (every staged path in a repository without commits). */
function stagedChanges(top: string): Set<string> {
  let out: string;
  try {
    out = runGit(top, ['diff', '--cached', '--name-only', '-z', '--no-renames', '--diff-filter=AMCT', 'HEAD']).toString('utf8');
  } catch {
    out = runGit(top, ['ls-files', '-z', '--cached']).toString('utf8');
  }
  return new Set(out.split('\0').filter((path) => path !== ''));
}

export async function findStagedHazards(top: string, files: PolicyFile[]): Promise<StagedHazard[]> {
  const changed = stagedChanges(top);
  const index = listIndex(top).filter((entry) => entry.stage === 0 && changed.has(entry.path) && entry.mode !== '160000');
  const sha = new Map(index.map((entry) => [entry.path, entry.sha]));
  const hazards: StagedHazard[] = [];
  const prefixes = await readBlobPrefixes(top, index.map((entry) => entry.sha), SNIFF);
  for (const entry of index) {
    const head = prefixes.get(entry.sha);
    if (head === undefined) continue;
    const text = Buffer.from(head).toString('latin1');
    if (text.startsWith(STORED_KEYS_MARK)) {
      hazards.push({ path: entry.path, problem: 'staged and holds data keys copied from .git/vaultfile/ (secret); unstage it with "git rm --cached" and delete it' });
    } else if (KEY_FILE.test(text)) {
      hazards.push({ path: entry.path, problem: 'staged and is a vaultfile key file (secret); unstage it with "git rm --cached", keep it outside the repository or add it to .gitignore' });
    }
  }
  // Envelopes the next commit changes: validated whole, since a header alone proves nothing.
  const envelopes = files.filter((file) => file.index.kind === 'encrypted' && sha.has(file.path));
  const malformed = await findMalformedEnvelopes(top, envelopes.map((file) => sha.get(file.path)!));
  for (const file of envelopes) {
    const problem = malformed.get(sha.get(file.path)!);
    if (problem !== undefined) hazards.push({ path: file.path, problem: `staged as a damaged envelope (${problem.replace(/^damaged vault file: /, '').replace(/; restore it.*$/, '')}): was text added to it?` });
  }
  return hazards;
}
