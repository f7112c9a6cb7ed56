// Opening a keyring through an identity costs no KDF: `vault view` of 200 files with an age
// identity and with an ssh-ed25519 identity, against the same view with a key file, in the same
// run (target, issue 12: within 20 ms of the key file); and `vault rotate` of 200 files on a
// keyring of 10 age recipients (it re-wraps all ten by itself). Prints figures and differences.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, benchEnv, fmt, timeAlternating, timeCommand } from './common.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = Number(process.env.BENCH_FILES ?? 200);
const work = mkdtempSync(join(tmpdir(), 'vaultfile-bench-ids-'));
const home = join(work, 'home');
mkdirSync(home);
const env = {
  ...benchEnv(), HOME: home, XDG_CONFIG_HOME: join(home, '.config'),
  GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', AWS_EC2_METADATA_DISABLED: 'true',
};

/** Set-up step (untimed); throws with its stderr on failure. */
function run(/** @type {string} */ cwd, /** @type {string} */ command, /** @type {string[]} */ args) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
const vault = (/** @type {string} */ cwd, /** @type {string[]} */ args) => run(cwd, process.execPath, [CLI, ...args]);

const repo = join(work, 'repo');
mkdirSync(join(repo, 'deploy', 'vars'), { recursive: true });
run(repo, 'git', ['init', '-q']);
const keyFile = join(work, 'ci.key');
vault(work, ['keygen', keyFile]);
const ageId = join(work, 'age.txt');
const recipient = vault(work, ['keygen', '--age', ageId]).trim();
const sshId = join(work, 'id_ed25519');
run(work, 'ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', sshId]);
vault(repo, ['init', '--key-file', keyFile]);
vault(repo, ['keys', 'add', '--key-file', keyFile, '--recipient', recipient, '--label', 'age']);
vault(repo, ['keys', 'add', '--key-file', keyFile, '--recipient', run(work, 'cat', [`${sshId}.pub`]).trim(), '--label', 'ssh']);
/** @type {string[]} */
const team = [];
for (let i = 0; i < 9; i++) team.push(vault(work, ['keygen', '--age', join(work, `member-${i}.txt`)]).trim());
writeFileSync(join(work, 'team.pub'), `${team.join('\n')}\n`);
vault(repo, ['keys', 'add', '--key-file', keyFile, '--recipients-file', join(work, 'team.pub')]);
/** @type {string[]} */
const files = [];
for (let i = 0; i < FILES; i++) {
  const name = `deploy/vars/f${String(i).padStart(3, '0')}.yml`;
  writeFileSync(join(repo, name), `password_${i}: ${'x'.repeat(200 + i)}\n`);
  files.push(name);
}
vault(repo, ['encrypt', ...files]);
vault(repo, ['lock']);

const view = (/** @type {string[]} */ key) => ({ command: process.execPath, args: [CLI, 'view', ...key, '--no-kms', ...files], options: { cwd: repo, env } });
const [withKey, withAge, withSsh] = timeAlternating([
  view(['--key-file', keyFile]), view(['--identity', ageId]), view(['--identity', sshId]),
], RUNS);
const rotate = timeCommand(process.execPath, [CLI, 'rotate', '--key-file', keyFile, '--no-kms'], { cwd: repo, env, runs: 3 });

process.stdout.write(`view of ${FILES} files (median of ${RUNS}):\n`);
process.stdout.write(`  --key-file            ${fmt(withKey)} ms\n`);
process.stdout.write(`  --identity age        ${fmt(withAge)} ms  (${withAge - withKey >= 0 ? '+' : ''}${fmt(withAge - withKey)} ms; target within 20 ms)\n`);
process.stdout.write(`  --identity ssh-ed25519 ${fmt(withSsh)} ms  (${withSsh - withKey >= 0 ? '+' : ''}${fmt(withSsh - withKey)} ms; target within 20 ms)\n`);
process.stdout.write(`rotate of ${FILES} files, keyring of 10 age recipients + 1 ssh + 1 key file (median of 3): ${fmt(rotate)} ms\n`);
