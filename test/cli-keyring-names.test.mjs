// The one keyring-name rule (docs/FORMAT.md §3.1, §5.1, src/core/keyring-name.ts), end to end:
// every keyring-name vector of fixtures/vectors through `vault decrypt` in a repository, a keyring
// file naming itself outside the rule, and names typed on the command line and to the Ansible client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isKeyringName } from '../dist/core/keyring-name.js';
import { FIXTURES, runVault, tempDir, writeSecret } from './helpers.mjs';

const vectors = join(FIXTURES, 'vectors');
const manifest = JSON.parse(readFileSync(join(vectors, 'manifest.json'), 'utf8'));
const named = manifest.vectors.filter((/** @type {any} */ v) => v.keyringName !== undefined);
const RULE = 'a letter or digit, then up to 63 letters, digits, ".", "_" or "-", with no ".."';

/** A repository holding the vector keyrings under their own names, and the vectors' password. */
function repository() {
  const dir = tempDir();
  mkdirSync(join(dir, '.vaultfile', 'keyrings'), { recursive: true });
  mkdirSync(join(dir, 'deploy'));
  for (const name of readdirSync(join(vectors, 'keyrings'))) {
    if (!name.includes('-rotated') && !name.includes('-edited')) copyFileSync(join(vectors, 'keyrings', name), join(dir, '.vaultfile', 'keyrings', name));
  }
  const pass = writeSecret(join(dir, 'pw'), 'correct horse battery staple\n');
  return { dir, pass };
}

test('the vectors cover the rule: one success, and each refusal the brief names', () => {
  const outcomes = Object.fromEntries(named.map((/** @type {any} */ v) => [v.keyringName, v.expect]));
  assert.is(named.filter((/** @type {any} */ v) => v.expect === 'success').length, 1);
  assert.is(Object.keys(outcomes).find((n) => n.length === 64 && outcomes[n] === 'success')?.length, 64);
  for (const name of ['.team', 'ops@team', 'team..old', 'deploy/team']) assert.is(outcomes[name], 'format', name);
  assert.ok(Object.keys(outcomes).some((n) => n.length === 65 && outcomes[n] === 'format'), '65 characters');
  for (const vector of named) assert.is(isKeyringName(vector.keyringName), vector.expect === 'success', vector.keyringName);
});

for (const vector of named) {
  test(`vault decrypt of vector ${vector.name} (${JSON.stringify(vector.keyringName)}): ${vector.expect}`, async () => {
    const { dir, pass } = repository();
    const file = join(dir, 'deploy', 'vars.yml');
    copyFileSync(join(vectors, vector.file), file);
    const before = readFileSync(file);
    const result = await runVault(['decrypt', 'deploy/vars.yml', '--password-file', pass], { cwd: dir });
    if (vector.expect === 'success') {
      assert.is(result.code, 0, result.stderr);
      assert.is(result.stderr, '');
      assert.equal(readFileSync(file), readFileSync(join(vectors, vector.plaintext)));
      return;
    }
    assert.is(result.code, 3, result.stderr);
    assert.is(result.stderr, 'vault: "deploy/vars.yml": damaged vault file: the keyring name is not valid; restore it from version control or a backup\n');
    assert.equal(readFileSync(file), before, 'file unchanged');
  });
}

test('a keyring file naming itself outside the rule is refused as damaged', async () => {
  const { dir } = repository();
  const path = join(dir, '.vaultfile', 'keyrings', 'team.keyring');
  const edited = readFileSync(path, 'utf8').replace('name: team\n', 'name: ops@team\n');
  writeFileSync(path, edited);
  const result = await runVault(['keys', 'list', '--keyring', 'team'], { cwd: dir });
  assert.is(result.code, 3, result.stderr);
  assert.is(result.stderr, `vault: "${path}": damaged vault file: line 2: a keyring name is ${RULE}; restore it from version control or a backup\n`);
});

test('names typed on the command line: a usage error naming the rule, nothing written', async () => {
  for (const name of ['.team', 'ops@team', 'a..b', 'deploy/team', 'k'.repeat(65)]) {
    const dir = tempDir();
    const pass = writeSecret(join(dir, 'pw'), 'a long enough password\n');
    const result = await runVault(['init', '--keyring', name, '--password-file', pass, '--work-factor', '10'], { cwd: dir });
    assert.is(result.code, 2, `${name}: ${result.stderr}`);
    assert.is(result.stderr, `vault: keyring name ${JSON.stringify(name)} is not valid; use ${RULE}\n`);
    assert.not.ok(existsSync(join(dir, '.vaultfile')), `${name}: nothing written`);
  }
  const longest = `7.eu-west_1-${'k'.repeat(52)}`;
  const dir = tempDir();
  const pass = writeSecret(join(dir, 'pw'), 'a long enough password\n');
  const result = await runVault(['init', '--keyring', longest, '--password-file', pass, '--work-factor', '10'], { cwd: dir });
  assert.is(result.code, 0, result.stderr);
  assert.ok(existsSync(join(dir, '.vaultfile', 'keyrings', `${longest}.keyring`)));
  assert.is(basename(longest).length, 64);
});

test.run();
