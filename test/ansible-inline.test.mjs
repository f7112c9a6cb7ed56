// Inline `!vault` values: shown decrypted with comments and formatting kept, sealed again value
// by value (unchanged ciphertext byte for byte), errors that name the YAML path, and the
// encrypt-string and edit commands end to end.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, cleanEnv, removeDir, runVault, tempDir, writeSecret, rejects } from './helpers.mjs';
import {
  hasInlineVaultValues,
  decryptInlineValues,
  reencryptChangedInlineValues,
  formatInlineVault,
} from '../dist/core/ansible-inline.js';
import { openAnsibleVault, sealAnsibleVault } from '../dist/core/ansible-vault.js';
import { systemRandom } from '../dist/core/random.js';
import { AuthError, FormatError } from '../dist/errors.js';

const DIR = join(FIXTURES, 'ansible');
const enc = new TextEncoder();
const INLINE = readFileSync(join(DIR, 'inline.yml'), 'utf8');
/** @type {import('../dist/core/credential.js').Credential[]} */
const CREDENTIALS = [
  { kind: 'password', password: enc.encode('test-only-password-default'), origin: '--password-file "pw-default.txt"' },
  { kind: 'password', password: enc.encode('test-only-password-prod'), origin: '--vault-id "prod@pw-prod.txt"', label: 'prod' },
];
const SHOWN = `# group_vars/all/main.yml (test-only values)
app_name: demo   # plain value
db_password: s3cr3t
nested:
  # a comment inside a mapping
  api_token: "tok-123: not yaml"
  port: 5432
users:
- name: alice
  password: |
            multi
            line
            value
`;

/** @param {string} text @param {string} password @param {string} [label] */
async function vaultText(text, password, label) {
  return new TextDecoder().decode(await sealAnsibleVault(enc.encode(text), enc.encode(password), label ? { label } : {}, systemRandom));
}

/**
 * Copy inline.yml to DIR/main.yml beside its two password files, and run vault edit on it with an
 * editor that applies the sed SCRIPT; the edit must succeed.
 * @param {string} dir
 * @param {string} script
 */
async function editInlineFile(dir, script) {
  copyFileSync(join(DIR, 'inline.yml'), join(dir, 'main.yml'));
  writeSecret(join(dir, 'pw'), 'test-only-password-default\n');
  writeSecret(join(dir, 'prod.pw'), 'test-only-password-prod\n');
  writeFileSync(join(dir, 'ed.sh'), `#!/bin/sh\nsed -i "${script}" "$1"\n`, { mode: 0o700 });
  const result = await runVault(['edit', '--vault-id', 'pw', '--vault-id', 'prod@prod.pw', 'main.yml'], { cwd: dir, env: { VAULTFILE_EDITOR: join(dir, 'ed.sh') } });
  assert.is(result.code, 0, result.stderr);
  return result;
}

test('hasInlineVaultValues: only YAML with a !vault value', () => {
  assert.ok(hasInlineVaultValues(INLINE));
  assert.not.ok(hasInlineVaultValues('a: 1\n# !vault in a comment is not a value\n'.replace('!vault ', '!vaultx ')));
  assert.not.ok(hasInlineVaultValues(readFileSync(join(DIR, 'v11-simple.vault'), 'utf8')));
  assert.not.ok(hasInlineVaultValues('a: [unclosed !vault |\n'));
  assert.ok(hasInlineVaultValues('x: !vault-encrypted |\n  $ANSIBLE_VAULT;1.1;AES256\n  00\n'));
});

test('decryptInlineValues shows values decrypted, everything else byte for byte', async () => {
  assert.is(await decryptInlineValues(INLINE, CREDENTIALS, 'inline.yml'), SHOWN);
});

test('unchanged plaintext seals back to the original bytes; one changed value is resealed alone', async () => {
  const same = await reencryptChangedInlineValues(INLINE, SHOWN, CREDENTIALS, 'inline.yml', systemRandom);
  assert.is(same.text, INLINE);
  assert.equal(same.kept, ['db_password', 'nested.api_token', 'users[0].password']);
  assert.equal(same.resealed, []);
  const edited = SHOWN.replace('tok-123: not yaml', 'tok-456').replace('# plain value', '# plain value, edited');
  const result = await reencryptChangedInlineValues(INLINE, edited, CREDENTIALS, 'inline.yml', systemRandom);
  assert.equal(result.resealed, ['nested.api_token']);
  assert.equal(result.kept, ['db_password', 'users[0].password']);
  const before = INLINE.split('\n');
  const after = result.text.split('\n');
  assert.is(after.length, before.length);
  // Only the comment line and the api_token block differ; its new block keeps the 1.2;prod header.
  const changed = after.map((line, i) => (line === before[i] ? -1 : i)).filter((i) => i >= 0);
  assert.is(after[1], 'app_name: demo   # plain value, edited');
  assert.is(after[12], '            $ANSIBLE_VAULT;1.2;AES256;prod');
  assert.ok(changed.every((i) => i === 1 || (i >= 13 && i <= 17)), String(changed));
  assert.ok(changed.length > 3);
  const shown = await decryptInlineValues(result.text, CREDENTIALS, 'inline.yml');
  assert.is(shown, edited.replace('"tok-456"', 'tok-456'));
});

test('a renamed key keeps its value encrypted; a deleted one is reported', async () => {
  const renamed = SHOWN.replace('db_password:', 'database_password:').replace('  api_token: "tok-123: not yaml"\n', '');
  const result = await reencryptChangedInlineValues(INLINE, renamed, CREDENTIALS, 'inline.yml', systemRandom);
  assert.equal(result.resealed, ['database_password']);
  assert.equal(result.dropped, ['nested.api_token']);
  assert.match(result.text, /^database_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/m);
  assert.not.match(result.text, /s3cr3t/);
});

test('new multi-line, quoted, flow, sequence and anchored values render and reseal correctly', async () => {
  const text = [
    '--- # first document',
    `top: &anchor !vault |`,
    ...(await vaultText('  leading space\n', 'pw')).trimEnd().split('\n').map((l) => `  ${l}`),
    `flow: {a: !vault ${JSON.stringify(await vaultText('x\ny', 'pw'))}, b: 2}`,
    'list:',
    `  - !vault-encrypted ${JSON.stringify(await vaultText('yes', 'pw'))}`,
    `  - !vault |`,
    ...(await vaultText('a\n\nb', 'pw')).trimEnd().split('\n').map((l) => `      ${l}`),
    'alias: *anchor',
    '---',
    `"odd key": !vault ${JSON.stringify(await vaultText('tab\there\u0085', 'pw'))}`,
    '',
  ].join('\n');
  const creds = [{ kind: /** @type {const} */ ('password'), password: enc.encode('pw'), origin: 'p' }];
  const shown = await decryptInlineValues(text, creds, 'm.yml');
  assert.is(
    shown,
    [
      '--- # first document',
      'top: &anchor "  leading space\\n"',
      'flow: {a: "x\\ny", b: 2}',
      'list:',
      '  - "yes"',
      '  - |-',
      '      a',
      '',
      '      b',
      'alias: *anchor',
      '---',
      '"odd key": "tab\\there\\u0085"',
      '',
    ].join('\n'),
  );
  // Change every value: each is sealed again where it stands and reads back as the new value.
  const edited = shown.replace('leading space', 'other space').replace('x\\ny', 'x\\nz').replace('"yes"', 'no-more').replace('      b', '      c').replace('here', 'there');
  const result = await reencryptChangedInlineValues(text, edited, creds, 'm.yml', systemRandom);
  assert.equal(result.resealed, ['(document 1) top', '(document 1) flow.a', '(document 1) list[0]', '(document 1) list[1]', '(document 2) ["odd key"]']);
  assert.match(result.text, /^top: &anchor !vault \|\n {2}\$ANSIBLE_VAULT/m);
  assert.match(result.text, /^flow: \{a: !vault "\$ANSIBLE_VAULT;1\.1;AES256\\n/m);
  assert.is(await decryptInlineValues(result.text, creds, 'm.yml'), edited);
});

test('errors name the file and the YAML path; tampering, bad tags, syntax and non-UTF-8 values', async () => {
  await rejects(
    () => decryptInlineValues(INLINE, [CREDENTIALS[0]], 'inline.yml'),
    AuthError,
    /^"inline\.yml" at nested\.api_token: no password opened this ansible vault \(sealed for vault-id "prod"\); tried --password-file "pw-default\.txt"/,
  );
  await rejects(() => decryptInlineValues('a:\n  b: !vault not-a-vault\n', CREDENTIALS, 'x.yml'), FormatError, /^"x\.yml" at a\.b: tagged !vault but holds no \$ANSIBLE_VAULT text/);
  await rejects(() => decryptInlineValues('a: [1, !vault x\n', CREDENTIALS, 'x.yml'), FormatError, /^"x\.yml": YAML does not parse \(line \d+, column \d+\): .*; fix the syntax$/);
  const binary = new TextDecoder().decode(await sealAnsibleVault(new Uint8Array([0xff, 0xfe]), enc.encode('pw'), {}, systemRandom));
  await rejects(
    () => decryptInlineValues(`bin: !vault ${JSON.stringify(binary)}\n`, [{ kind: 'password', password: enc.encode('pw'), origin: 'p' }], 'b.yml'),
    FormatError,
    /^"b\.yml" at bin: decrypted value is not UTF-8 text/,
  );
  // Flip one ciphertext digit of db_password's last line, keeping the inner text hex.
  const lines = INLINE.split('\n');
  const last = /** @type {string} */ (lines[8]);
  const flip = last[10] === '3' ? (last[11] === '0' ? '1' : '0') : last[11] === '1' ? '2' : '1';
  lines[8] = last.slice(0, 11) + flip + last.slice(12);
  const damaged = lines.join('\n');
  await rejects(() => decryptInlineValues(damaged, CREDENTIALS, 'inline.yml'), AuthError, /^"inline\.yml" at db_password: /);
});

test('a resealed value that would not read back is refused, never written half-done', async () => {
  // The edited value sits at a path whose block cannot hold the original indentation any more.
  const original = `k: !vault |\n${(await vaultText('v', 'pw')).trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\n`;
  const creds = [{ kind: /** @type {const} */ ('password'), password: enc.encode('pw'), origin: 'p' }];
  const edited = 'k: v\nnext: |\n  still\n';
  const result = await reencryptChangedInlineValues(original, edited, creds, 'k.yml', systemRandom);
  assert.is(result.kept.length, 1);
  assert.is(await decryptInlineValues(result.text, creds, 'k.yml'), edited);
});

test('comments on a value\'s line are shown and kept: header comments, trailing comments, added ones', async () => {
  const creds = [{ kind: /** @type {const} */ ('password'), password: enc.encode('pw'), origin: 'p' }];
  const block = async (/** @type {string} */ text) => (await vaultText(text, 'pw')).trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
  const original = `# head\ndb_password: !vault |  # rotated 2024\n${await block('old')}\nmulti: !vault |-   # two lines\n${await block('l1\nl2')}\nother: !vault |\n${await block('o')}\n`;
  const shown = await decryptInlineValues(original, creds, 'c.yml');
  assert.is(shown, '# head\ndb_password: old  # rotated 2024\nmulti: |-   # two lines\n  l1\n  l2\nother: o\n');
  // Unchanged: the same bytes back, comments included.
  assert.is((await reencryptChangedInlineValues(original, shown, creds, 'c.yml', systemRandom)).text, original);
  // A changed value keeps its comment; an edited comment on an unchanged value is kept with its ciphertext.
  const edited = shown.replace('old  # rotated 2024', 'new  # rotated 2025').replace('other: o', 'other: o  # added');
  const result = await reencryptChangedInlineValues(original, edited, creds, 'c.yml', systemRandom);
  assert.equal(result.resealed, ['db_password']);
  assert.match(result.text, /^# head\ndb_password: !vault \|  # rotated 2025\n {2}\$ANSIBLE_VAULT;1\.1;AES256\n/);
  assert.ok(result.text.includes(`other: !vault |  # added\n${await block('o').then(() => original.split('other: !vault |\n')[1])}`));
  assert.is(await decryptInlineValues(result.text, creds, 'c.yml'), edited);
  // A changed multi-line value keeps its header comment too.
  const multi = await reencryptChangedInlineValues(original, shown.replace('  l2\n', '  l2 changed\n'), creds, 'c.yml', systemRandom);
  assert.match(multi.text, /\nmulti: !vault \|   # two lines\n {2}\$ANSIBLE_VAULT/);
  assert.is(await decryptInlineValues(multi.text, creds, 'c.yml'), shown.replace('  l2\n', '  l2 changed\n'));
});

test('an unchanged value moved into a flow collection keeps its ciphertext as a quoted !vault scalar', async () => {
  const creds = [{ kind: /** @type {const} */ ('password'), password: enc.encode('pw'), origin: 'p' }];
  const text = await vaultText('v', 'pw');
  const original = `a:\n  k: !vault |\n${text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const edited = 'a: {k: v, n: 1}\n';
  const result = await reencryptChangedInlineValues(original, edited, creds, 'k.yml', systemRandom);
  assert.equal(result.kept, ['a.k']);
  assert.is(result.text, `a: {k: !vault ${JSON.stringify(text)}, n: 1}\n`);
  assert.is(await decryptInlineValues(result.text, creds, 'k.yml'), 'a: {k: "v", n: 1}\n');
});

test('formatInlineVault prints encrypt_string\'s layout', async () => {
  const text = await vaultText('s', 'pw', 'prod');
  const block = formatInlineVault(text, 'db_password');
  assert.match(block, /^db_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n( {10}[0-9a-f]{80}\n)+ {10}[0-9a-f]{1,80}$/);
  assert.is(formatInlineVault(text).split('\n')[0], '!vault |');
});

test('vault view and decrypt --output - show inline values decrypted', async () => {
  const dir = tempDir();
  try {
    copyFileSync(join(DIR, 'inline.yml'), join(dir, 'main.yml'));
    writeSecret(join(dir, 'pw'), 'test-only-password-default\n');
    writeSecret(join(dir, 'prod.pw'), 'test-only-password-prod\n');
    const view = await runVault(['view', '--vault-id', 'pw', '--vault-id', 'prod@prod.pw', 'main.yml'], { cwd: dir });
    assert.is(view.stderr, '');
    assert.is(view.stdout, SHOWN);
    const decrypt = await runVault(['decrypt', '--vault-id', 'pw', '--vault-id', 'prod@prod.pw', '--output', '-', 'main.yml'], { cwd: dir });
    assert.is(decrypt.code, 0, decrypt.stderr);
    assert.is(decrypt.stdout, SHOWN);
    assert.is(readFileSync(join(dir, 'main.yml'), 'utf8'), INLINE);
    // The prod value does not open with this password: shown still encrypted, with a warning (exit 0).
    const partial = await runVault(['view', '--password-file', 'pw', 'main.yml'], { cwd: dir });
    assert.is(partial.code, 0);
    assert.match(partial.stderr, /^vault: warning: "main\.yml" at nested\.api_token: no password opened this ansible vault \(sealed for vault-id "prod"\); tried --password-file "pw"/);
  } finally {
    removeDir(dir);
  }
});

test('vault edit of inline values: only the changed value gets new ciphertext', async () => {
  const dir = tempDir();
  try {
    await editInlineFile(dir, 's/^db_password: s3cr3t$/db_password: changed/');
    const after = readFileSync(join(dir, 'main.yml'), 'utf8');
    assert.not.match(after, /changed/);
    // Lines 0-1 and 9-end are unchanged; db_password's block (lines 2-8) is new.
    const [a, b] = [INLINE.split('\n'), after.split('\n')];
    assert.equal(b.slice(0, 3), a.slice(0, 3));
    assert.equal(b.slice(9), a.slice(9));
    assert.not.equal(b.slice(4, 9), a.slice(4, 9));
    const view = await runVault(['view', '--vault-id', 'pw', '--vault-id', 'prod@prod.pw', 'main.yml'], { cwd: dir });
    assert.is(view.stdout, SHOWN.replace('db_password: s3cr3t', 'db_password: changed'));
  } finally {
    removeDir(dir);
  }
});

test('vault edit: a deleted inline value is reported; key files alone cannot write ansible; binary is not YAML', async () => {
  const dir = tempDir();
  try {
    const result = await editInlineFile(dir, '/api_token/d');
    assert.match(result.stderr, /^vault: warning: the encrypted value at nested\.api_token is gone from the edited file; if you renamed its key AND changed its value, that value is now plaintext: run "vault encrypt-string" for it\n/);
    assert.not.match(readFileSync(join(dir, 'main.yml'), 'utf8'), /AES256;prod/);

    let run = await runVault(['keygen', 'k.key'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    writeFileSync(join(dir, 'vars.yml'), 'a: 1\n');
    run = await runVault(['encrypt', '--format', 'ansible', '--key-file', 'k.key', 'vars.yml'], { cwd: dir });
    assert.is(run.code, 5);
    assert.match(run.stderr, /writing an ansible vault needs a password \(key files cannot\)/);
    assert.is(readFileSync(join(dir, 'vars.yml'), 'utf8'), 'a: 1\n');

    writeFileSync(join(dir, 'bin.dat'), new Uint8Array([0xff, 0x21, 0x76, 0x61, 0x75, 0x6c, 0x74, 0x20]));
    run = await runVault(['view', '--vault-id', 'pw', 'bin.dat'], { cwd: dir });
    assert.is(run.code, 3);
  } finally {
    removeDir(dir);
  }
});

test('vault view and edit keep comments on a value\'s line; a comment added to an edited value is kept (ansible reads it)', async () => {
  const dir = tempDir();
  try {
    writeSecret(join(dir, 'prod.pw'), 'test-only-prod\n');
    const block = async (/** @type {string} */ text) => (await vaultText(text, 'test-only-prod', 'prod')).trimEnd().split('\n').map((l) => `          ${l}`).join('\n');
    writeFileSync(join(dir, 'main.yml'), `db_password: !vault |  # rotated 2024\n${await block('old-pw')}\napi_key: !vault |\n${await block('key-1')}\n`);
    const ids = ['--vault-id', 'prod@prod.pw'];
    const view = await runVault(['view', ...ids, 'main.yml'], { cwd: dir });
    assert.is(view.stdout, 'db_password: old-pw  # rotated 2024\napi_key: key-1\n', view.stderr);
    writeFileSync(join(dir, 'ed.sh'), '#!/bin/sh\nsed -i -e "s/^db_password: old-pw /db_password: new-pw /" -e "s/^api_key: key-1$/api_key: key-2  # note/" "$1"\n', { mode: 0o700 });
    const edit = await runVault(['edit', ...ids, 'main.yml'], { cwd: dir, env: { VAULTFILE_EDITOR: join(dir, 'ed.sh') } });
    assert.is(edit.code, 0, edit.stderr);
    const after = readFileSync(join(dir, 'main.yml'), 'utf8');
    assert.match(after, /^db_password: !vault \|  # rotated 2024\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    assert.match(after, /\napi_key: !vault \|  # note\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n/);
    assert.not.match(after, /new-pw|key-2/);
    const again = await runVault(['view', ...ids, 'main.yml'], { cwd: dir });
    assert.is(again.stdout, 'db_password: new-pw  # rotated 2024\napi_key: key-2  # note\n', again.stderr);
    if (spawnSync('ansible', ['--version']).status === 0) {
      const debug = spawnSync('ansible', ['localhost', '-i', 'localhost,', '-c', 'local', '-e', '@main.yml', ...ids, '-m', 'debug', '-a', 'msg={{ db_password }}|{{ api_key }}'], {
        cwd: dir, encoding: 'utf8', env: cleanEnv({ HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, '.tmp'), ANSIBLE_NOCOLOR: '1' }),
      });
      assert.is(debug.status, 0, debug.stdout + debug.stderr);
      assert.match(debug.stdout, '"msg": "new-pw|key-2"');
    }
  } finally {
    removeDir(dir);
  }
});

test('vault encrypt-string: argument, --stdin-name, "-", names, and label choice', async () => {
  const dir = tempDir();
  try {
    writeSecret(join(dir, 'prod.pw'), 'test-only-prod\n');
    writeSecret(join(dir, 'dev.pw'), 'test-only-dev\n');
    const one = await runVault(['encrypt-string', '--vault-id', 'prod@prod.pw', '-n', 'db_password', 's3cr3t'], { cwd: dir });
    assert.is(one.code, 0, one.stderr);
    assert.is(one.stderr, 'vault: note: a value given as an argument is visible in the process list and shell history; prefer --stdin-name NAME\n');
    assert.match(one.stdout, /^db_password: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;prod\n( {10}[0-9a-f]{1,80}\n)+$/);
    const vault = one.stdout.split('\n').slice(1).map((l) => l.trim()).join('\n');
    const opened = await openAnsibleVault(enc.encode(vault), [{ kind: 'password', password: enc.encode('test-only-prod'), origin: 'p' }], 'out');
    assert.is(new TextDecoder().decode(opened.plaintext), 's3cr3t');

    const stdin = await runVault(['encrypt-string', '--password-file', 'prod.pw', '--stdin-name', 'multi'], { cwd: dir, input: 'a\nb\n' });
    assert.is(stdin.code, 0, stdin.stderr);
    assert.is(stdin.stderr, '');
    assert.match(stdin.stdout, /^multi: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/);
    const shown = await runVault(['view', '--password-file', 'prod.pw', '-'], { cwd: dir, input: stdin.stdout });
    assert.is(shown.stdout, 'multi: |\n          a\n          b\n', shown.stderr);

    const dash = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '-'], { cwd: dir, input: 'from stdin' });
    assert.match(dash.stdout, /^!vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;dev\n/);
    const piped = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw'], { cwd: dir, input: 'piped' });
    assert.match(piped.stdout, /^!vault \|\n/);

    const two = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--vault-id', 'prod@prod.pw', 'x'], { cwd: dir });
    assert.is(two.code, 2);
    assert.match(two.stderr, /several passwords could encrypt \(--vault-id "dev@dev\.pw", --vault-id "prod@prod\.pw"\); choose one with --encrypt-vault-id LABEL/);
    const chosen = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--vault-id', 'prod@prod.pw', '--encrypt-vault-id', 'prod', '-n', 'a', '-n', 'b', 'x', 'y'], { cwd: dir });
    assert.is(chosen.code, 0, chosen.stderr);
    assert.equal(chosen.stdout.split('\n').filter((l) => !l.startsWith(' ')), ['a: !vault |', 'b: !vault |', '']);
    assert.match(chosen.stdout, /;AES256;prod/);
    const unknown = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--encrypt-vault-id', 'qa', 'x'], { cwd: dir });
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /--encrypt-vault-id qa: no --vault-id has that label/);
    const extra = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '-n', 'a', '-n', 'b', 'x'], { cwd: dir });
    assert.is(extra.code, 2);
    assert.match(extra.stderr, /more --name options than values \(b left over\)/);
    const empty = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--stdin-name', 'e'], { cwd: dir, input: '' });
    assert.is(empty.code, 2);
    assert.match(empty.stderr, /the value to encrypt is empty/);
    const both = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--stdin-name', 'e', '-'], { cwd: dir });
    assert.is(both.code, 2);
    const prompt = await runVault(['encrypt-string', '--vault-id', 'dev@dev.pw', '--prompt'], { cwd: dir });
    assert.is(prompt.code, 2);
    assert.match(prompt.stderr, /--prompt needs a terminal/);
    writeFileSync(join(dir, 'k.key'), 'x');
  } finally {
    removeDir(dir);
  }
});

test.run();
