// `npm run build:binary`: the single executable dist/vault-<os>-<arch> for the platform this runs
// on (Node's single-executable applications). On Node 20 the application's main script must be one
// CommonJS file, and Node deserializes that script's V8 code cache at every start, whatever the
// command. So the main script is a small launcher (src/bin/sea-launcher.ts: answers --version, as
// the npm package's launcher does) and the program, esbuild's bundle of src/bin/binary.ts with
// every dependency, is an asset of the executable with a code cache of its own
// (src/bin/sea-program.ts), read only when the program runs; so is the quick `vault view`
// (src/bin/sea-view.ts, the bundle of src/bin/view.ts the npm package ships as bundle/bin/view.js). Node turns the launcher and the assets
// into a blob; postject injects the blob into a copy of this node binary. Build on each target OS
// with the Node version to ship: the blob and the caches only run in the Node that made them.
// macOS and Windows steps follow Node's documentation.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMON, COMMONJS_WRAPPER, bundleLocalRequires, wholeProgramOnly } from './build-bundle.mjs';

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
const wrapProgram = (bundle) => `${COMMONJS_WRAPPER[0]}${bundle}${COMMONJS_WRAPPER[1]}`;

/**
 * V8's code caches for program assets, made by children of this node (the binary the executable is
 * a copy of; without NODE_OPTIONS), which run each asset as the executable does
 * (src/bin/sea-asset.ts; an asset exporting start() is then started with the run's arguments) in
 * a temporary directory: `keygen` and `encrypt` from the program, then `view` with a key file from
 * the program and from the quick view, each writing its asset's cache as it exits. A cache made
 * after a run holds the functions that run compiled (the run context, the key sources, the
 * envelope code, and commander in the program) besides the top level, so `view` and the commands
 * sharing that code compile less at start.
 * @param {{ source: string, cache: string }} program @param {{ source: string, cache: string }} view
 */
function codeCaches(program, view) {
  const make = `const { Script } = require('node:vm'); const fs = require('node:fs');
    const [source, cache, ...args] = process.argv.slice(1);
    const script = new Script(fs.readFileSync(source, 'latin1'), { filename: require('node:path').basename(source) });
    process.argv = [process.execPath, 'vault', ...args];
    if (cache !== '-') process.on('exit', () => fs.writeFileSync(cache, script.createCachedData()));
    const module = { exports: {} };
    script.runInThisContext()(module.exports, require, module, __filename, __dirname);
    if (typeof module.exports.start === 'function') module.exports.start(args).then((ran) => { if (!ran) throw new Error('the quick view declined'); });`;
  const dir = mkdtempSync(join(tmpdir(), 'vaultfile-cache-'));
  /** @type {Record<string, string | undefined>} */
  const env = { PATH: process.env.PATH, HOME: dir, LANG: 'C' };
  try {
    writeFileSync(join(dir, 'f'), 'a: 1\n');
    const runs = [
      [program.source, '-', 'keygen', 'k'],
      [program.source, '-', 'encrypt', '--key-file', 'k', 'f'],
      [program.source, program.cache, 'view', 'f', '--key-file', 'k'],
      [view.source, view.cache, 'view', 'f', '--key-file', 'k'],
    ];
    for (const args of runs) execFileSync(process.execPath, ['-e', make, ...args], { cwd: dir, stdio: 'pipe', env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * esbuild's CommonJS bundle at BUNDLE as a program asset's text (src/bin/sea-asset.ts).
 * @param {string} bundle
 */
function assetText(bundle) {
  // The bundle imports a few built-ins with import() (child_process, http, async_hooks): V8 keeps
  // no dynamic-import callback with a code cache, so they become requires of the built-in.
  const text = readFileSync(bundle, 'utf8').replace(/\bimport\("(node:[\w/]+)"\)/g, 'Promise.resolve(require("$1"))');
  if (/\bimport\(/.test(text)) throw new Error(`${bundle} has an import() the program asset cannot run`);
  // src/bin/sea-asset.ts reads the asset as latin1, which is only right for ASCII.
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error(`${bundle} is not ASCII (esbuild's charset option)`);
  return wrapProgram(text);
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
  const viewBundle = join(WORK, 'view.cjs');
  await build({ ...options, entryPoints: [join(ROOT, 'src/bin/view.ts')], outfile: viewBundle, plugins: [bundleLocalRequires, wholeProgramOnly] });
  const program = { source: join(WORK, 'program.js'), cache: join(WORK, 'program.cache') };
  const view = { source: join(WORK, 'view.js'), cache: join(WORK, 'view.cache') };
  writeFileSync(program.source, assetText(bundle));
  writeFileSync(view.source, assetText(viewBundle));
  codeCaches(program, view);
  const main = join(WORK, 'launcher.cjs');
  // The launcher's src/bin/vault.ts loads the command line as ./cli.js and the quick view as
  // ./view.js; here they come from the executable's assets.
  /** @type {import('esbuild').Plugin} */
  const programFromAsset = {
    name: 'program-from-asset',
    setup(plugin) {
      plugin.onResolve({ filter: /^\.\/cli\.js$/ }, () => ({ path: join(ROOT, 'src/bin/sea-program.ts') }));
      plugin.onResolve({ filter: /^\.\/view\.js$/ }, () => ({ path: join(ROOT, 'src/bin/sea-view.ts') }));
    },
  };
  await build({ ...options, entryPoints: [join(ROOT, 'src/bin/sea-launcher.ts')], outfile: main, plugins: [bundleLocalRequires, programFromAsset] });
  const assets = { 'program.js': program.source, 'program.cache': program.cache, 'view.js': view.source, 'view.cache': view.cache };
  return seaBinary(main, WORK, BINARY, assets);
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
