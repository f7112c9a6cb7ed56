/**
 * The launcher's way to the quick `vault view` in the npm package: bundle/bin/view.js, run with the
 * user's code cache for it (src/bin/code-cache.ts), written after the first run. The package's
 * build puts this module where the launcher imports ./view.js (scripts/build-bundle.mjs); the
 * tsc build imports src/bin/view.ts itself. Its require (this file's, in bundle/bin/) serves view.js.
 */
import { join } from 'node:path';
import { runWithCodeCache } from './code-cache.js';

export async function start(args: string[]): Promise<boolean> {
  const view = runWithCodeCache(join(__dirname, 'view.js'), process.env, require);
  const quick = view.exports.start as (args: string[]) => Promise<boolean>;
  try {
    return await quick(args);
  } finally {
    view.saveCache();
  }
}
