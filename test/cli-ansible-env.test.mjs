// End-to-end: Ansible's environment and its --vault-password-file work on their own, as they do
// for ansible-vault (a password file, or an executable that prints the password).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, runVault, tempDir } from './helpers.mjs';

const ANSIBLE = join(FIXTURES, 'ansible');
const plaintextOf = (/** @type {string} */ name) => readFileSync(join(ANSIBLE, 'plain', name));

test('ANSIBLE_VAULT_IDENTITY_LIST alone opens a labelled vault', () => {
  const dir = tempDir();
  const pw = join(dir, 'prod.pw');
  copyFileSync(join(ANSIBLE, 'pw-prod.txt'), pw);
  chmodSync(pw, 0o600);
  const result = runVault(['view', join(ANSIBLE, 'v12-prod.vault')], { env: { ANSIBLE_VAULT_IDENTITY_LIST: `prod@${pw}` } });
  assert.is(result.code, 0, result.stderr);
  assert.ok(result.stdout.length > 0);
});

test('--vault-password-file runs an executable file and uses its output, like ansible-vault', () => {
  const dir = tempDir();
  const script = join(dir, 'get-pass.sh');
  const password = readFileSync(join(ANSIBLE, 'pw-default.txt'), 'utf8').trim();
  // The script reads the password from a file so that it never appears in argv.
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, password, { mode: 0o600 });
  writeFileSync(script, `#!/bin/sh\ncat '${pwFile}'\n`, { mode: 0o700 });
  const result = runVault(['view', join(ANSIBLE, 'v11-simple.vault'), '--vault-password-file', script]);
  assert.is(result.code, 0, result.stderr);
  assert.equal(Buffer.from(result.stdout), plaintextOf('simple.yml'));
});

test.run();
