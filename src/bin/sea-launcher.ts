/**
 * The main script of the single executable (scripts/build-binary.mjs). `vault --version` is
 * answered by src/bin/vault.ts, as in the npm package, without the program; anything else runs the
 * program (src/bin/binary.ts, which picks the vault command line, the git filter or the Ansible
 * client) from an asset of the executable (src/bin/sea-program.ts). Node deserializes the code
 * cache of the main script at every start, so the main script is kept this small: the program's
 * own code cache is read only when the program runs.
 */
import { basename } from 'node:path';
import { asksVersion } from './version-question.js';

// Under a name ending in `-client` the binary is the Ansible client, whose arguments are its own.
const client = basename(process.argv0).replace(/\.exe$/i, '').endsWith('-client');
if (!client && asksVersion(process.argv.slice(2))) void import('./vault.js');
else void import('./sea-program.js');
