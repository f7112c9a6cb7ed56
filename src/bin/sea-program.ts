/**
 * Runs the program of the single executable from its asset `program.js` (src/bin/sea-asset.ts):
 * the CommonJS bundle of src/bin/binary.ts, which picks the vault command line, the git filter or
 * the Ansible client.
 */
import { runAsset } from './sea-asset.js';

runAsset('program');
