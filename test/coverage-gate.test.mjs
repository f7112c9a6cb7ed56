// The coverage gate (scripts/coverage.mjs) on a project small enough to know what ran: one module
// built by tsc (dist/) and by esbuild (bundle/), run in process from dist/ and spawned from the
// bundle under NODE_V8_COVERAGE, as `npm test` runs vaultfile. The figures must be the union of
// what ran: code only the bundle ran counts once, code esbuild left out of the bundle (tree-shaken)
// and no run reached stays uncovered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, removeDir, tempDir } from './helpers.mjs';
import { c8Report, measure } from '../scripts/coverage.mjs';

const LIB = `// What each function runs under is in its name.
export function both(x: number): number {
  return x + 1;
}

export function onlySpawned(flag: boolean): string {
  if (flag) {
    return 'yes';
  }
  return 'no';
}

export function never(): number {
  const a = 1;
  return a * 2;
}

export function onlyInProcess(): string {
  return 'in';
}
`;
const MAIN = `import { both, onlySpawned } from './lib.js';

console.log(both(1), onlySpawned(true));
`;

/** @type {string} */
let project;
/** @type {ReturnType<typeof measure>} */
let figures;

test.before(async () => {
  project = tempDir('vaultfile-coverage-');
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'src', 'lib.ts'), LIB);
  writeFileSync(join(project, 'src', 'main.ts'), MAIN);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: [], sourceMap: true, rootDir: 'src', outDir: 'dist', skipLibCheck: true }, include: ['src/**/*.ts'] }),
  );
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);
  await build({ entryPoints: [join(project, 'src', 'main.ts')], bundle: true, platform: 'node', format: 'esm', outdir: join(project, 'bundle'), sourcemap: 'linked', logLevel: 'warning' });

  const temp = join(project, 'coverage', 'tmp');
  const env = { ...process.env, NODE_V8_COVERAGE: temp };
  // The in-process tests: import the tsc build.
  const inProcess = spawnSync(process.execPath, ['--input-type=module', '-e', "import { both, onlyInProcess } from './dist/lib.js'; both(2); onlyInProcess();"], { cwd: project, env, encoding: 'utf8' });
  assert.is(inProcess.status, 0, inProcess.stderr);
  // The spawned tests: run the bundle.
  const spawned = spawnSync(process.execPath, [join(project, 'bundle', 'main.js')], { cwd: project, env, encoding: 'utf8' });
  assert.is(spawned.stdout, '2 yes\n', spawned.stderr);

  // What `c8 node test/run.mjs` writes with the repository's .c8rc.json: c8's report of dist/.
  c8Report(project, ['--config', join(ROOT, '.c8rc.json')], temp, join(project, 'coverage', 'dist'));
  figures = measure({ root: project });
});

test.after(() => removeDir(project));

test('a line counts when either build ran it, and not when none did', () => {
  const lib = figures.files.get(join('src', 'lib.ts'));
  assert.ok(lib);
  // 10: the branch no run took; 14-16: never(), tree-shaken out of the bundle and never called.
  assert.equal(lib.uncoveredLines, [10, 14, 15, 16]);
  const main = figures.files.get(join('src', 'main.ts'));
  assert.ok(main);
  assert.equal(main.uncoveredLines, [], 'the entry point only the bundle ran');
});

test('a function remapped from both builds counts once', () => {
  const lib = figures.files.get(join('src', 'lib.ts'));
  assert.ok(lib);
  assert.equal(lib.functions, { total: 4, covered: 3 });
});

test('a branch only the bundle ran counts, the one no run took does not', () => {
  const lib = figures.files.get(join('src', 'lib.ts'));
  assert.ok(lib);
  // both() and onlyInProcess() from dist/; onlySpawned() and its untaken `return 'no'` from the
  // bundle (V8 gives dist/ no block of a function it never called).
  assert.equal(lib.branches, { total: 4, covered: 3 });
});

test.run();
