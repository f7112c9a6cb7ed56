// End-to-end: Ansible's environment and its --vault-password-file work on their own, as they do
// for ansible-vault (a password file, or an executable that prints the password).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync, chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FIXTURES, cleanEnv, removeDir, runVault, tempDir, writeSecret } from './helpers.mjs';

const ANSIBLE = join(FIXTURES, 'ansible');
const plaintextOf = (/** @type {string} */ name) => readFileSync(join(ANSIBLE, 'plain', name));

test('ANSIBLE_VAULT_IDENTITY_LIST alone opens a labelled vault', async () => {
  const dir = tempDir();
  const pw = join(dir, 'prod.pw');
  copyFileSync(join(ANSIBLE, 'pw-prod.txt'), pw);
  chmodSync(pw, 0o600);
  const result = await runVault(['view', join(ANSIBLE, 'v12-prod.vault')], { env: { ANSIBLE_VAULT_IDENTITY_LIST: `prod@${pw}` } });
  assert.is(result.code, 0, result.stderr);
  assert.ok(result.stdout.length > 0);
});

test('--vault-password-file runs an executable file and uses its output, like ansible-vault', async () => {
  const dir = tempDir();
  const script = join(dir, 'get-pass.sh');
  const password = readFileSync(join(ANSIBLE, 'pw-default.txt'), 'utf8').trim();
  // The script reads the password from a file so that it never appears in argv.
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, password, { mode: 0o600 });
  writeFileSync(script, `#!/bin/sh\ncat '${pwFile}'\n`, { mode: 0o700 });
  const result = await runVault(['view', join(ANSIBLE, 'v11-simple.vault'), '--vault-password-file', script]);
  assert.is(result.code, 0, result.stderr);
  assert.equal(Buffer.from(result.stdout), plaintextOf('simple.yml'));
});

const HAVE_ANSIBLE = spawnSync('ansible-vault', ['--version']).status === 0;

/** A temp dir holding the fixture password files (mode 0600) and vaults. */
function workDir() {
  const dir = tempDir();
  for (const name of ['pw-default.txt', 'pw-prod.txt', 'pw-dev.txt']) writeSecret(join(dir, name), readFileSync(join(ANSIBLE, name), 'utf8'));
  for (const name of ['v11-simple.vault', 'v12-prod.vault']) copyFileSync(join(ANSIBLE, name), join(dir, name));
  return dir;
}

/**
 * ansible-vault ARGS in DIR with ENV, for the same call made to both tools.
 * @param {string} dir @param {string[]} args @param {Record<string, string>} [env]
 */
function ansibleVault(dir, args, env = {}) {
  const result = spawnSync('ansible-vault', args, { cwd: dir, encoding: 'utf8', env: cleanEnv({ HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, '.tmp'), ...env }) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('Ansible variables join the key options, in Ansible\'s order, as ansible-vault combines them', async () => {
  const dir = workDir();
  try {
    /** @type {[Record<string, string>, string[], string][]} */
    const cases = [
      [{ ANSIBLE_VAULT_PASSWORD_FILE: 'pw-default.txt' }, ['--vault-id', 'prod@pw-prod.txt'], 'v11-simple.vault'],
      [{ ANSIBLE_VAULT_PASSWORD_FILE: 'pw-default.txt' }, ['--vault-id', 'prod@pw-prod.txt'], 'v12-prod.vault'],
      [{ ANSIBLE_VAULT_IDENTITY_LIST: 'prod@pw-prod.txt' }, ['--vault-password-file', 'pw-default.txt'], 'v12-prod.vault'],
      [{ ANSIBLE_VAULT_IDENTITY_LIST: 'dev@pw-dev.txt,prod@pw-prod.txt' }, ['--vault-id', 'pw-default.txt'], 'v11-simple.vault'],
    ];
    for (const [env, args, file] of cases) {
      const result = await runVault(['view', ...args, file], { cwd: dir, env });
      assert.is(result.code, 0, `${JSON.stringify(env)} ${args.join(' ')} ${file}: ${result.stderr}`);
      assert.equal(Buffer.from(result.stdout), plaintextOf('simple.yml'));
      if (HAVE_ANSIBLE) assert.is(ansibleVault(dir, ['view', ...args, file], env).code, 0, 'ansible-vault agrees');
    }
    // vaultfile's own --password-file is combined with the identity list too.
    const mixed = await runVault(['view', '--password-file', 'pw-default.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_IDENTITY_LIST: 'prod@pw-prod.txt' } });
    assert.is(mixed.code, 0, mixed.stderr);
    // The identity list comes first in the list of what was tried.
    const wrong = await runVault(['view', '--vault-id', 'dev@pw-dev.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_IDENTITY_LIST: 'qa@pw-default.txt' } });
    assert.is(wrong.code, 4);
    assert.match(wrong.stderr, /tried ANSIBLE_VAULT_IDENTITY_LIST "qa@pw-default\.txt", --vault-id "dev@pw-dev\.txt";/);
  } finally {
    removeDir(dir);
  }
});

test('ANSIBLE_VAULT_ID_MATCH: only the vault-id whose label the vault names is tried', async () => {
  const dir = workDir();
  try {
    // The right password under the wrong label opens the vault unless ANSIBLE_VAULT_ID_MATCH is set.
    const loose = await runVault(['view', '--vault-id', 'qa@pw-prod.txt', 'v12-prod.vault'], { cwd: dir });
    assert.is(loose.code, 0, loose.stderr);
    for (const value of ['true', 'yes', '1']) {
      const strict = await runVault(['view', '--vault-id', 'qa@pw-prod.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_ID_MATCH: value } });
      assert.is(strict.code, 5, strict.stderr);
      assert.is(strict.stderr, 'vault: "v12-prod.vault": ANSIBLE_VAULT_ID_MATCH is set and no vault-id has the label "prod" this vault asks for; pass --vault-id prod@FILE\n');
    }
    const off = await runVault(['view', '--vault-id', 'qa@pw-prod.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_ID_MATCH: 'false' } });
    assert.is(off.code, 0, off.stderr);
    const matched = await runVault(['view', '--vault-id', 'qa@pw-dev.txt', '--vault-id', 'prod@pw-prod.txt', 'v12-prod.vault'], { cwd: dir, env: { ANSIBLE_VAULT_ID_MATCH: 'true' } });
    assert.is(matched.code, 0, matched.stderr);
    // A 1.1 vault asks for "default".
    const v11 = await runVault(['view', '--vault-id', 'qa@pw-default.txt', 'v11-simple.vault'], { cwd: dir, env: { ANSIBLE_VAULT_ID_MATCH: 'true' } });
    assert.is(v11.code, 5, v11.stderr);
    if (HAVE_ANSIBLE) {
      assert.is.not(ansibleVault(dir, ['view', '--vault-id', 'qa@pw-prod.txt', 'v12-prod.vault'], { ANSIBLE_VAULT_ID_MATCH: 'true' }).code, 0);
      assert.is(ansibleVault(dir, ['view', '--vault-id', 'qa@pw-prod.txt', 'v12-prod.vault']).code, 0);
    }
  } finally {
    removeDir(dir);
  }
});

test('a relative password script is run from the working directory, never looked up in PATH', async () => {
  const dir = workDir();
  try {
    writeFileSync(join(dir, 'my-client.sh'), '#!/bin/sh\ncat pw-prod.txt\n', { mode: 0o700 });
    let result = await runVault(['view', '--vault-id', 'prod@my-client.sh', 'v12-prod.vault'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    // ./true prints the password; /usr/bin/true (found in PATH) would print nothing.
    writeFileSync(join(dir, 'true'), '#!/bin/sh\ncat pw-default.txt\n', { mode: 0o700 });
    result = await runVault(['view', '--vault-id', 'true', 'v11-simple.vault'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.equal(Buffer.from(result.stdout), plaintextOf('simple.yml'));
    rmSync(join(dir, 'true'));
    result = await runVault(['view', '--vault-id', 'true', 'v11-simple.vault'], { cwd: dir });
    assert.is(result.code, 6, result.stderr);
    assert.is(result.stderr, 'vault: "true": no such file; check the path\n');
  } finally {
    removeDir(dir);
  }
});

test('a *-client script gets --vault-id default from --vault-password-file and ANSIBLE_VAULT_PASSWORD_FILE, as in ansible-vault', async () => {
  const dir = workDir();
  try {
    // The client logs its arguments, then prints the password of the label it was asked for.
    const client = join(dir, 'keyring-client.sh');
    writeFileSync(client, '#!/bin/sh\necho "$*" >> args.log\ncase "$2" in prod) cat pw-prod.txt;; *) cat pw-default.txt;; esac\n', { mode: 0o700 });
    const log = join(dir, 'args.log');
    const calls = /** @type {[string[], Record<string, string>, string][]} */ ([
      [['--vault-password-file', 'keyring-client.sh'], {}, '--vault-id default'],
      [[], { ANSIBLE_VAULT_PASSWORD_FILE: 'keyring-client.sh' }, '--vault-id default'],
      [['--vault-id', 'prod@keyring-client.sh'], {}, '--vault-id prod'],
      [['--vault-id', 'keyring-client.sh'], {}, ''], // no label given: no argument, like Ansible
    ]);
    for (const [args, env, expected] of calls) {
      const file = expected === '--vault-id prod' ? 'v12-prod.vault' : 'v11-simple.vault';
      const tools = HAVE_ANSIBLE ? ['vault', 'ansible-vault'] : ['vault'];
      for (const tool of tools) {
        if (existsSync(log)) rmSync(log);
        const result = tool === 'vault' ? await runVault(['view', ...args, file], { cwd: dir, env }) : ansibleVault(dir, ['view', ...args, file], env);
        assert.is(result.code, 0, `${tool} ${args.join(' ')}: ${result.stderr}`);
        assert.is(readFileSync(log, 'utf8'), `${expected}\n`, `${tool} ${args.join(' ')} ${JSON.stringify(env)}`);
      }
    }
  } finally {
    removeDir(dir);
  }
});

test('encrypt --format ansible: several vault-ids are refused unless --encrypt-vault-id (or ANSIBLE_VAULT_ENCRYPT_IDENTITY) picks one', async () => {
  const dir = workDir();
  try {
    writeFileSync(join(dir, 'a.yml'), 'a: 1\n');
    const ids = ['--vault-id', 'dev@pw-dev.txt', '--vault-id', 'prod@pw-prod.txt'];
    let result = await runVault(['encrypt', '--format', 'ansible', ...ids, 'a.yml'], { cwd: dir });
    assert.is(result.code, 2);
    assert.is(result.stderr, 'vault: several passwords could encrypt (--vault-id "dev@pw-dev.txt", --vault-id "prod@pw-prod.txt"); choose one with --encrypt-vault-id LABEL\n');
    assert.is(readFileSync(join(dir, 'a.yml'), 'utf8'), 'a: 1\n');
    result = await runVault(['encrypt', '--format', 'ansible', ...ids, '--encrypt-vault-id', 'qa', 'a.yml'], { cwd: dir });
    assert.is(result.code, 2);
    assert.match(result.stderr, /--encrypt-vault-id qa: no --vault-id has that label/);
    result = await runVault(['encrypt', '--format', 'ansible', ...ids, '--encrypt-vault-id', 'prod', 'a.yml', '-o', 'b.yml'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(readFileSync(join(dir, 'b.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;prod');
    result = await runVault(['encrypt', '--format', 'ansible', ...ids, 'a.yml', '-o', 'c.yml'], { cwd: dir, env: { ANSIBLE_VAULT_ENCRYPT_IDENTITY: 'dev' } });
    assert.is(result.code, 0, result.stderr);
    assert.is(readFileSync(join(dir, 'c.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.2;AES256;dev');
    // The keyring's --password-file beside one vault-id does not count: the vault-id encrypts.
    result = await runVault(['encrypt', '--format', 'ansible', '--password-file', 'pw-dev.txt', '--vault-id', 'pw-default.txt', 'a.yml', '-o', 'd.yml'], { cwd: dir });
    assert.is(result.code, 0, result.stderr);
    assert.is(readFileSync(join(dir, 'd.yml'), 'utf8').split('\n')[0], '$ANSIBLE_VAULT;1.1;AES256');
    result = await runVault(['view', '--vault-id', 'pw-default.txt', 'd.yml'], { cwd: dir });
    assert.is(result.stdout, 'a: 1\n', result.stderr);
    result = await runVault(['view', '--password-file', 'pw-dev.txt', 'd.yml'], { cwd: dir });
    assert.is(result.code, 4);
  } finally {
    removeDir(dir);
  }
});

test('encrypt-string -p asks for the variable name first, as ansible-vault does (on a terminal)', async () => {
  const dir = workDir();
  try {
    const command = `'${process.execPath}' '${CLI}' encrypt-string -p --vault-id prod@pw-prod.txt > out.yml`;
    const run = spawnSync('/bin/sh', ['-c', `(sleep 2; printf 'db_password\r'; sleep 1; printf 'from-prompt\r') | script -qec "$0" /dev/null`, command], {
      cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 60000,
    });
    assert.match(run.stdout, /variable name/);
    const out = readFileSync(join(dir, 'out.yml'), 'utf8');
    assert.match(out, /^db_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    const view = await runVault(['view', '--vault-id', 'prod@pw-prod.txt', 'out.yml'], { cwd: dir });
    assert.is(view.stdout, 'db_password: from-prompt\n', view.stderr);
  } finally {
    removeDir(dir);
  }
});

test('no key at all: the error for an Ansible vault names the Ansible options', async () => {
  const dir = workDir();
  try {
    const result = await runVault(['view', 'v12-prod.vault'], { cwd: dir });
    assert.is(result.code, 5);
    assert.is(
      result.stderr,
      'vault: "v12-prod.vault": no key given; this is an ansible vault: pass --vault-id LABEL@FILE or --vault-password-file FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)\n',
    );
  } finally {
    removeDir(dir);
  }
});

test.run();
