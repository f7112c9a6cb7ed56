// Builds what the npm package ships, under bundle/ (esbuild):
// - bundle/bin/vault.js: what `vault` and `vaultfile` start, a CommonJS launcher (src/bin/vault.ts)
//   that answers --version itself, with the version inlined here, runs a plain `vault view` from
//   view.js, and otherwise imports cli.mjs, with Node's compile cache on where Node has one;
// - bundle/bin/view.js: the quick `vault view` (src/bin/view.ts, src/quick-view.ts), one CommonJS
//   file without commander or any code it loads with import() (wholeProgramOnly below), which
//   the launcher runs with a per-user V8 code cache (src/bin/code-cache.ts);
// - bundle/bin/git-filter.js: what git starts for the drivers on every checkout, status and add, a
//   CommonJS launcher (src/bin/git-filter.ts) that runs git-filter-program.js, the drivers in one
//   CommonJS file (src/bin/git-filter-program.ts), with a per-user V8 code cache as view.js is
//   run; the YAML parser and the glob matcher that only clean needs (the policy) in
//   git-filter-yaml.js and git-filter-picomatch.js;
// - bundle/bin/cli.mjs (the program) and vaultfile-client.mjs: ES modules with code splitting;
//   modules the source imports with import() (each AWS client, the Ansible code, the prompts, the
//   git setup) land in their own chunks under bundle/chunks/ and are read only by the command
//   that uses them.
// Node starts a CommonJS entry file faster than an ES module one, and one file faster than the
// dozen chunks it would otherwise read (docs/benchmarks.md). bundle/bin/package.json makes the
// .js files there CommonJS, so the executables keep the names of the tsc build in dist/bin/
// (`vault git setup` writes the same file names from either build).
// Every dependency but yaml and picomatch is bundled, so the installed package has two small
// runtime dependencies. The tsc build in dist/ stays for the tests that import modules directly.
// Prints nothing on stdout: `npm pack` (run by pre-commit) prints the tarball name there.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * src/ loads a few CommonJS packages synchronously through `createRequire(import.meta.url)` so that
 * they cost nothing until used. A CommonJS output has no import.meta.url but a require of its own:
 * dropping the declaration leaves a plain `require('yaml')`, evaluated on the first call — the same
 * laziness (external here: the package's node_modules; bundled in the single executable).
 * @type {import('esbuild').Plugin}
 */
export const bundleLocalRequires = {
  name: 'bundle-local-requires',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const declaration = /^const require = createRequire\(import\.meta\.url\);$/m;
      if (!declaration.test(source)) return undefined;
      return { contents: source.replace(declaration, ''), loader: 'ts' };
    });
  },
};

/**
 * The launcher imports the program as `./cli.js` (its name in dist/bin/): here src/bin/cli-cached.ts,
 * which turns Node's compile cache on and imports cli.mjs. It imports the quick `vault view` as
 * `./view.js`: here src/bin/view-cached.ts, which runs bundle/bin/view.js with the user's code cache.
 * @type {import('esbuild').Plugin}
 */
const programAsModule = {
  name: 'program-as-module',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/cli\.js$/ }, (args) =>
      args.importer.endsWith('vault.ts') ? { path: join(ROOT, 'src/bin/cli-cached.ts') } : { path: './cli.mjs', external: true });
    plugin.onResolve({ filter: /^\.\/view\.js$/ }, (args) =>
      args.importer.endsWith('vault.ts') ? { path: join(ROOT, 'src/bin/view-cached.ts') } : undefined);
  },
};

/**
 * The quick `vault view` (src/quick-view.ts) is built without any code it loads with import(): each
 * import() becomes a module that throws, and the quick path, which has written nothing then,
 * declines and leaves the command to the whole program (Ansible files, identities, KMS, the
 * prompt, the pager, git-crypt, hints after a failure). So its file holds the envelope and key-file
 * path alone, and nothing it leaves out can run twice.
 * @type {import('esbuild').Plugin}
 */
export const wholeProgramOnly = {
  name: 'whole-program-only',
  setup(plugin) {
    plugin.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'whole-program-only' } : undefined));
    plugin.onLoad({ filter: /.*/, namespace: 'whole-program-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`left to the whole program: ${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/** The text around a CommonJS bundle that makes it the function Node would wrap it in. */
export const COMMONJS_WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];

/** Packages the quick view must not contain (test/quick-view.test.mjs checks its file too). */
const NOT_IN_QUICK_VIEW = ['commander', '@inquirer', '@aws-sdk', 'age-encryption', 'yaml'];

/**
 * The git filter's YAML parser and glob matcher, each in a CommonJS file of its own beside
 * git-filter.js (bundle/bin/git-filter-yaml.js, git-filter-picomatch.js): src/ requires them on first
 * use (the policy, which only clean reads), and V8 parses every byte of the file it starts, used or
 * not, before running any of it: inside the filter's file they were three quarters of it (320 of
 * 420 KB) and cost a checkout about 5 ms. One file each, not the eighty of node_modules/yaml.
 * @type {import('esbuild').Plugin}
 */
const filterPolicyDeps = {
  name: 'filter-policy-deps',
  setup(plugin) {
    plugin.onResolve({ filter: /^(yaml|picomatch)$/ }, (args) => ({ path: `./git-filter-${args.path}.js`, external: true }));
  },
};

/**
 * The git filter's launcher imports its program as `./git-filter-program.js`: here
 * src/bin/git-filter-cached.ts, which runs bundle/bin/git-filter-program.js with the user's code cache.
 * @type {import('esbuild').Plugin}
 */
const filterFromCache = {
  name: 'filter-from-cache',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/git-filter-program\.js$/ }, () => ({ path: join(ROOT, 'src/bin/git-filter-cached.ts') }));
  },
};

export async function buildBundle({ sourcemap = true } = {}) {
  rmSync(OUT, { recursive: true, force: true });
  // Linked maps let coverage of the spawned CLI map back to src/; package.json does not ship them.
  const maps = sourcemap ? 'linked' : false;
  // The two dependencies src/ loads synchronously on first use (createRequire): left out of the
  // bundle so that they cost nothing until then, as in the tsc build (a bundled require would
  // put their code in a chunk every command reads). Both have no dependencies of their own.
  const external = ['yaml', 'picomatch'];
  await build({
    ...COMMON,
    entryPoints: {
      'bin/cli': join(ROOT, 'src/bin/cli.ts'),
      'bin/vaultfile-client': join(ROOT, 'src/bin/vaultfile-client.ts'),
    },
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external,
    sourcemap: maps,
    // CommonJS dependencies (commander, the AWS SDK's helpers) call require() for Node built-ins.
    banner: { js: "import { createRequire as __vaultfileRequire } from 'node:module'; const require = __vaultfileRequire(import.meta.url);" },
  });
  /** @type {import('esbuild').BuildOptions} */
  const commonjs = { ...COMMON, format: 'cjs', external, sourcemap: maps, plugins: [bundleLocalRequires, programAsModule] };
  await build({ ...commonjs, entryPoints: [join(ROOT, 'src/bin/vault.ts')], outfile: join(OUT, 'bin', 'vault.js') });
  // Run with a code cache (src/bin/code-cache.ts), so written as the function Node would wrap a
  // CommonJS file in: the file is the compiled text itself, and coverage and stack positions match it.
  const quick = await build({
    ...commonjs,
    entryPoints: [join(ROOT, 'src/bin/view.ts')],
    outfile: join(OUT, 'bin', 'view.js'),
    plugins: [bundleLocalRequires, wholeProgramOnly],
    metafile: true,
    banner: { js: COMMONJS_WRAPPER[0] },
    footer: { js: COMMONJS_WRAPPER[1] },
  });
  const inputs = Object.keys(quick.metafile.inputs);
  const unwanted = inputs.filter((input) => NOT_IN_QUICK_VIEW.some((name) => input.includes(`node_modules/${name}`)));
  if (unwanted.length > 0) throw new Error(`bundle/bin/view.js must not contain ${unwanted.join(', ')}`);
  await build({ ...commonjs, entryPoints: [join(ROOT, 'src/bin/git-filter.ts')], outfile: join(OUT, 'bin', 'git-filter.js'), plugins: [bundleLocalRequires, filterFromCache] });
  await build({
    ...commonjs,
    entryPoints: [join(ROOT, 'src/bin/git-filter-program.ts')],
    outfile: join(OUT, 'bin', 'git-filter-program.js'),
    plugins: [bundleLocalRequires, filterPolicyDeps],
    banner: { js: COMMONJS_WRAPPER[0] },
    footer: { js: COMMONJS_WRAPPER[1] },
  });
  await build({ ...COMMON, format: 'cjs', sourcemap: maps, entryPoints: { 'git-filter-yaml': 'yaml', 'git-filter-picomatch': 'picomatch' }, outdir: join(OUT, 'bin') });
  mkdirSync(join(OUT, 'bin'), { recursive: true });
  writeFileSync(join(OUT, 'bin', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildBundle({ sourcemap: !process.argv.includes('--no-sourcemap') });
}
