/**
 * Runs a program asset of the single executable (scripts/build-binary.mjs): NAME.js, a CommonJS
 * bundle already wrapped in a function of (exports, require, module, __filename, __dirname), with
 * NAME.cache, V8's code cache for it made at build time by the node binary the executable is a
 * copy of. V8 refuses a cache made by another build of itself (cachedDataRejected): the code is
 * then compiled without it, slower but the same. It runs with the main script's require, which
 * loads Node's built-in modules: the bundles need nothing else (the build turns their import() of
 * built-ins into require). Returns the asset's exports.
 */
import { getRawAsset } from 'node:sea';
import { Script } from 'node:vm';

export function runAsset(name: string): Record<string, unknown> {
  // getRawAsset: the bytes inside the executable, not a copy (never written to). The bundle is
  // ASCII (esbuild escapes the rest; the build checks): latin1 is the cheapest decoding.
  const script = new Script(Buffer.from(getRawAsset(`${name}.js`) as ArrayBuffer).toString('latin1'), {
    // The name the build's cache was made under (V8 keeps that one when it takes the cache).
    filename: `${name}.js`,
    cachedData: Buffer.from(getRawAsset(`${name}.cache`) as ArrayBuffer),
  });
  const body = script.runInThisContext() as (exports: object, load: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} as Record<string, unknown> };
  body(module.exports, require, module, __filename, __dirname);
  return module.exports;
}
