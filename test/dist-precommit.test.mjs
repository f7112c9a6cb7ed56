// The pre-commit framework hook (.pre-commit-hooks.yaml) with the pre-commit on this machine
// (Debian's 3.0.4 in CI): `pre-commit try-repo` installs vaultfile from this repository the way a
// user's `repos:` entry does (npm install, npm pack, npm install -g of the tarball), then refuses a
// commit with a plaintext secret and accepts the same file encrypted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cleanEnv, git, removeDir, runVaultBinary, tempDir, tempRepo } from './helpers.mjs';

const available = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const home = tempDir('vaultfile-pre-commit-');
const ENV = { PRE_COMMIT_HOME: home, npm_config_update_notifier: 'false' };

/** @param {string} dir */
function tryRepo(dir) {
  return spawnSync('pre-commit', ['try-repo', ROOT, 'vault-check', '--color', 'never'], {
    cwd: dir,
    env: cleanEnv(ENV),
    encoding: 'utf8',
  });
}

test.after(() => removeDir(home));

test('pre-commit try-repo: a plaintext secret is refused, the encrypted file passes', () => {
  if (available.status !== 0) {
    console.log('SKIPPED: pre-commit is not installed (apt-get install pre-commit)');
    return;
  }
  const dir = tempRepo();
  const keyFile = join(tempDir('vaultfile-key-'), 'ci.key');
  assert.is(runVaultBinary(['keygen', keyFile]).code, 0);
  assert.is(runVaultBinary(['init', '--key-file', keyFile], { cwd: dir }).code, 0);
  mkdirSync(join(dir, 'deploy/vars'), { recursive: true });
  writeFileSync(join(dir, 'deploy/vars/prod.yml'), 'db_password: s3cret\n');
  git(dir, ['add', '-A']);

  const refused = tryRepo(dir);
  const output = `${refused.stdout}${refused.stderr}`;
  assert.is(refused.status, 1, output);
  assert.match(output, /vaultfile check \(no plaintext secrets in the commit\)\.+Failed/);
  assert.match(output, /"deploy\/vars\/prod\.yml" is /);
  assert.not.match(output, /s3cret/);

  assert.is(runVaultBinary(['encrypt', 'deploy/vars/prod.yml', '--key-file', keyFile], { cwd: dir }).code, 0);
  git(dir, ['add', '-A']);
  const passed = tryRepo(dir);
  assert.is(passed.status, 0, `${passed.stdout}${passed.stderr}`);
  assert.match(passed.stdout, /vaultfile check \(no plaintext secrets in the commit\)\.+Passed/);
  removeDir(dir);
});

test.run();
