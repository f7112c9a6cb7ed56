/**
 * `vault view` on its quick path (src/quick-view.ts), started by the launcher (src/bin/vault.ts):
 * true when it ran, false when it declined and the whole program is to run instead. The package
 * builds it as a CommonJS file of its own (bundle/bin/view.js, without commander or any code the
 * quick path leaves to the whole program), which the launcher runs with a code cache
 * (src/bin/view-cached.ts); the single executable keeps it as an asset.
 */
import { quickView } from '../quick-view.js';
import { processHost } from './process-host.js';

export async function start(args: string[]): Promise<boolean> {
  const code = await quickView(args, processHost());
  if (code === null) return false;
  process.exitCode = code;
  return true;
}
