/**
 * Entry point of the single executable's program (scripts/build-binary.mjs): one file that is the
 * whole product. It loads only the program this process is (src/bin/binary-role.ts):
 * - the Ansible vault password client (src/bin/vaultfile-client.ts);
 * - the git drivers, without the command-line framework, as src/bin/git-filter.ts;
 * - the `vault` command line (src/bin/cli.ts). The executable's launcher, the npm package's
 *   (src/bin/vault.ts), has answered --version, tried the quick `vault view` and set up standard
 *   output before it loaded this program.
 * The npm package has separate entry files instead; this module is not part of it.
 */
import { binaryRole } from './binary-role.js';

function start(): Promise<unknown> {
  const role = binaryRole(process.argv0, process.argv.slice(2));
  if (role === 'client') return import('./vaultfile-client.js');
  if (role === 'git-filter') {
    // git-filter reads its arguments after argv[1]: drop the word "git".
    process.argv.splice(2, 1);
    return import('./git-filter.js');
  }
  return import('./cli.js');
}

void start();
