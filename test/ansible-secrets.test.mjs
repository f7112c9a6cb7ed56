// Ansible password semantics: --vault-id LABEL@SOURCE (file, prompt, script, *-client script),
// ANSIBLE_VAULT_IDENTITY_LIST / ANSIBLE_VAULT_PASSWORD_FILE, label-first order, Ansible's
// stripping, and the messages that name the file and the vault-ids tried. Unit tests on the
// resolver plus end-to-end runs of the built CLI on the real fixtures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, removeDir, runVault, tempDir, writeSecret, rejects } from './helpers.mjs';
import {
  parseVaultId,
  vaultIdsFromEnv,
  resolveAnsibleSecrets,
  isClientScript,
} from '../dist/keys/ansible-secrets.js';
import { hasInlineVaultTag, MAX_INLINE_YAML_BYTES } from '../dist/core/ansible-detect.js';
import { sealAnsibleVault } from '../dist/core/ansible-vault.js';
import { systemRandom } from '../dist/core/random.js';
import { FileSystemError, NoKeyError, UsageError } from '../dist/errors.js';

const DIR = join(FIXTURES, 'ansible');
const dec = new TextDecoder();
const PLAIN = readFileSync(join(DIR, 'plain/simple.yml'), 'utf8');

/** A temp dir holding copies of the fixtures, password files 0600 whatever the checkout umask. */
function workDir() {
  const dir = tempDir();
  for (const name of ['v11-simple.vault', 'v12-prod.vault', 'v12-dev.vault', 'v11-spaces.vault', 'inline.yml']) copyFileSync(join(DIR, name), join(dir, name));
  for (const name of ['pw-default.txt', 'pw-prod.txt', 'pw-dev.txt', 'pw-spaces.txt']) writeSecret(join(dir, name), readFileSync(join(DIR, name), 'utf8'));
  return dir;
}

/** @param {string} path @param {string} body */
function script(path, body) {
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o700 });
  return path;
}

test('parseVaultId splits at the first "@"; no label is the default vault-id', () => {
  assert.equal(parseVaultId('prod@pw.txt'), { label: 'prod', source: 'pw.txt', origin: '--vault-id "prod@pw.txt"' });
  assert.equal(parseVaultId('pw.txt'), { label: undefined, source: 'pw.txt', origin: '--vault-id "pw.txt"' });
  assert.equal(parseVaultId('@prompt').label, undefined);
  assert.is(parseVaultId('a@b@c').source, 'b@c');
  assert.throws(() => parseVaultId('prod@'), (/** @type {Error} */ e) => e instanceof UsageError && /no password source/.test(e.message));
  assert.throws(() => parseVaultId('a;b@pw'), /cannot hold ";"/);
  assert.equal(
    vaultIdsFromEnv({ ANSIBLE_VAULT_IDENTITY_LIST: ' dev@a , prod@b ,' }).map((s) => [s.label, s.source, s.origin]),
    [['dev', 'a', 'ANSIBLE_VAULT_IDENTITY_LIST "dev@a"'], ['prod', 'b', 'ANSIBLE_VAULT_IDENTITY_LIST "prod@b"']],
  );
  assert.equal(vaultIdsFromEnv({}), []);
  assert.ok(isClientScript('/x/vault-keyring-client.py'));
  assert.ok(isClientScript('keyring-client'));
  assert.not.ok(isClientScript('/x/client.sh'));
});

test('password files are stripped like Ansible; identity list first; labels kept', async () => {
  const dir = workDir();
  try {
    const credentials = await resolveAnsibleSecrets({ vaultIds: [join(dir, 'pw-spaces.txt'), `prod@${join(dir, 'pw-prod.txt')}`] }, {
      env: { ANSIBLE_VAULT_IDENTITY_LIST: `dev@${join(dir, 'pw-dev.txt')}` },
    });
    assert.equal(
      credentials.map((c) => [c.kind === 'password' ? dec.decode(c.password) : '', c.kind === 'password' ? c.label : '']),
      [['test-only-password-dev', 'dev'], ['test-only-password-spaces', 'default'], ['test-only-password-prod', 'prod']],
    );
    assert.match(credentials[0].origin, /^ANSIBLE_VAULT_IDENTITY_LIST "dev@/);
  } finally {
    removeDir(dir);
  }
});

test('inline detection: YAML with !vault only, and never a huge file', () => {
  const yaml = readFileSync(join(DIR, 'inline.yml'));
  assert.ok(hasInlineVaultTag(new Uint8Array(yaml)));
  assert.not.ok(hasInlineVaultTag(new TextEncoder().encode('a: 1\n')));
  const huge = new Uint8Array(MAX_INLINE_YAML_BYTES + 1);
  huge.set(yaml);
  assert.not.ok(hasInlineVaultTag(huge));
});

test('the environment alone: identity list, then ANSIBLE_VAULT_PASSWORD_FILE taken whole', async () => {
  const dir = workDir();
  try {
    const odd = join(dir, 'me@corp');
    writeSecret(odd, 'odd-path-pw\n');
    const credentials = await resolveAnsibleSecrets({}, {
      env: { ANSIBLE_VAULT_IDENTITY_LIST: `prod@${join(dir, 'pw-prod.txt')}`, ANSIBLE_VAULT_PASSWORD_FILE: odd },
    });
    assert.equal(
      credentials.map((c) => [c.origin.split(' ')[0], c.kind === 'password' ? dec.decode(c.password) : '', c.kind === 'password' ? c.label : '']),
      [['ANSIBLE_VAULT_IDENTITY_LIST', 'test-only-password-prod', 'prod'], ['ANSIBLE_VAULT_PASSWORD_FILE', 'odd-path-pw', 'default']],
    );
    assert.equal(await resolveAnsibleSecrets({}, { env: {} }), []);
  } finally {
    removeDir(dir);
  }
});

test('an executable is run (no shell); a *-client script gets --vault-id LABEL', async () => {
  const dir = tempDir();
  try {
    const plain = script(join(dir, 'pass.sh'), 'printf "script-pw\\r\\n"');
    const client = script(join(dir, 'keyring-client.sh'), '[ "$1" = "--vault-id" ] && [ "$2" = "prod" ] && { echo "client-pw-$2"; exit 0; }; echo "no $2" >&2; exit 2');
    const failing = script(join(dir, 'broken.sh'), 'exit 3');
    const credentials = await resolveAnsibleSecrets({ vaultIds: [`x@${plain}`, `prod@${client}`] }, { env: {} });
    assert.equal(credentials.map((c) => (c.kind === 'password' ? dec.decode(c.password) : '')), ['script-pw', 'client-pw-prod']);
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [`dev@${client}`] }, { env: {} }), NoKeyError, /client script has no secret for vault-id "dev"; check the label/);
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [failing] }, { env: {} }), NoKeyError, /password script exited with code 3/);
    const notRunnable = join(dir, 'not-a-script');
    writeFileSync(notRunnable, 'plain text\n', { mode: 0o700 });
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [notRunnable] }, { env: {} }), NoKeyError, /could not run the password script \(ENOEXEC\); if it is not a script, remove its executable bit/);
    const empty = script(join(dir, 'empty.sh'), 'echo');
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [empty] }, { env: {} }), UsageError, /the password is empty/);
  } finally {
    removeDir(dir);
  }
});

test('prompt: only on a terminal, answer stripped; refused without one', async () => {
  /** @type {string[]} */
  const asked = [];
  const credentials = await resolveAnsibleSecrets({ vaultIds: ['prod@prompt', 'prompt'] }, {
    env: {},
    interactive: true,
    prompt: async (message) => {
      asked.push(message);
      return '  typed-pw \n';
    },
  });
  assert.equal(asked, ['Vault password (prod):', 'Vault password (default):']);
  assert.is(dec.decode(/** @type {any} */ (credentials[0]).password), 'typed-pw');
  await rejects(() => resolveAnsibleSecrets({ vaultIds: ['prod@prompt'] }, { env: {}, interactive: false }), NoKeyError, /prompting needs a terminal; use --vault-id prod@FILE/);
});

test('bad password files: missing, a directory, writable by others, empty, or a vault itself', async () => {
  const dir = tempDir();
  try {
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [`p@${join(dir, 'nope')}`] }, { env: {} }), FileSystemError, /nope/);
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [`p@${dir}`] }, { env: {} }), FileSystemError, /is a directory/);
    writeFileSync(join(dir, 'open.txt'), 'pw\n');
    chmodSync(join(dir, 'open.txt'), 0o666);
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [join(dir, 'open.txt')] }, { env: {} }), UsageError, /writable by group or others \(mode 0666\); run "chmod go-w/);
    writeSecret(join(dir, 'empty.txt'), ' \n\n');
    await rejects(() => resolveAnsibleSecrets({ vaultIds: [join(dir, 'empty.txt')] }, { env: {} }), UsageError, /password is empty/);
    // A password file that is itself vault-encrypted opens with an earlier vault-id (Ansible does this).
    writeSecret(join(dir, 'outer.txt'), 'outer-pw\n');
    const sealed = await sealAnsibleVault(new TextEncoder().encode('inner-pw\n'), new TextEncoder().encode('outer-pw'), {}, systemRandom);
    writeFileSync(join(dir, 'vaulted.txt'), sealed, { mode: 0o600 });
    const credentials = await resolveAnsibleSecrets({ vaultIds: [join(dir, 'outer.txt'), `inner@${join(dir, 'vaulted.txt')}`] }, { env: {} });
    assert.is(dec.decode(/** @type {any} */ (credentials[1]).password), 'inner-pw');
  } finally {
    removeDir(dir);
  }
});

test('vault view: --vault-id, label first, --password-file, ~ in a source, stripped password file', async () => {
  const dir = workDir();
  try {
    let result = await runVault(['view', '--vault-id', 'prod@pw-prod.txt', 'v12-prod.vault'], { cwd: dir });
    assert.is(result.stderr, '');
    assert.is(result.code, 0);
    assert.is(result.stdout, PLAIN);
    result = await runVault(['view', '--vault-id', 'dev@pw-dev.txt', '--vault-id', 'prod@pw-prod.txt', 'v12-prod.vault', 'v12-dev.vault'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, PLAIN + readFileSync(join(DIR, 'plain/multiline.yml'), 'utf8'));
    result = await runVault(['view', '--password-file', 'pw-default.txt', 'v11-simple.vault'], { cwd: dir });
    assert.is(result.stdout, PLAIN);
    result = await runVault(['view', '--vault-id', 'prod@~/pw-prod.txt', 'v12-prod.vault'], { cwd: dir, env: { HOME: dir } });
    assert.is(result.stdout, PLAIN, result.stderr);
    // vaultfile's own --password-file strips one newline; the Ansible-stripped form is tried too.
    result = await runVault(['view', '--password-file', 'pw-spaces.txt', 'v11-spaces.vault'], { cwd: dir });
    assert.is(result.stdout, PLAIN, result.stderr);
  } finally {
    removeDir(dir);
  }
});

test('vault view: ANSIBLE_VAULT_PASSWORD_FILE and ANSIBLE_VAULT_IDENTITY_LIST are honoured', async () => {
  const dir = workDir();
  try {
    let result = await runVault(['view', 'v11-simple.vault'], { cwd: dir, env: { ANSIBLE_VAULT_PASSWORD_FILE: join(dir, 'pw-default.txt') } });
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, PLAIN);
    result = await runVault(['view', '--vault-id', 'dev@pw-dev.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_IDENTITY_LIST: 'prod@pw-prod.txt' } });
    assert.is(result.code, 0, result.stderr);
    assert.is(result.stdout, PLAIN);
  } finally {
    removeDir(dir);
  }
});

test('vault view: a wrong password names the file, the vault-id it wants and every vault-id tried', async () => {
  const dir = workDir();
  try {
    const result = await runVault(['view', '--vault-id', 'dev@pw-dev.txt', '--vault-id', 'pw-default.txt', 'v12-prod.vault'], { cwd: dir });
    assert.is(result.code, 4);
    assert.is(result.stdout, '');
    assert.is(
      result.stderr,
      'vault: "v12-prod.vault": no password opened this ansible vault (sealed for vault-id "prod"); tried --vault-id "dev@pw-dev.txt", --vault-id "pw-default.txt"; check the password or add --vault-id LABEL@FILE\n',
    );
    assert.not.match(result.stderr, /test-only-password/);
    const prompt = await runVault(['view', '--vault-id', 'prod@prompt', 'v12-prod.vault'], { cwd: dir });
    assert.is(prompt.code, 5);
    assert.is(prompt.stderr, 'vault: --vault-id "prod@prompt": prompting needs a terminal; use --vault-id prod@FILE in scripts and CI\n');
  } finally {
    removeDir(dir);
  }
});

test.run();
