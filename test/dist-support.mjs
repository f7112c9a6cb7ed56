// The README's tour, run with a given vault program (the globally installed package, the single
// executable) from empty directories: keygen, encrypt, view, exec, and a git repository whose
// filter is whatever `vault git setup` wrote for that program. Asserts as it goes.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cleanEnv, git, tempDir, tempRepo, writeSecret } from './helpers.mjs';

export const MAGIC = '$VAULTFILE;1;AES256';

/**
 * A runner for PROGRAM (an executable path, run directly, as a user's shell would).
 * @param {string} program
 * @param {Record<string, string>} [env]
 */
export function runner(program, env = {}) {
  /**
   * @param {string} cwd @param {string[]} args
   * @param {{code?: number, input?: string}} [options]
   */
  return (cwd, args, options = {}) => {
    const result = spawnSync(program, args, { cwd, env: cleanEnv(env), input: options.input ?? '', encoding: 'utf8' });
    assert.is(result.status, options.code ?? 0, `${program} ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
}

/**
 * Files without a repository: keygen, encrypt in place, view, exec with the secrets as variables.
 * @param {ReturnType<typeof runner>} vault
 */
export function standaloneTour(vault) {
  const dir = tempDir('vaultfile-tour-');
  vault(dir, ['keygen', 'ci.key']);
  writeFileSync(join(dir, 'prod.yml'), 'db_password: s3cret\n');
  vault(dir, ['encrypt', 'prod.yml', '--key-file', 'ci.key']);
  assert.ok(readFileSync(join(dir, 'prod.yml'), 'utf8').startsWith(`${MAGIC}\n`), 'encrypted in place');
  assert.is(vault(dir, ['view', 'prod.yml', '--key-file', 'ci.key']).stdout, 'db_password: s3cret\n');
  writeFileSync(join(dir, '.env.prod'), 'TOKEN=abc123\n');
  vault(dir, ['encrypt', '.env.prod', '--key-file', 'ci.key']);
  const exec = vault(dir, ['exec', '-f', '.env.prod', '--key-file', 'ci.key', '--', 'sh', '-c', 'printf %s "$TOKEN"']);
  assert.is(exec.stdout, 'abc123');
  return dir;
}

/**
 * A repository: init with a password, the filter from `vault git setup`, a commit whose blob is an
 * envelope while the work tree keeps plaintext, and a checkout that smudges it back.
 * @param {ReturnType<typeof runner>} vault
 * @returns {{dir: string, setup: string}}
 */
export function repositoryTour(vault) {
  const dir = tempRepo();
  const password = writeSecret(join(tempDir('vaultfile-pw-'), 'pw'), 'correct horse battery staple\n');
  vault(dir, ['init', '--password-file', password, '--work-factor', '10']);
  const setup = vault(dir, ['git', 'setup']).stdout;
  vault(dir, ['unlock', '--password-file', password]);
  writeFileSync(join(dir, 'README'), 'demo\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'setup']);
  git(dir, ['checkout', '-qb', 'secrets']);
  spawnSync('mkdir', ['-p', join(dir, 'deploy/vars')]);
  writeFileSync(join(dir, 'deploy/vars/prod.yml'), 'db_password: s3cret\n');
  git(dir, ['add', 'deploy/vars/prod.yml']);
  git(dir, ['commit', '-qm', 'secret']);
  assert.ok(git(dir, ['cat-file', '-p', 'HEAD:deploy/vars/prod.yml']).startsWith(`${MAGIC}\n`), 'the blob is an envelope');
  assert.is(git(dir, ['status', '--porcelain']), '');
  git(dir, ['checkout', '-q', 'main']);
  git(dir, ['checkout', '-q', 'secrets']);
  assert.is(readFileSync(join(dir, 'deploy/vars/prod.yml'), 'utf8'), 'db_password: s3cret\n', 'smudged back to plaintext');
  vault(dir, ['check']);
  return { dir, setup };
}

/**
 * Run npm in CWD and return its stdout; asserts success.
 * @param {string[]} args @param {string} cwd @param {Record<string, string>} [env]
 */
export function npm(args, cwd, env = {}) {
  const result = spawnSync('npm', args, { cwd, env: cleanEnv({ npm_config_update_notifier: 'false', ...env }), encoding: 'utf8' });
  assert.is(result.status, 0, `npm ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * `npm pack` of the tree `npm test` just built (--ignore-scripts: no second build) into DIR.
 * @param {string} dir @returns {{tarball: string, stdout: string}}
 */
export function packTarball(dir) {
  const stdout = npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  return { tarball: join(dir, stdout.trim()), stdout };
}
