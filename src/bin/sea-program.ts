/**
 * Runs the program of the single executable from its assets (scripts/build-binary.mjs):
 * `program.js`, the CommonJS bundle of src/bin/binary.ts already wrapped in a function of
 * (exports, require, module, __filename, __dirname), and `program.cache`, V8's code cache for it,
 * made at build time by the node binary the executable is a copy of. V8 refuses a cache made by
 * another build of itself (cachedDataRejected): the program is then compiled without it, slower
 * but the same. It runs with the main script's require, which loads Node's built-in modules: the
 * bundle needs nothing else (the build turns its import() of built-ins into require).
 */
import { getRawAsset } from 'node:sea';
import { Script } from 'node:vm';

// getRawAsset: the bytes inside the executable, not a copy (never written to). The bundle is ASCII
// (esbuild escapes the rest; the build checks): latin1 is the cheapest decoding.
const script = new Script(Buffer.from(getRawAsset('program.js') as ArrayBuffer).toString('latin1'), {
  // The name the build's cache was made under (V8 keeps that one when it takes the cache).
  filename: 'program.js',
  cachedData: Buffer.from(getRawAsset('program.cache') as ArrayBuffer),
});
const program = script.runInThisContext() as (exports: object, load: NodeJS.Require, module: object, filename: string, dirname: string) => void;
const exports = {};
program(exports, require, { exports }, __filename, __dirname);
