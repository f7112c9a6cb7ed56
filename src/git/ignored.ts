/**
 * For `vault keygen` (docs/SECURITY.md §4): is a new secret file inside a git work tree, where
 * `git add -A` would commit it? Asks git (work tree top, check-ignore) and builds the warning with
 * the `.gitignore` line to add. Reads only; the command prints.
 */
import { spawnSync } from 'node:child_process';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { quotePath } from '../errors.js';

/** The warning for FILE when it lies in a git work tree and git would not ignore it, else null. */
export function unignoredSecretWarning(file: string): string | null {
  const dir = dirname(resolve(file));
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8' });
  if (top.status !== 0) return null;
  const root = top.stdout.trim();
  const ignored = spawnSync('git', ['check-ignore', '-q', '--', basename(file)], { cwd: dir });
  if (ignored.status === 0) return null;
  const line = `/${relative(root, resolve(file)).split(sep).join('/')}`;
  return `vault: warning: ${quotePath(file)} is inside the git work tree ${quotePath(root)} and not ignored, so "git add -A" would commit this key; add the line ${quotePath(line)} to .gitignore, or keep keys outside the repository`;
}
