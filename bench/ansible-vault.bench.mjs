// vaultfile against the real ansible-vault (Debian ansible-core) on the same 200 files of 2 KB:
// `view` and `encrypt` of all 200 in one call, with a password and with a key file; then MB/s of a
// 100 MB encrypt and decrypt with the peak RSS. Targets (issue 2): view and encrypt with a password
// <= 0.4x ansible-vault, with a key file <= 0.1x.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, RSS, benchEnv, fmt, timeAlternating } from './common.mjs';

const hasAnsible = spawnSync('ansible-vault', ['--version']).status === 0;
const env = benchEnv();
const work = mkdtempSync(join(tmpdir(), 'vaultfile-bench-'));
const pw = join(work, 'pw');
writeFileSync(pw, 'bench password', { mode: 0o600 });
const key = join(work, 'bench.key');
spawnSync(process.execPath, [CLI, 'keygen', key]);

const plain = join(work, 'plain');
mkdirSync(plain);
/** @type {string[]} */
const names = [];
for (let i = 0; i < 200; i++) {
  const name = `vars${String(i).padStart(3, '0')}.yml`;
  let text = '';
  while (text.length < 2048) text += `secret_${text.length}: ${Math.random().toString(36).slice(2)}\n`;
  writeFileSync(join(plain, name), text.slice(0, 2048));
  names.push(name);
}

/** Fresh copies of the plaintext files in DIR for each encrypt run. */
/** @param {string} dir */
function copyPlain(dir) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(plain, dir, { recursive: true });
}

/** @type {[string, number, number, number][]} */
const rows = [];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const vPwDir = join(work, 'v-pw');
const vKeyDir = join(work, 'v-key');
const aDir = join(work, 'ansible');
/** @param {string} dir @param {string[]} args */
const encryptSpec = (dir, args) => ({ command: process.execPath, args: [CLI, 'encrypt', ...args, ...names], options: { cwd: dir, env, prepare: () => copyPlain(dir) } });
/** @param {string} dir @param {string[]} args */
const viewSpec = (dir, args) => ({ command: process.execPath, args: [CLI, 'view', ...args, ...names], options: { cwd: dir, env } });
const ansibleEncrypt = { command: 'ansible-vault', args: ['encrypt', '--vault-password-file', pw, ...names], options: { cwd: aDir, env, prepare: () => copyPlain(aDir) } };
const ansibleView = { command: 'ansible-vault', args: ['view', '--vault-password-file', pw, ...names], options: { cwd: aDir, env: { ...env, PAGER: 'cat' } } };

// Encrypt runs leave encrypted files behind, which the view runs then read.
const encrypts = [encryptSpec(vPwDir, ['--password-file', pw]), encryptSpec(vKeyDir, ['--key-file', key])];
const [tEncPw, tEncKey, tEncA] = timeAlternating(hasAnsible ? [...encrypts, ansibleEncrypt] : encrypts, RUNS);
const views = [viewSpec(vPwDir, ['--password-file', pw]), viewSpec(vKeyDir, ['--key-file', key])];
const [tViewPw, tViewKey, tViewA] = timeAlternating(hasAnsible ? [...views, ansibleView] : views, RUNS);

process.stdout.write(`200 files of 2 KB, median of ${RUNS} runs, tools alternating run by run\n`);
if (hasAnsible && tEncA !== undefined && tViewA !== undefined) {
  rows.push(['view 200 files, password', tViewPw ?? NaN, tViewA, 0.4]);
  rows.push(['view 200 files, key file', tViewKey ?? NaN, tViewA, 0.1]);
  rows.push(['encrypt 200 files, password', tEncPw ?? NaN, tEncA, 0.4]);
  rows.push(['encrypt 200 files, key file', tEncKey ?? NaN, tEncA, 0.1]);
  process.stdout.write('task                          vaultfile ms  ansible-vault ms  ratio  target\n');
  for (const [task, ours, theirs, target] of rows) {
    const ratio = ours / theirs;
    process.stdout.write(`${task.padEnd(30)}${fmt(ours).padStart(12)}${fmt(theirs).padStart(18)}${ratio.toFixed(3).padStart(7)}  <= ${target} ${ratio <= target ? 'ok' : 'MISSED'}\n`);
  }
} else {
  process.stdout.write('ansible-vault not installed (apt-get install ansible-core): ratios skipped\n');
  process.stdout.write(`vaultfile: view password ${fmt(tViewPw ?? NaN)} ms, key ${fmt(tViewKey ?? NaN)} ms; encrypt password ${fmt(tEncPw ?? NaN)} ms, key ${fmt(tEncKey ?? NaN)} ms\n`);
}

// 100 MB: throughput and peak RSS of the real CLI (streams; memory must stay bounded).
const bigDir = join(work, 'big');
mkdirSync(bigDir);
const big = join(bigDir, 'big.bin');
const block = Buffer.alloc(1 << 20);
for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
writeFileSync(big, Buffer.concat(Array.from({ length: 100 }, () => block)));
for (const verb of ['encrypt', 'decrypt']) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', RSS, CLI, verb, big, '--key-file', key], { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${verb} failed: ${result.stderr}`);
  const rss = Number(/vaultfile-max-rss-kib=(\d+)/.exec(result.stderr)?.[1] ?? 0);
  process.stdout.write(`${verb} 100 MB: ${fmt(100 / (ms / 1000))} MB/s, peak RSS ${fmt(rss / 1024)} MiB\n`);
}
rmSync(work, { recursive: true, force: true });
