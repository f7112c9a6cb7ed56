// Builds what the npm package ships: bundle/bin/vault.cjs (the launcher `vault` links to), cli.js,
// git-filter.js and vaultfile-client.js, ESM with code
// splitting (esbuild). Every dependency but yaml and picomatch is bundled, so the installed package
// has two small runtime dependencies; modules the source imports with import() (each AWS client, the Ansible code, the
// prompts, the git setup) land in their own chunks under bundle/chunks/ and are read only by the
// command that uses them. The tsc build in dist/ stays for the tests that import modules directly.
// Prints nothing on stdout: `npm pack` (run by pre-commit) prints the tarball name there.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bundle');

/**
 * Options shared with the single-executable build (scripts/build-binary.mjs).
 * @type {import('esbuild').BuildOptions}
 */
export const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  // The dependencies' ESM builds where they have one (smaller, tree-shaken).
  mainFields: ['module', 'main'],
  legalComments: 'none',
  logLevel: 'warning',
};

export async function buildBundle({ sourcemap = true } = {}) {
  rmSync(OUT, { recursive: true, force: true });
  await build({
    ...COMMON,
    entryPoints: {
      'bin/cli': join(ROOT, 'src/bin/cli.ts'),
      'bin/git-filter': join(ROOT, 'src/bin/git-filter.ts'),
      'bin/vaultfile-client': join(ROOT, 'src/bin/vaultfile-client.ts'),
    },
    outdir: OUT,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // The two dependencies src/ loads synchronously on first use (createRequire): left out of the
    // bundle so that they cost nothing until then, as in the tsc build (a bundled require would
    // put their code in a chunk every command reads). Both have no dependencies of their own.
    external: ['yaml', 'picomatch'],
    // Linked maps let coverage of the spawned CLI map back to src/; package.json does not ship them.
    sourcemap: sourcemap ? 'linked' : false,
    // CommonJS dependencies (commander, the AWS SDK's helpers) call require() for Node built-ins.
    banner: { js: "import { createRequire as __vaultfileRequire } from 'node:module'; const require = __vaultfileRequire(import.meta.url);" },
  });
  // The `vault` and `vaultfile` executables: a CommonJS launcher (src/bin/vault.ts) that answers
  // --version with the version inlined here, and otherwise imports the ES module bin/cli.js above.
  // Node starts a CommonJS entry file faster than an ES module one (docs/benchmarks.md).
  await build({
    ...COMMON,
    entryPoints: [join(ROOT, 'src/bin/vault.ts')],
    outfile: join(OUT, 'bin', 'vault.cjs'),
    format: 'cjs',
    external: ['./cli.js'],
    sourcemap: sourcemap ? 'linked' : false,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBundle({ sourcemap: !process.argv.includes('--no-sourcemap') });
}
