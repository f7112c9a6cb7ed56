/**
 * The package's way to the git drivers' program: bundle/bin/git-filter-program.js, run with the
 * user's code cache for it (src/bin/code-cache.ts), written after the first run, when the cache
 * holds what that run compiled. The package's build puts this module where the launcher
 * (src/bin/git-filter.ts) imports ./git-filter-program.js; the tsc build imports the program
 * itself. Its require (this file's, in bundle/bin/) serves the program's own requires: the YAML
 * parser and glob matcher beside it.
 */
import { join } from 'node:path';
import { startWithCodeCache } from './code-cache.js';

export function start(args: string[]): Promise<void> {
  return startWithCodeCache<void>(join(__dirname, 'git-filter-program.js'), args, process.env, require);
}
