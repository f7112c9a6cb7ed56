// `npm run build:binary`: the single executable dist/vault-<os>-<arch> for the platform this runs
// on (Node's single-executable applications). On Node 20 the application must be one CommonJS
// file: esbuild bundles src/bin/binary.ts with every dependency into dist/sea/vault.cjs; Node turns it
// into a blob with a V8 code cache (start-up skips compiling the bundle); postject injects the blob
// into a copy of this node binary. Build on each target OS with the Node version to ship: the blob
// only runs in the Node that made it. macOS and Windows steps follow Node's documentation.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

export async function buildBinary() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const main = join(WORK, 'vault.cjs');
  await build({
    ...COMMON,
    entryPoints: [join(ROOT, 'src/bin/binary.ts')],
    outfile: main,
    format: 'cjs',
    plugins: [bundleLocalRequires],
    // Smaller source is less code cache to read at every start; names are kept for error classes.
    minify: true,
    keepNames: true,
    // import.meta.url is only read outside the binary (src/git/setup.ts asks isSea() first).
    logOverride: { 'empty-import-meta': 'silent' },
  });
  return seaBinary(main, WORK, BINARY);
}

/**
 * A single executable at BINARY that runs the CommonJS file MAIN, its blob made in WORK. Also
 * what the start-up benchmark builds from an empty file: the floor of any single executable.
 * @param {string} main @param {string} work @param {string} binary
 */
export function seaBinary(main, work, binary) {
  const config = join(work, 'sea-config.json');
  const blob = join(work, 'sea-prep.blob');
  writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
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
