/**
 * The launcher's way to the whole program in the npm package: Node's compile cache on
 * (src/bin/compile-cache.ts), then ./cli.js, the program (cli.mjs in the package). The package's
 * build puts this module where the launcher imports ./cli.js (scripts/build-bundle.mjs), as it does
 * view-cached.ts for ./view.js; the single executable runs the program from an asset, which Node's
 * module loader never compiles, and the tsc build imports src/bin/cli.ts itself.
 */
import { enableCompileCache } from './compile-cache.js';

enableCompileCache(process.env);
void import('./cli.js');
