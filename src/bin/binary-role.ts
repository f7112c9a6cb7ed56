/**
 * What the single executable is in this process, from the name it was started under and its
 * arguments: the Ansible client under a name ending in `-client` (a copy or link named
 * `vaultfile-client`), the git drivers for `git filter-process|clean|smudge|textconv|merge` (what
 * `vault git setup` writes when run from the binary), else the `vault` command line. Asked by the
 * executable's launcher (src/bin/sea-launcher.ts) and its program (src/bin/binary.ts).
 */
import { basename } from 'node:path';

export type BinaryRole = 'client' | 'git-filter' | 'vault';

const PLUMBING = new Set(['filter-process', 'clean', 'smudge', 'textconv', 'merge']);

export function binaryRole(argv0: string, args: readonly string[]): BinaryRole {
  if (basename(argv0).replace(/\.exe$/i, '').endsWith('-client')) return 'client';
  const [command, sub] = args;
  return command === 'git' && sub !== undefined && PLUMBING.has(sub) ? 'git-filter' : 'vault';
}
