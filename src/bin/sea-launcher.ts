/**
 * The main script of the single executable (scripts/build-binary.mjs). Node deserializes the code
 * cache of the main script at every start, so it is kept small. As the `vault` command line it is
 * the npm package's launcher (src/bin/vault.ts): it answers `vault --version` itself, tries the
 * quick `vault view` from an asset of its own (src/bin/sea-view.ts) and otherwise runs the program
 * from its asset (src/bin/sea-program.ts, then src/bin/binary.ts). As the git drivers or the
 * Ansible client (src/bin/binary-role.ts) it runs the program at once: the launcher would make
 * standard output a stream, and the filter writes to its descriptor. Each asset's code cache is
 * read only when that asset runs.
 */
import { binaryRole } from './binary-role.js';

if (binaryRole(process.argv0, process.argv.slice(2)) === 'vault') void import('./vault.js');
else void import('./sea-program.js');
