/**
 * git-crypt's `.gitattributes` lines as vaultfile policy rules. git-crypt marks files with
 * `filter=git-crypt` (or `filter=git-crypt-NAME` for a named key) and carves exceptions with
 * `!filter` / `-filter` lines after them; git applies the last matching line. A policy applies
 * its first covering rule and an excluded path falls through, so each marking line becomes a rule
 * whose `exclude:` lists the exception lines that follow it. Pure: text in, rules and text out.
 */
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { FormatError, quotePath } from '../errors.js';
import type { PolicyRule } from '../repo/repo.js';

/** One `.gitattributes` file: its directory relative to the work tree top ('' at the top) and text. */
export interface AttributesFile {
  dir: string;
  text: string;
}

export interface GitCryptTranslation {
  rules: PolicyRule[];
  /** Each attributes file with git-crypt's lines for this key removed (other lines kept). */
  rewritten: AttributesFile[];
  /** Lines left alone: another git-crypt key's files, or patterns git would never match. */
  skipped: string[];
}

interface Line {
  file: number;
  index: number;
  glob: string;
  kind: 'include' | 'exclude';
}

/** The git-crypt filter name of a key: `git-crypt` for the default key, `git-crypt-NAME` otherwise. */
export function gitCryptFilterName(keyName: string | null): string {
  return keyName === null ? 'git-crypt' : `git-crypt-${keyName}`;
}

/** Whether two globs can match one path: every match of a glob lies under its literal base directory. */
function basesOverlap(a: string, b: string): boolean {
  const base = (glob: string) => picomatch.scan(glob).base.split('/').filter((part) => part !== '');
  const [x, y] = [base(a), base(b)];
  // Both name the last path segment: a literal base name must fit the other's last segment.
  const [lastA, lastB] = [posix.basename(a), posix.basename(b)];
  if (!picomatch.scan(lastA).isGlob && lastB !== '**' && !picomatch(lastB, { dot: true })(lastA)) return false;
  if (!picomatch.scan(lastB).isGlob && lastA !== '**' && !picomatch(lastA, { dot: true })(lastB)) return false;
  return x.slice(0, y.length).every((part, i) => part === y[i]) || y.slice(0, x.length).every((part, i) => part === x[i]);
}

/** A gitattributes pattern of the file in DIR as a picomatch glob relative to the work tree top. */
export function attributeGlob(dir: string, pattern: string): string {
  // A pattern without a slash matches the base name at any depth below its file (gitignore rules).
  const anchored = pattern.replace(/\/+$/, '').includes('/');
  const path = anchored ? pattern.replace(/^\//, '') : `**/${pattern}`;
  return dir === '' ? path : posix.join(dir, path);
}

/**
 * Rules for the files git-crypt's key KEYNAME (null: default) encrypts, all sealed under KEYRING.
 * Files are given top first; deeper ones come after, as git ranks them.
 */
export function translateGitCryptAttributes(files: AttributesFile[], keyName: string | null, keyring: string): GitCryptTranslation {
  const filter = gitCryptFilterName(keyName);
  const lines: Line[] = [];
  const skipped: string[] = [];
  const drop = files.map(() => new Set<number>());
  files.forEach((file, fileIndex) => {
    file.text.split('\n').forEach((raw, index) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const [pattern, ...attributes] = line.split(/\s+/);
      if (pattern!.startsWith('"')) {
        throw new FormatError(`${quotePath(posix.join(file.dir, '.gitattributes'))}: quoted pattern ${pattern} is not supported; rewrite it without quotes, then run again`);
      }
      const filterValue = attributes.find((attribute) => attribute.startsWith('filter='))?.slice('filter='.length);
      const unsets = attributes.includes('!filter') || attributes.includes('-filter');
      const mentionsKey = attributes.some((attribute) => attribute === `filter=${filter}` || attribute === `diff=${filter}`);
      if (filterValue !== undefined && filterValue.startsWith('git-crypt') && filterValue !== filter) {
        skipped.push(`${posix.join(file.dir, '.gitattributes')}: ${line} (another git-crypt key)`);
        return;
      }
      if (pattern!.endsWith('/')) {
        if (mentionsKey) skipped.push(`${posix.join(file.dir, '.gitattributes')}: ${line} (a directory pattern matches no file in git)`);
        return;
      }
      const glob = attributeGlob(file.dir, pattern!);
      // vaultfile never filters .gitattributes files (the generated block says so): no rule needed.
      if (posix.basename(glob) === '.gitattributes') {
        if (unsets || mentionsKey) drop[fileIndex]!.add(index);
        return;
      }
      if (filterValue === filter) {
        lines.push({ file: fileIndex, index, glob, kind: 'include' });
        drop[fileIndex]!.add(index);
      } else if (unsets) {
        lines.push({ file: fileIndex, index, glob, kind: 'exclude' });
        // git-crypt's own exception lines go with it; the generated block unsets what the policy excludes.
        if (attributes.every((attribute) => /^[!-](filter|diff)$/.test(attribute))) drop[fileIndex]!.add(index);
      } else if (mentionsKey) {
        drop[fileIndex]!.add(index);
      }
    });
  });
  const rules: PolicyRule[] = [];
  lines.forEach((line, position) => {
    if (line.kind !== 'include') return;
    const covers = picomatch(line.glob, { dot: true });
    // A file named by an exception matters only if this rule covers it; a glob may always overlap.
    const relevant = (glob: string) => (picomatch.scan(glob).isGlob ? basesOverlap(glob, line.glob) : covers(glob));
    const exclude = [...new Set(lines.slice(position + 1).filter((later) => later.kind === 'exclude' && relevant(later.glob)).map((later) => later.glob))];
    rules.push(exclude.length > 0 ? { path: line.glob, keyring, exclude } : { path: line.glob, keyring });
  });
  const rewritten = files.map((file, fileIndex) => ({
    dir: file.dir,
    text: file.text
      .split('\n')
      .filter((_, index) => !drop[fileIndex]!.has(index))
      .join('\n'),
  }));
  return { rules, rewritten, skipped };
}
