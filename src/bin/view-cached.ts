/**
 * The launcher's way to the quick `vault view` in the npm package: bundle/bin/view.js, run with the
 * user's code cache for it (src/bin/code-cache.ts), written after the first run. The package's
 * build puts this module where the launcher imports ./view.js (scripts/build-bundle.mjs); the
 * tsc build imports src/bin/view.ts itself. Its require (this file's, in bundle/bin/) serves view.js.
 */
import { join } from 'node:path';
import { startWithCodeCache } from './code-cache.js';

export function start(args: string[]): Promise<boolean> {
  return startWithCodeCache<boolean>(join(__dirname, 'view.js'), args, process.env, require);
}
