// Start-up, measured with hyperfine in one run and printed as ratios against `node -e 0` (the
// floor of any Node program here), with the peers beside them (issue 15):
// - `vault --version`: target <= 1.2x;
// - `vault view` of one 2 KB file with a key file: target <= 1.5x, for the npm package (the
//   bundle the global install links to) and the single executable; `age -d` and
//   `ansible-vault view` of the same 2 KB;
// - the git filter's process start (`git checkout` of one changed file): target <= 1.3x; a no-op
//   Node filter (bench/support/echo-filter.mjs, bundled into one CommonJS file as the real one is)
//   is the physical floor of that command, shown too, and so is the same filter with the least
//   cryptography a smudge does (bench/support/crypto-filter.mjs), the floor of any that decrypts.
// Floors of the same run beside them: empty CommonJS and ES module files, a single executable
// made from an empty file, and the least any Node program does to show a 2 KB file sealed under a
// key file (bench/support/open-floor.cjs: node:crypto, two reads, HKDF, AES-256-GCM).
// `vault view` and the git filter keep a V8 code cache per user (src/bin/code-cache.ts): here in the
// run's temporary directory, made by the set-up or hyperfine's warm-up runs; the rows without it
// show a first run.
// Needs hyperfine; rows for a missing tool (age, ansible-vault, the binary) are left out.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BINARY, seaBinary } from '../scripts/build-binary.mjs';
import { COMMON } from '../scripts/build-bundle.mjs';
import { ROOT, benchEnv, fmt } from './common.mjs';

const BUNDLE = join(ROOT, 'bundle', 'bin', 'vault.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const has = (/** @type {string} */ tool, /** @type {string[]} */ args = ['--version']) => spawnSync(tool, args).status === 0;
if (!has('hyperfine')) {
  process.stdout.write('hyperfine is not installed (apt-get install hyperfine): start-up benchmark skipped\n');
  process.exit(0);
}
const work = mkdtempSync(join(tmpdir(), 'vaultfile-bench-startup-'));
const env = { ...benchEnv(), XDG_CACHE_HOME: join(work, 'cache') };
const node = process.execPath;
/** @param {string} command @param {string[]} args @param {string} [cwd] */
const sh = (command, args, cwd = work) => {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

// One 2 KB file, sealed by each tool.
let text = '';
while (text.length < 2048) text += `secret_${text.length}: ${Math.random().toString(36).slice(2)}\n`;
text = text.slice(0, 2048);
sh(node, [BUNDLE, 'keygen', 'bench.key']);
writeFileSync(join(work, 'vars.yml'), text);
sh(node, [BUNDLE, 'encrypt', 'vars.yml', '--key-file', 'bench.key']);
const withAge = has('age') && has('age-keygen', ['--version']);
if (withAge) {
  sh('age-keygen', ['-o', 'age.key']);
  writeFileSync(join(work, 'plain.yml'), text);
  sh('age', ['-e', '-i', 'age.key', '-o', 'vars.age', 'plain.yml']);
}
const withAnsible = has('ansible-vault');
if (withAnsible) {
  writeFileSync(join(work, 'pw'), 'bench password', { mode: 0o600 });
  writeFileSync(join(work, 'ansible.yml'), text);
  sh('ansible-vault', ['encrypt', '--vault-password-file', 'pw', 'ansible.yml']);
}
const withBinary = existsSync(BINARY);
// The floors beside the targets: an empty CommonJS and ES module file, and (with the binary) a
// single executable made the same way from an empty file.
writeFileSync(join(work, 'empty.cjs'), '');
writeFileSync(join(work, 'empty.mjs'), '');
const emptyBinary = join(work, 'empty-sea');
if (withBinary) {
  writeFileSync(join(work, 'empty-sea.cjs'), '');
  mkdirSync(join(work, 'sea'));
  seaBinary(join(work, 'empty-sea.cjs'), join(work, 'sea'), emptyBinary);
}

// A repository whose two branches differ in one encrypted file: each timed run checks out the
// other branch (git starts one filter process), the prepare step goes back.
const repo = join(work, 'repo');
mkdirSync(repo);
const gitEnv = { ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' };
const git = (/** @type {string[]} */ args) => {
  const result = spawnSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
};
git(['init', '-q', '-b', 'one']);
spawnSync(node, [BUNDLE, 'init', '--key-file', join(work, 'bench.key')], { cwd: repo, env: gitEnv });
spawnSync(node, [BUNDLE, 'git', 'setup'], { cwd: repo, env: gitEnv });
mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
writeFileSync(join(repo, 'deploy/vars/prod.yml'), text);
git(['add', '-A']);
git(['commit', '-qm', 'one']);
git(['checkout', '-qb', 'two']);
writeFileSync(join(repo, 'deploy/vars/prod.yml'), `${text}changed: true\n`);
git(['commit', '-qam', 'two']);
const checkout = (/** @type {string} */ name, /** @type {string} */ filter) => ({
  name,
  command: `git -c filter.vault.process=${filter} checkout -q -f two`,
  prepare: `git -c filter.vault.process=${filter} checkout -q -f one`,
});
// The no-op filter bundled into one CommonJS file, as the package ships the real one.
await build({ ...COMMON, entryPoints: [join(ROOT, 'bench', 'support', 'echo-filter.mjs')], outfile: join(work, 'echo-filter.cjs'), format: 'cjs' });
const echoFilter = `'${node} ${join(work, 'echo-filter.cjs')}'`;
// And with the least cryptography a smudge does: the floor of any Node filter that decrypts.
await build({ ...COMMON, entryPoints: [join(ROOT, 'bench', 'support', 'crypto-filter.mjs')], outfile: join(work, 'crypto-filter.cjs'), format: 'cjs' });
const cryptoFilter = `'${node} ${join(work, 'crypto-filter.cjs')}'`;
const vaultFilter = `'${node} ${join(ROOT, 'bundle', 'bin', 'git-filter.js')} filter-process'`;

/** @type {Array<{name: string, command: string, prepare?: string, cwd?: string, target?: number}>} */
const specs = [
  { name: 'node -e 0', command: `${node} -e 0` },
  { name: 'node empty.cjs (floor)', command: `${node} empty.cjs` },
  { name: 'node empty.mjs', command: `${node} empty.mjs` },
  { name: 'vault --version (npm)', command: `${node} ${BUNDLE} --version`, target: 1.2 },
  { name: 'open 2 KB with node:crypto (view floor)', command: `${node} ${join(ROOT, 'bench', 'support', 'open-floor.cjs')} bench.key vars.yml` },
  { name: 'vault view 2 KB, key file (npm)', command: `${node} ${BUNDLE} view vars.yml --key-file bench.key`, target: 1.5 },
  { name: 'the same, no code cache (a first run)', command: `env NODE_DISABLE_COMPILE_CACHE=1 ${node} ${BUNDLE} view vars.yml --key-file bench.key` },
  ...(withBinary
    ? [
        { name: 'empty single executable (floor)', command: emptyBinary },
        { name: 'vault --version (binary)', command: `${BINARY} --version`, target: 1.2 },
        { name: 'vault view 2 KB, key file (binary)', command: `${BINARY} view vars.yml --key-file bench.key`, target: 1.5 },
      ]
    : []),
  ...(withAge ? [{ name: 'age -d 2 KB', command: 'age -d -i age.key vars.age' }] : []),
  ...(withAnsible ? [{ name: 'ansible-vault view 2 KB', command: 'ansible-vault view --vault-password-file pw ansible.yml' }] : []),
  { ...checkout('git checkout, no-op filter + crypto (floor)', cryptoFilter), cwd: repo },
  { ...checkout('git checkout, vault filter, no code cache', `'env NODE_DISABLE_COMPILE_CACHE=1 ${node} ${join(ROOT, 'bundle', 'bin', 'git-filter.js')} filter-process'`), cwd: repo },
  { ...checkout('git checkout, no-op node filter (floor)', echoFilter), cwd: repo },
  { ...checkout('git checkout, vault filter', vaultFilter), cwd: repo, target: 1.3 },
];

// hyperfine runs every command from one directory, without a shell (-N): the checkouts use git -C.
const args = ['-N', '--style', 'none', '--warmup', '3', '--runs', String(RUNS), '--export-json', join(work, 'out.json')];
for (const spec of specs) {
  const inRepo = (/** @type {string} */ command) => (spec.cwd ? command.replace(/^git /, `git -C ${repo} `) : command);
  if (spec.prepare) args.push('--prepare', inRepo(spec.prepare));
  else args.push('--prepare', 'true');
  args.push('-n', spec.name, inRepo(spec.command));
}
const run = spawnSync('hyperfine', args, { cwd: work, env: { ...gitEnv, PAGER: 'cat' }, stdio: ['ignore', 'ignore', 'inherit'] });
if (run.status !== 0) throw new Error('hyperfine failed');
/** @type {{results: Array<{command: string, median: number, user: number, system: number}>}} */
const out = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8'));
const medians = out.results.map((result) => result.median * 1000);
// CPU time (user + system, mean) of the process tree: on a busy shared machine the wall time
// grows with the waiting for a core, the CPU time much less, so its ratio is the steadier one.
const cpu = out.results.map((result) => (result.user + result.system) * 1000);
const floor = medians[0] ?? NaN;
const cpuFloor = cpu[0] ?? NaN;

process.stdout.write(`hyperfine, median of ${RUNS} runs each, one run; ratio = median / median of node -e 0; cpu = user + system\n`);
process.stdout.write(`${'command'.padEnd(42)} ${'ms'.padStart(8)} ${'ratio'.padStart(7)} ${'cpu ms'.padStart(8)} ${'ratio'.padStart(7)}  target (on the wall ratio)\n`);
specs.forEach((spec, i) => {
  const ms = medians[i] ?? NaN;
  const ratio = ms / floor;
  const cpuMs = cpu[i] ?? NaN;
  const verdict = spec.target === undefined ? '' : `<= ${spec.target}x ${ratio <= spec.target ? 'met' : 'NOT met'}`;
  process.stdout.write(`${spec.name.padEnd(42)} ${fmt(ms).padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(7)} ${fmt(cpuMs).padStart(8)} ${`${(cpuMs / cpuFloor).toFixed(2)}x`.padStart(7)}  ${verdict}\n`);
});
const row = (/** @type {string} */ name) => medians[specs.findIndex((spec) => spec.name === name)] ?? NaN;
const vaultCheckout = row('git checkout, vault filter');
process.stdout.write(`git filter checkout over its no-op-filter floor: ${(vaultCheckout / row('git checkout, no-op node filter (floor)')).toFixed(2)}x, `);
process.stdout.write(`over the no-op filter with node:crypto: ${(vaultCheckout / row('git checkout, no-op filter + crypto (floor)')).toFixed(2)}x\n`);
rmSync(work, { recursive: true, force: true });
