/**
 * Entry point of the single executable (scripts/build-binary.mjs): one file that is the whole
 * product. It picks the program by how it was started, then loads only that program:
 * - under a name ending in `-client` (a copy or link named `vaultfile-client`): the Ansible vault
 *   password client (src/bin/vaultfile-client.ts);
 * - `git filter-process|clean|smudge|textconv|merge`: the git drivers (what `vault git setup`
 *   writes when run from the binary), without the command-line framework, as src/bin/git-filter.ts;
 * - anything else: the `vault` command line (src/bin/vault.ts, then src/bin/cli.ts).
 * The npm package has separate entry files instead; this module is not part of it.
 */
import { basename } from 'node:path';

const PLUMBING = new Set(['filter-process', 'clean', 'smudge', 'textconv', 'merge']);

function start(): Promise<unknown> {
  const name = basename(process.argv0).replace(/\.exe$/i, '');
  if (name.endsWith('-client')) return import('./vaultfile-client.js');
  const [command, sub] = process.argv.slice(2);
  if (command === 'git' && sub !== undefined && PLUMBING.has(sub)) {
    // git-filter reads its arguments after argv[1]: drop the word "git".
    process.argv.splice(2, 1);
    return import('./git-filter.js');
  }
  return import('./vault.js');
}

void start();
