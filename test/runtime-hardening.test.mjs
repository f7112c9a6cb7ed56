// vault exec against a hostile or careless secrets file (docs/runtime.md, "Precedence and isolation"): the
// child never receives vault's key sources, a file cannot set loader variables, JSON integers keep
// their digits, and a secret that merely starts with ssm:// is never printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, writeSecret } from './helpers.mjs';
import { startFakeAws } from './aws-fake-server.mjs';
import { hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';

const dir = tempDir('vaultfile-hardening-');
const aws = await startFakeAws({ parameters: {}, secrets: { 'prod/big': '{"id": 12345678901234567890, "n": {"deep": 98765432109876543210}}' } });
const ran = ['--', process.execPath, '-e', 'console.log("ran")'];

test('the child never inherits VAULTFILE_PASSWORD, nor the key-source paths unless --keep-key-sources', async () => {
  const keys = { VAULTFILE_PASSWORD: 'pw-value', VAULTFILE_KEY_FILE: '/k/ci.key', VAULTFILE_PASSWORD_FILE: '/k/pw', VAULTFILE_IDENTITY: '/k/id.txt' };
  const names = [...Object.keys(keys), 'AWS_REGION', 'ANSIBLE_VAULT_PASSWORD_FILE', 'KEPT'];
  const env = runtimeEnv({ ...keys, AWS_REGION: 'eu-west-1', ANSIBLE_VAULT_PASSWORD_FILE: '/k/ansible', KEPT: 'yes' });
  const plain = await runAsync(['exec', ...hashChild(...names)], { env });
  assert.is(plain.code, 0, plain.stderr);
  assert.equal(
    JSON.parse(plain.stdout),
    hashesOf({ VAULTFILE_PASSWORD: null, VAULTFILE_KEY_FILE: null, VAULTFILE_PASSWORD_FILE: null, VAULTFILE_IDENTITY: null, AWS_REGION: 'eu-west-1', ANSIBLE_VAULT_PASSWORD_FILE: '/k/ansible', KEPT: 'yes' }),
  );
  const kept = await runAsync(['exec', '--keep-key-sources', ...hashChild(...names)], { env });
  assert.equal(
    JSON.parse(kept.stdout),
    hashesOf({ VAULTFILE_PASSWORD: null, VAULTFILE_KEY_FILE: '/k/ci.key', VAULTFILE_PASSWORD_FILE: '/k/pw', VAULTFILE_IDENTITY: '/k/id.txt', AWS_REGION: 'eu-west-1', ANSIBLE_VAULT_PASSWORD_FILE: '/k/ansible', KEPT: 'yes' }),
  );
});

test('a secrets file cannot set loader variables unless each is named with --allow-variable; nothing runs', async () => {
  for (const name of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'NODE_OPTIONS', 'BASH_ENV', 'ENV', 'PYTHONSTARTUP', 'PYTHONPATH', 'PERL5OPT']) {
    const file = join(dir, `${name}.env`);
    writeFileSync(file, `APP=1\n${name}=/tmp/evil\n`);
    const refused = await runAsync(['exec', '-f', file, ...ran]);
    assert.is(refused.code, 1, name);
    assert.is(refused.stdout, '', `${name}: nothing ran`);
    assert.is(refused.stderr, `vault: "${file}" sets ${name}, which changes how programs load; nothing was run; if that is intended, add --allow-variable ${name}\n`);
    const allowed = await runAsync(['exec', '-f', file, '--allow-variable', name, ...hashChild(name)]);
    assert.equal(JSON.parse(allowed.stdout), hashesOf({ [name]: '/tmp/evil' }), name);
  }
  // A reference in a file that targets one is refused too, before anything is fetched.
  const viaReference = join(dir, 'ref.env');
  writeFileSync(viaReference, 'NODE_OPTIONS_FOR_VAULT_TO_RESOLVE=ssm:/evil/opts\n');
  const mark = aws.requests.length;
  const refused = await runAsync(['exec', '-f', viaReference, ...ran], { env: runtimeEnv(aws.env) });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /sets NODE_OPTIONS, which changes how programs load/);
  assert.is(aws.requests.length, mark);
  // The user's own environment is theirs: an inherited NODE_OPTIONS is left alone.
  const own = await runAsync(['exec', ...hashChild('NODE_OPTIONS')], { env: runtimeEnv({ NODE_OPTIONS: '--no-warnings' }) });
  assert.equal(JSON.parse(own.stdout), hashesOf({ NODE_OPTIONS: '--no-warnings' }));
});

test('PATH from a file is refused where it would replace the inherited one (--overload), kept out otherwise', async () => {
  const file = join(dir, 'path.env');
  writeFileSync(file, 'PATH=/tmp/evil-bin\n');
  const env = runtimeEnv();
  const ignored = await runAsync(['exec', '-f', file, ...hashChild('PATH')], { env });
  assert.is(ignored.code, 0, ignored.stderr);
  assert.equal(JSON.parse(ignored.stdout), hashesOf({ PATH: env.PATH }));
  const refused = await runAsync(['exec', '--overload', '-f', file, ...ran], { env });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /sets PATH, which changes how programs load; nothing was run; if that is intended, add --allow-variable PATH\n$/);
  const allowed = await runAsync(['exec', '--overload', '--allow-variable', 'PATH', '-f', file, ...hashChild('PATH')], { env });
  assert.equal(JSON.parse(allowed.stdout), hashesOf({ PATH: '/tmp/evil-bin' }));
});

test('JSON integers keep all their digits, in files and in |JP: selections', async () => {
  const file = join(dir, 'big.json');
  writeFileSync(file, '{"id": 12345678901234567890, "nested": {"n": 12345678901234567890, "f": 1.5}}');
  const result = await runAsync(['export', '-f', file, '--format', 'json', '--no-resolve']);
  assert.equal(JSON.parse(result.stdout), { ID: '12345678901234567890', NESTED: '{"n":12345678901234567890,"f":1.5}' });
  const env = runtimeEnv({ ...aws.env, ID_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/big|JP:$.id', N_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/big|JP:$.n', D_FOR_PROC_WRAPPER_TO_RESOLVE: 'AWS_SM:prod/big|JP:$.n' });
  const selected = await runAsync(['exec', ...hashChild('ID', 'N', 'D')], { env });
  assert.is(selected.stderr, '');
  assert.equal(JSON.parse(selected.stdout), hashesOf({ ID: '12345678901234567890', N: '{"deep":98765432109876543210}', D: '{"deep": 98765432109876543210}' }));
});

test('a secret value that starts with ssm:// is never echoed, found or not', async () => {
  const file = writeSecret(join(dir, 'secret.env'), 'DB_PASSWORD=ssm://hunter2-not-a-name\nODD=ssm://\n');
  const env = runtimeEnv(aws.env);
  const failed = await runAsync(['exec', '-f', file, ...ran], { env });
  assert.is(failed.code, 3);
  assert.is(failed.stderr, 'vault: ODD: its ssm:// value is not a parameter reference; use --no-resolve to pass it through\n');
  writeFileSync(file, 'DB_PASSWORD=ssm://hunter2-not-a-name\n');
  for (const extra of [[], ['--allow-unresolved'], ['--debug']]) {
    const result = await runAsync(['exec', ...extra, '-f', file, ...ran], { env });
    assert.not.ok(result.stderr.includes('hunter2'), `${extra}: the value is not printed`);
    assert.match(result.stderr, /^vault: (warning: )?DB_PASSWORD: cannot resolve its ssm:\/\/ reference \(ParameterNotFound\)/);
  }
  const passed = await runAsync(['exec', '--no-resolve', '-f', file, ...hashChild('DB_PASSWORD')], { env });
  assert.equal(JSON.parse(passed.stdout), hashesOf({ DB_PASSWORD: 'ssm://hunter2-not-a-name' }));
});

test.after(async () => {
  await aws.close();
  removeDir(dir);
});
test.run();
