// The layering of src/ (docs/ARCHITECTURE.md), checked over the whole tree by reading imports:
// core < fs/keys/formats/repo < git/runtime < commands < program/run/quick-view < the executables; no module
// imports a higher layer, no import cycle anywhere, and only the executables touch `process`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers.mjs';

const SRC = join(ROOT, 'src');

/** Every .ts module under src/, as a path relative to src/ with "/" separators. */
function modules(dir = SRC) {
  /** @type {string[]} */
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...modules(path));
    else if (name.endsWith('.ts')) found.push(relative(SRC, path).split('\\').join('/'));
  }
  return found.sort();
}

/**
 * The executables and the host they build from `process`, all in src/bin/: the only modules that
 * may touch `process`. @param {string} module
 */
const isExecutable = (module) => module.startsWith('bin/');

/**
 * Layer of a module: higher layers may import lower ones, never the reverse.
 * @param {string} module
 */
function layer(module) {
  if (isExecutable(module)) return 6;
  if (['run.ts', 'quick-view.ts', 'program.ts', 'command-summaries.ts'].includes(module)) return 5;
  const top = module.includes('/') ? module.slice(0, module.indexOf('/')) : '';
  if (top === 'commands') return 4;
  if (top === 'git' || top === 'runtime') return 3;
  if (['fs', 'keys', 'formats', 'repo'].includes(top)) return 2;
  if (top === 'core') return 1;
  // errors.ts, context.ts (types and the per-run context), version.ts, types/ (declarations of
  // untyped packages): used by every layer.
  if (['errors.ts', 'context.ts', 'version.ts'].includes(module) || top === 'types') return 0;
  return -1;
}

/** Text without comments, so that a comment naming `process` or an import is not counted. @param {string} text */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Relative imports of MODULE: static, re-exports and dynamic; `typeOnly` for `import type`.
 * @param {string} module
 */
function importsOf(module) {
  const text = code(readFileSync(join(SRC, module), 'utf8'));
  /** @type {{target: string, typeOnly: boolean}[]} */
  const found = [];
  const pattern = /\b(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[3] ?? match[4];
    const target = relative(SRC, resolve(dirname(join(SRC, module)), spec)).split('\\').join('/').replace(/\.js$/, '.ts');
    found.push({ target, typeOnly: match[2] !== undefined });
  }
  return found;
}

const all = modules();

test('every module of src/ belongs to a layer', () => {
  assert.ok(all.length > 50, 'src/ has its modules');
  for (const module of all) assert.ok(layer(module) >= 0, `${module} is in no layer; add its folder to the architecture test and docs/ARCHITECTURE.md`);
});

test('no module imports a higher layer (core < fs/keys/formats/repo < git/runtime < commands < run < executables)', () => {
  for (const module of all) {
    for (const { target } of importsOf(module)) {
      assert.ok(all.includes(target), `${module} imports ${target}, which does not exist`);
      assert.ok(layer(target) <= layer(module), `${module} (layer ${layer(module)}) imports ${target} (layer ${layer(target)})`);
    }
  }
});

test('src/core imports only core, errors, npm packages and node:crypto, and does no I/O', () => {
  for (const module of all.filter((m) => m.startsWith('core/'))) {
    const text = code(readFileSync(join(SRC, module), 'utf8'));
    for (const match of text.matchAll(/from\s+'([^']+)'/g)) {
      const spec = match[1];
      const allowed = (spec.startsWith('./') && !spec.includes('/', 2)) || spec === '../errors.js' || spec === 'node:crypto' || (!spec.startsWith('.') && !spec.startsWith('node:'));
      assert.ok(allowed, `${module} imports ${spec}`);
    }
    assert.not.match(text, /\bconsole\./, `${module} uses console`);
  }
});

test('no import cycle anywhere in src/ (type-only imports aside: they vanish at run time)', () => {
  /** @type {Map<string, string[]>} */
  const graph = new Map(all.map((module) => [module, importsOf(module).filter((i) => !i.typeOnly).map((i) => i.target)]));
  /** @type {Map<string, 'open' | 'done'>} */
  const state = new Map();
  /** @type {string[]} */
  const path = [];
  /** @type {string[]} */
  const cycles = [];
  /** @param {string} module */
  const visit = (module) => {
    state.set(module, 'open');
    path.push(module);
    for (const target of graph.get(module) ?? []) {
      if (state.get(target) === 'open') cycles.push([...path.slice(path.indexOf(target)), target].join(' -> '));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(module, 'done');
  };
  for (const module of all) if (!state.has(module)) visit(module);
  assert.equal(cycles, []);
});

/**
 * What a module below the executables may still read of `process`: facts that are the same for
 * every run in the process (its pid, uid and platform, whether another pid is alive). The AWS SDK
 * reads its own settings from process.env, so keys/aws-quiet.ts sets one there around a client's
 * creation; nothing else reads the environment except through the run's context.
 */
const PROCESS_FACTS = /\bprocess\.(pid|platform|getuid)\b|\bprocess\.kill\(pid, 0\)/g;
const AWS_SDK_SETTING = 'keys/aws-quiet.ts';

test('only the executables touch process: the rest gets cwd, env, streams and signals from the run context', () => {
  for (const module of all.filter((m) => !isExecutable(m))) {
    let text = code(readFileSync(join(SRC, module), 'utf8')).replace(PROCESS_FACTS, '');
    if (module === AWS_SDK_SETTING) text = text.replace(/\bprocess\.env\b/g, '');
    const use = /(?<![-\w./])process\.[A-Za-z]+/.exec(text);
    assert.is(use, null, `${module} uses ${use?.[0]}; take it from the run's context (src/context.ts)`);
    assert.not.match(text, /\bfrom 'node:process'/, `${module} imports node:process`);
  }
});

test('every executable the package ships is under src/bin/, and nothing else starts a program', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const [name, file] of Object.entries(manifest.bin)) {
    assert.match(file, /^bundle\/bin\/[\w-]+\.m?js$/, `package.json bin ${name} is ${file}, outside bundle/bin/ (built from src/bin/)`);
  }
  for (const module of all.filter((m) => !isExecutable(m))) {
    assert.not.ok(readFileSync(join(SRC, module), 'utf8').startsWith('#!'), `${module} is an executable (#!); move it to src/bin/`);
  }
});

test('no registration hooks and no environment-driven test hooks in src/', () => {
  for (const module of all) {
    const text = code(readFileSync(join(SRC, module), 'utf8'));
    assert.not.match(text, /\bexport function (register|set)[A-Z]\w*(Codec|Resolver|Hook)\b/, `${module} exports a registration hook`);
    assert.not.match(text, /VAULTFILE_TEST_/, `${module} reads a test hook from the environment`);
  }
});

// A WeakMap keyed by an argument's identity can carry data a reader of the call does not see (the
// Ansible passwords once travelled so). Allowed only as a memo of a pure function of its key:
// the same output for the same input, whoever asks.
const MEMO_WEAKMAPS = new Map([
  ['core/derive.ts', 'key objects of key bytes (node:crypto conversion)'],
  ['repo/repo.ts', 'compiled matchers of a parsed policy'],
]);

test('no object-identity side channels: WeakMaps only as memos of pure functions', () => {
  for (const module of all) {
    const text = code(readFileSync(join(SRC, module), 'utf8'));
    if (!/\bnew WeakMap\b/.test(text)) continue;
    assert.ok(MEMO_WEAKMAPS.has(module), `${module} keeps a WeakMap keyed by object identity; pass the value in the arguments instead`);
  }
});

test.run();
