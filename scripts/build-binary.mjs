// `npm run build:binary`: the single executable dist/vault-<os>-<arch> for the platform this runs
// on (Node's single-executable applications). On Node 20 the application's main script must be one
// CommonJS file, and Node deserializes that script's V8 code cache at every start, whatever the
// command. So the main script is a small launcher (src/bin/sea-launcher.ts: answers --version, as
// the npm package's launcher does) and the program, esbuild's bundle of src/bin/binary.ts with
// every dependency, is an asset of the executable with a code cache of its own
// (src/bin/sea-program.ts), read only when the program runs. Node turns the launcher and the assets
// into a blob; postject injects the blob into a copy of this node binary. Build on each target OS
// with the Node version to ship: the blob and the caches only run in the Node that made them.
// macOS and Windows steps follow Node's documentation.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMON, bundleLocalRequires } from './build-bundle.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'dist', 'sea');
/** @type {Record<string, string>} */
const OS_NAMES = { linux: 'linux', darwin: 'macos', win32: 'win' };
const OS = OS_NAMES[process.platform] ?? process.platform;
export const BINARY = join(ROOT, 'dist', `vault-${OS}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`);
// The fuse Node's binary carries for postject (Node's single-executable documentation).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Run a build step; its chatter (postject warns about ELF notes it skips) shows only on failure.
 * @param {string} command @param {string[]} args
 */
function run(command, args) {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
  } catch (error) {
    const failed = /** @type {{stdout?: Buffer, stderr?: Buffer}} */ (error);
    process.stderr.write(`${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    throw error;
  }
}

/**
 * The program asset's text: the CommonJS bundle as the function Node would wrap it in, so that
 * the launcher compiles it as it is, with the code cache made from the same text.
 * @param {string} bundle
 */
const wrapProgram = (bundle) => `(function (exports, require, module, __filename, __dirname) {${bundle}\n})`;

/**
 * V8's code cache for the program asset SOURCE, written to CACHE. Made by children of this node
 * (the binary the executable is a copy of; without NODE_OPTIONS), which run the program as the
 * executable does (src/bin/sea-program.ts) in a temporary directory: `keygen`, `encrypt` and then
 * `view` with a key file, the last writing the cache as it exits. A cache made after a run holds
 * the functions that run compiled (commander, the run context, the key sources, the envelope code)
 * besides the top level, so `view` and the commands sharing that code compile less at start.
 * @param {string} source @param {string} cache
 */
function codeCache(source, cache) {
  const make = `const { Script } = require('node:vm'); const fs = require('node:fs');
    const [source, cache, ...args] = process.argv.slice(1);
    const script = new Script(fs.readFileSync(source, 'latin1'), { filename: 'program.js' });
    process.argv = [process.execPath, 'vault', ...args];
    if (cache !== '-') process.on('exit', () => fs.writeFileSync(cache, script.createCachedData()));
    const exported = {};
    script.runInThisContext()(exported, require, { exports: exported }, __filename, __dirname);`;
  const dir = mkdtempSync(join(tmpdir(), 'vaultfile-cache-'));
  /** @type {Record<string, string | undefined>} */
  const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C' };
  try {
    writeFileSync(join(dir, 'f'), 'a: 1\n');
    const runs = [['-', 'keygen', 'k'], ['-', 'encrypt', '--key-file', 'k', 'f'], [cache, 'view', 'f', '--key-file', 'k']];
    for (const args of runs) execFileSync(process.execPath, ['-e', make, source, ...args], { cwd: dir, stdio: 'pipe', env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function buildBinary() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const bundle = join(WORK, 'vault.cjs');
  /** @type {import('esbuild').BuildOptions} */
  const options = {
    ...COMMON,
    format: 'cjs',
    plugins: [bundleLocalRequires],
    // Smaller source is less code to read and cache; names are kept for error classes.
    minify: true,
    keepNames: true,
    // import.meta.url is only read outside the binary (src/git/setup.ts asks isSea() first).
    logOverride: { 'empty-import-meta': 'silent' },
  };
  await build({ ...options, entryPoints: [join(ROOT, 'src/bin/binary.ts')], outfile: bundle });
  const program = join(WORK, 'program.js');
  const cache = join(WORK, 'program.cache');
  // The bundle imports a few built-ins with import() (child_process, http, async_hooks): V8 keeps
  // no dynamic-import callback with a code cache, so they become requires of the built-in.
  const text = readFileSync(bundle, 'utf8').replace(/\bimport\("(node:[\w/]+)"\)/g, 'Promise.resolve(require("$1"))');
  if (/\bimport\(/.test(text)) throw new Error(`${bundle} has an import() the program asset cannot run`);
  // src/bin/sea-program.ts reads the asset as latin1, which is only right for ASCII.
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error(`${bundle} is not ASCII (esbuild's charset option)`);
  writeFileSync(program, wrapProgram(text));
  codeCache(program, cache);
  const main = join(WORK, 'launcher.cjs');
  // The launcher's src/bin/vault.ts loads the command line as ./cli.js; here the program does.
  /** @type {import('esbuild').Plugin} */
  const programFromAsset = {
    name: 'program-from-asset',
    setup(plugin) {
      plugin.onResolve({ filter: /^\.\/cli\.js$/ }, () => ({ path: join(ROOT, 'src/bin/sea-program.ts') }));
    },
  };
  await build({ ...options, entryPoints: [join(ROOT, 'src/bin/sea-launcher.ts')], outfile: main, plugins: [bundleLocalRequires, programFromAsset] });
  return seaBinary(main, WORK, BINARY, { 'program.js': program, 'program.cache': cache });
}

/**
 * A single executable at BINARY that runs the CommonJS file MAIN, its blob made in WORK. Also
 * what the start-up benchmark builds from an empty file: the floor of any single executable.
 * ASSETS: name -> file, what node:sea's getAsset() reads in the executable.
 * @param {string} main @param {string} work @param {string} binary @param {Record<string, string>} [assets]
 */
export function seaBinary(main, work, binary, assets = {}) {
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea-prep.blob');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }));
  run(process.execPath, ['--experimental-sea-config', config]);

  rmSync(binary, { force: true });
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  if (process.platform === 'darwin') run('codesign', ['--remove-signature', binary]);
  const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  const macho = process.platform === 'darwin' ? ['--macho-segment-name', 'NODE_SEA'] : [];
  run(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE, ...macho]);
  if (process.platform === 'darwin') run('codesign', ['--sign', '-', binary]);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stderr.write(`built ${await buildBinary()}\n`);
}
