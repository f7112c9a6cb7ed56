// --json on status, keys list and check: one JSON object on stdout with the documented field
// names (docs/install.md, "Scripting"), and check keeps its exit code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, removeDir, runVaultBinary, tempDir, tempRepo } from './helpers.mjs';

const dir = tempRepo();
const keyFile = join(tempDir('vaultfile-json-key-'), 'ci.key');
assert.is(runVaultBinary(['keygen', keyFile]).code, 0);
assert.is(runVaultBinary(['init', '--key-file', keyFile, '--label', 'ci'], { cwd: dir }).code, 0);
mkdirSync(join(dir, 'deploy/vars'), { recursive: true });
writeFileSync(join(dir, 'deploy/vars/prod.yml'), 'db_password: s3cret\n');
git(dir, ['add', '-A']);

/** @param {string[]} args @param {number} code */
function json(args, code = 0) {
  const result = runVaultBinary(args, { cwd: dir });
  assert.is(result.code, code, result.stderr);
  return JSON.parse(result.stdout);
}

test.after(() => removeDir(dir));

test('keys list --json: keyring, path, entries (id, type, label, recipient, fingerprint), warnings', () => {
  const list = json(['keys', 'list', '--json']);
  assert.is(list.keyring, 'default');
  assert.is(list.path, '.vaultfile/keyrings/default.keyring');
  assert.is(list.entries.length, 1);
  assert.equal(Object.keys(list.entries[0]).sort(), ['fingerprint', 'id', 'label', 'recipient', 'type']);
  assert.is(list.entries[0].label, 'ci');
  assert.is(list.entries[0].type, 'key-file');
  assert.equal(list.warnings, []);
});

test('check --json: the problems with their paths, exit 1; ok after encryption, exit 0', () => {
  const refused = runVaultBinary(['check', '--staged', '--json'], { cwd: dir });
  assert.is(refused.code, 1);
  const verdict = JSON.parse(refused.stdout);
  assert.equal({ ...verdict, problems: verdict.problems.map((/** @type {{path: string}} */ p) => p.path) }, {
    version: 1, ok: false, staged: true, files: 1, problems: ['deploy/vars/prod.yml'],
  });
  assert.type(verdict.problems[0].problem, 'string');
  assert.not.match(refused.stdout + refused.stderr, /s3cret/);
  assert.is(runVaultBinary(['encrypt', 'deploy/vars/prod.yml', '--key-file', keyFile], { cwd: dir }).code, 0);
  git(dir, ['add', '-A']);
  assert.equal(json(['check', '--staged', '--json']), { version: 1, ok: true, staged: true, files: 1, problems: [] });
});

test('status --json: each file with keyring, index and tree sides, key here', () => {
  const status = json(['status', '--json']);
  assert.is(status.version, 1);
  assert.type(status.filterConfigured, 'boolean');
  const file = status.files.find((/** @type {{path: string}} */ f) => f.path === 'deploy/vars/prod.yml');
  assert.ok(file, JSON.stringify(status));
  assert.is(file.keyring, 'default');
  assert.is(file.filtered, false, 'no vault git setup here: git does not filter it');
  assert.is(file.index.state, 'encrypted');
  assert.is(file.index.keyring, 'default');
  assert.match(file.index.keyId, /^[0-9a-f]{32}$/);
  assert.is(file.tree.state, 'encrypted');
  assert.type(file.key, 'boolean');
});

test.run();
