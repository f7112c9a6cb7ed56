// vaultfile's git filter against Debian's git-crypt and against plain git without any filter, on
// the same repository: 1,000 files of 1-4 KB plus 20 of 1 MB under the filter. Measured: checkout
// of a branch that changes all 1,000 small files, `git status` after touching every file,
// `git add -A && git commit` of 1,000 modified files, and `git clone` + unlock. Targets (issue 4):
// each at most 0.1x git-crypt's time, checkout at most 2x plain git. Prints figures and ratios.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, benchEnv, fmt, timeAlternating } from './common.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL_FILES ?? 1000);
const BIG = Number(process.env.BENCH_BIG_FILES ?? 20);
const hasGitCrypt = spawnSync('git-crypt', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'vaultfile-bench-git-'));
const env = {
  ...benchEnv(),
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

/** Run a command for set-up (untimed); throws with its stderr on failure. */
function run(/** @type {string} */ cwd, /** @type {string} */ command, /** @type {string[]} */ args) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

let seed = 42;
/** Deterministic pseudo-random text so every tool gets the same files. */
function text(/** @type {number} */ length, /** @type {string} */ salt) {
  let out = '';
  while (out.length < length) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out += `key_${salt}_${out.length}: ${seed.toString(36)}${(seed * 7).toString(36)}\n`;
  }
  return out.slice(0, length - 1) + '\n';
}

function writeSmall(/** @type {string} */ dir, /** @type {string} */ salt) {
  for (let i = 0; i < SMALL; i++) {
    writeFileSync(join(dir, 'secret/small', `f${String(i).padStart(4, '0')}.yml`), text(1024 + ((i * 37) % 3072), salt));
  }
}

/**
 * An origin repository for TOOL ('vault' | 'git-crypt' | 'plain') with main and a branch
 * "changed" that rewrites every small file; returns its path and the key file (if any).
 */
function makeRepo(/** @type {string} */ tool) {
  const dir = join(work, tool);
  mkdirSync(join(dir, 'secret/small'), { recursive: true });
  mkdirSync(join(dir, 'secret/big'), { recursive: true });
  run(dir, 'git', ['init', '-q', '-b', 'main']);
  let key = '';
  if (tool === 'vault') {
    key = join(work, 'vault.key');
    run(work, process.execPath, [CLI, 'keygen', key]);
    run(dir, process.execPath, [CLI, 'init', '--key-file', key]);
    writeFileSync(join(dir, '.vaultfile/policy.yml'), 'version: 1\nrules:\n  - path: "secret/**"\n    keyring: default\n');
    run(dir, process.execPath, [CLI, 'git', 'setup']);
    run(dir, process.execPath, [CLI, 'unlock', key]);
  } else if (tool === 'git-crypt') {
    key = join(work, 'git-crypt.key');
    run(dir, 'git-crypt', ['init']);
    run(dir, 'git-crypt', ['export-key', key]);
    writeFileSync(join(dir, '.gitattributes'), 'secret/** filter=git-crypt diff=git-crypt\n.gitattributes !filter !diff\n');
  }
  writeSmall(dir, 'a');
  for (let i = 0; i < BIG; i++) writeFileSync(join(dir, 'secret/big', `b${String(i).padStart(2, '0')}.bin`), text(1 << 20, `big${i}`));
  run(dir, 'git', ['add', '-A']);
  run(dir, 'git', ['commit', '-q', '-m', 'secrets']);
  run(dir, 'git', ['checkout', '-q', '-b', 'changed']);
  writeSmall(dir, 'b');
  run(dir, 'git', ['commit', '-q', '-am', 'change every small file']);
  run(dir, 'git', ['checkout', '-q', 'main']);
  return { dir, key };
}

function touchAll(/** @type {string} */ dir) {
  const later = new Date(Date.now() + 10_000 + Math.random() * 1000);
  for (const sub of ['secret/small', 'secret/big']) {
    for (const name of readdirSync(join(dir, sub))) utimesSync(join(dir, sub, name), later, later);
  }
}

/** The command that unlocks a fresh clone of TOOL's repository with KEY. */
function unlockCommand(/** @type {string} */ tool, /** @type {string} */ key) {
  if (tool === 'vault') return `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} unlock ${JSON.stringify(key)} >/dev/null`;
  if (tool === 'git-crypt') return `git-crypt unlock ${JSON.stringify(key)}`;
  return 'true';
}

process.stdout.write(`git filters: ${SMALL} files of 1-4 KB + ${BIG} of 1 MB, median of ${RUNS} runs, tools alternating run by run (ms)\n`);
// BENCH_TOOLS=vault,plain skips the slow git-crypt runs while iterating on the filter.
const wanted = (process.env.BENCH_TOOLS ?? 'vault,git-crypt,plain').split(',');
const tools = ['vault', ...(hasGitCrypt && wanted.includes('git-crypt') ? ['git-crypt'] : []), 'plain'];
const repos = Object.fromEntries(tools.map((tool) => [tool, makeRepo(tool)]));

// The floor: the same checkout through vaultfile's protocol loop with no cryptography at all
// (bench/support/echo-filter.mjs), on a second plain repository, whose blobs it leaves unchanged.
const floorRepo = makeRepo('plain-floor');
const echo = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bench/support/echo-filter.mjs'))}`;
mkdirSync(join(floorRepo.dir, '.git/info'), { recursive: true });
writeFileSync(join(floorRepo.dir, '.git/info/attributes'), 'secret/** filter=echo\n');
const echoArgs = ['-c', `filter.echo.process=${echo}`, '-c', 'filter.echo.required=true'];

// Warm up: each repository goes to the other branch and back once (`checkout -` then alternates).
for (const { dir } of [...Object.values(repos), floorRepo]) {
  run(dir, 'git', [...(dir === floorRepo.dir ? echoArgs : []), 'checkout', '-q', 'changed']);
  run(dir, 'git', [...(dir === floorRepo.dir ? echoArgs : []), 'checkout', '-q', 'main']);
}
const checkoutSpecs = tools.map((tool) => ({ command: 'git', args: ['checkout', '-q', '-'], options: { cwd: repos[tool]?.dir, env } }));
const checkouts = timeAlternating([...checkoutSpecs, { command: 'git', args: [...echoArgs, 'checkout', '-q', '-'], options: { cwd: floorRepo.dir, env } }], RUNS);
for (const { dir } of Object.values(repos)) run(dir, 'git', ['checkout', '-q', 'main']);

const statuses = timeAlternating(
  tools.map((tool) => ({ command: 'git', args: ['status', '--porcelain'], options: { cwd: repos[tool]?.dir, env, prepare: () => touchAll(repos[tool]?.dir ?? '') } })),
  RUNS,
);
let round = 0;
const commits = timeAlternating(
  tools.map((tool) => ({
    command: 'sh',
    args: ['-c', 'git add -A && git commit -q -m bench'],
    options: { cwd: repos[tool]?.dir, env, prepare: () => writeSmall(repos[tool]?.dir ?? '', `c${round++}`) },
  })),
  RUNS,
);
const cloneUnlocks = timeAlternating(
  tools.map((tool) => {
    const clone = join(work, `${tool}-clone`);
    const script = `git clone -q ${JSON.stringify(repos[tool]?.dir)} ${JSON.stringify(clone)} && cd ${JSON.stringify(clone)} && ${unlockCommand(tool, repos[tool]?.key ?? '')}`;
    return { command: 'sh', args: ['-c', script], options: { cwd: work, env, prepare: () => rmSync(clone, { recursive: true, force: true }) } };
  }),
  RUNS,
);
for (const tool of tools) {
  // Sanity: the unlocked clone holds plaintext and a clean status.
  const dirty = run(join(work, `${tool}-clone`), 'git', ['status', '--porcelain']);
  if (dirty !== '') throw new Error(`${tool}: clone not clean after unlock: ${dirty.slice(0, 200)}`);
}

/** @type {Record<string, Record<string, number>>} */
const results = {};
tools.forEach((tool, i) => {
  results[tool] = { checkout: checkouts[i] ?? NaN, status: statuses[i] ?? NaN, commit: commits[i] ?? NaN, cloneUnlock: cloneUnlocks[i] ?? NaN };
});
const ops = /** @type {const} */ (['checkout', 'status', 'commit', 'cloneUnlock']);
const labels = { checkout: 'checkout of a branch changing 1,000 files', status: 'git status after touching all files', commit: 'git add -A && git commit (1,000 modified)', cloneUnlock: 'git clone + unlock' };
const cell = (/** @type {string} */ tool, /** @type {string} */ op) => results[tool]?.[op] ?? NaN;
process.stdout.write(`${'operation'.padEnd(44)}${tools.map((t) => t.padStart(11)).join('')}${tools.includes('git-crypt') ? '  vault/git-crypt' : ''}  vault/plain\n`);
for (const op of ops) {
  const cells = tools.map((tool) => fmt(cell(tool, op)).padStart(11)).join('');
  const vsCrypt = tools.includes('git-crypt') ? `  ${(cell('vault', op) / cell('git-crypt', op)).toFixed(3).padStart(15)}` : '';
  const vsPlain = (cell('vault', op) / cell('plain', op)).toFixed(2).padStart(11);
  process.stdout.write(`${labels[op].padEnd(44)}${cells}${vsCrypt}  ${vsPlain}\n`);
}
const floor = checkouts[tools.length] ?? NaN;
process.stdout.write(
  `floor: the same checkout through a no-op filter (vaultfile's protocol loop, no crypto): ${fmt(floor)} ms = ${(floor / cell('plain', 'checkout')).toFixed(2)}x plain; vault = ${(cell('vault', 'checkout') / floor).toFixed(2)}x the floor\n`,
);
if (!hasGitCrypt) process.stdout.write('git-crypt is not installed: apt-get install git-crypt for the comparison\n');
rmSync(work, { recursive: true, force: true });
