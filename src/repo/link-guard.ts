/**
 * Inside a repository, a path that resolves outside it is refused (docs/SECURITY.md §4): a
 * committed symlink `deploy/vars/app.yml -> ~/.aws/credentials` would otherwise make
 * `vault encrypt deploy/vars/*.yml` turn the outside file into an envelope, or `vault decrypt`
 * write plaintext there. `--follow-symlinks` is the explicit opt-in. Reads only.
 */
import { realpathSync } from 'node:fs';
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import { FileSystemError, quotePath } from '../errors.js';
import { findRepoRoot } from './repo.js';

/** Where PATH really is (its last existing link followed), or PATH itself when it does not exist. */
function realTarget(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    // Missing (an output to be created) or a dangling link: judge the directory it would go in.
    try {
      return resolve(realpathSync.native(dirname(path)), relative(dirname(path), path));
    } catch {
      return resolve(path);
    }
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Refuse FILE when it lies in a vaultfile repository but resolves outside it (unless FOLLOW). */
export function assertStaysInRepository(file: string, follow: boolean, option = '--follow-symlinks'): void {
  if (follow || file === '-') return;
  const root = findRepoRoot(dirname(resolve(file)));
  if (root === null) return;
  const realRoot = realTarget(root);
  const target = realTarget(file);
  if (!inside(realRoot, target)) {
    throw new FileSystemError(
      `${quotePath(file)} leads outside the repository (to ${quotePath(target)}) through a symbolic link; nothing done; pass ${option} if that is intended`,
    );
  }
}
