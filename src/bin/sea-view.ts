/**
 * The quick `vault view` of the single executable (src/bin/view.ts, src/quick-view.ts), from its
 * asset `view.js` with the code cache made at build time (src/bin/sea-asset.ts). The launcher
 * imports it where the npm package's launcher imports ./view.js (scripts/build-binary.mjs).
 */
import { runAsset } from './sea-asset.js';

export function start(args: string[]): Promise<boolean> {
  return (runAsset('view').start as (args: string[]) => Promise<boolean>)(args);
}
