// vault push end to end: an encrypted .env and a YAML file with inline Ansible values pushed to SSM
// and Secrets Manager through the real SDK clients and the loopback fake; idempotence, --dry-run,
// --prune, the references it writes, and the round trip: vault exec with only those references
// resolves the same values as vault exec -f of the original file. An inline value the keys given do
// not open stops the push, naming its variable.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { removeDir, tempDir, writeSecret } from './helpers.mjs';
import { secretArn, startFakeAws } from './aws-fake-server.mjs';
import { hashChild, runAsync, runtimeEnv } from './runtime-support.mjs';
import { sealForPassword } from './core-helpers.mjs';

const dir = tempDir('vaultfile-push-');
const pw = writeSecret(join(dir, 'pw'), 'correct horse\n');
const envFile = join(dir, '.env.production');
const VALUES = { DB_PASSWORD: 'p@ss word\nline2', API_KEY: "k$y#1'\"", PORT: '5432', UNICODE: 'é ✓' };
const dotenvText = (/** @type {string} */ port) => `DB_PASSWORD="p@ss word\\nline2"\nAPI_KEY=\`k$y#1'"\`\nPORT=${port}\nUNICODE='é ✓'\n`;
// Sealed as `vault encrypt --password-file` does, at a low work factor: every vault process of
// this file opens it, and the password's cost is not what is tested here.
writeFileSync(envFile, await sealForPassword(dotenvText('5432'), 'correct horse'));

const aws = await startFakeAws({
  parameters: { '/prod/app/OLD': 'stale', '/prod/app/deeper/KEEP': 'not ours', '/other/X': 'x' },
  secrets: { 'prod/blob': 'not json' },
  denied: ['/denied/app/A'],
  throttle: { 'AmazonSSM.PutParameter': 1 },
});
const env = (/** @type {Record<string, string>} */ extra = {}) => runtimeEnv({ ...aws.env, ...extra });
const since = (/** @type {number} */ mark, /** @type {string} */ target) => aws.requests.slice(mark).filter((r) => r.target === target);
const key = ['--password-file', pw];

test('push to SSM: one SecureString per variable, KMS key, per-name report, ARNs from AWS; throttling retried', async () => {
  const mark = aws.requests.length;
  const ecs = join(dir, 'ecs-secrets.json');
  const proc = join(dir, 'proc.yml');
  const result = await runAsync(['push', envFile, ...key, '--to', 'ssm:///prod/app/', '--kms-key-id', 'alias/app', '--ecs-secrets', ecs, '--proc-wrapper', proc], { env: env() });
  assert.is(result.stderr, '');
  assert.is(result.code, 0);
  assert.is(
    result.stdout,
    'added     DB_PASSWORD\nadded     API_KEY\nadded     PORT\nadded     UNICODE\nextra     OLD (in the store, not in the file; --prune deletes it)\nssm:///prod/app/: 4 added, 1 extra\n',
  );
  for (const [name, value] of Object.entries(VALUES)) {
    assert.equal(aws.stored.get(`/prod/app/${name}`), { value, type: 'SecureString', version: 1, keyId: 'alias/app' }, name);
    assert.not.ok(result.stdout.includes(value));
  }
  assert.is(since(mark, 'AmazonSSM.PutParameter').length, 5, 'four writes, one retried after ThrottlingException');
  assert.is(since(mark, 'AmazonSSM.GetParametersByPath')[0].body.Recursive, false);
  const arn = (/** @type {string} */ name) => `arn:aws:ssm:us-east-1:123456789012:parameter/prod/app/${name}`;
  assert.equal(JSON.parse(readFileSync(ecs, 'utf8')), Object.keys(VALUES).map((name) => ({ name, valueFrom: arn(name) })));
  assert.equal(parseYaml(readFileSync(proc, 'utf8')), Object.fromEntries(Object.keys(VALUES).map((name) => [`${name}_FOR_PROC_WRAPPER_TO_RESOLVE`, arn(name)])));
});

test('push is idempotent: unchanged values are not written; a changed one is; --dry-run writes nothing; --prune deletes', async () => {
  let mark = aws.requests.length;
  const again = await runAsync(['push', envFile, ...key, '--to', 'ssm:///prod/app'], { env: env() });
  assert.match(again.stdout, /^unchanged DB_PASSWORD\n[^]*ssm:\/\/\/prod\/app: 4 unchanged, 1 extra; nothing to write\n$/);
  assert.is(since(mark, 'AmazonSSM.PutParameter').length, 0);
  const plain = join(dir, 'changed.env');
  writeFileSync(plain, dotenvText('6543'));
  mark = aws.requests.length;
  const dry = await runAsync(['push', plain, '--to', 'ssm:///prod/app/', '--prune', '--dry-run', '--ecs-secrets', join(dir, 'dry.json')], { env: env() });
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /changed   PORT\n[^]*removed   OLD\nssm:\/\/\/prod\/app\/: 1 changed, 3 unchanged, 1 removed; dry run, nothing written\n$/);
  assert.is(dry.stderr, `vault: ${join(dir, 'dry.json')} not written (dry run)\n`);
  assert.not.ok(existsSync(join(dir, 'dry.json')));
  // -q: the same report on stdout, no note about the file a dry run does not write.
  const quiet = await runAsync(['push', plain, '--to', 'ssm:///prod/app/', '--prune', '--dry-run', '-q', '--ecs-secrets', join(dir, 'dry.json')], { env: env() });
  assert.is(quiet.code, 0, quiet.stderr);
  assert.is(quiet.stdout, dry.stdout);
  assert.is(quiet.stderr, '');
  assert.not.ok(existsSync(join(dir, 'dry.json')));
  assert.equal(since(mark, 'AmazonSSM.PutParameter').length + since(mark, 'AmazonSSM.DeleteParameters').length, 0);
  const pruned = await runAsync(['push', plain, '--to', 'ssm:///prod/app/', '--prune'], { env: env() });
  assert.is(pruned.code, 0, pruned.stderr);
  assert.is(aws.stored.get('/prod/app/PORT')?.value, '6543');
  assert.is(aws.stored.get('/prod/app/PORT')?.version, 2);
  assert.not.ok(aws.stored.has('/prod/app/OLD'));
  assert.ok(aws.stored.has('/prod/app/deeper/KEEP'), 'deeper paths are not the file\'s: never pruned');
  assert.equal(since(mark, 'AmazonSSM.PutParameter').map((r) => r.body.Name), ['/prod/app/PORT']);
});

test('push reads the current parameters through every GetParametersByPath page', async () => {
  const many = join(dir, 'many.env');
  writeFileSync(many, Array.from({ length: 23 }, (_, i) => `K${i}=value-${i}`).join('\n') + '\n');
  await runAsync(['push', many, '--to', 'ssm:///many/'], { env: env() });
  const mark = aws.requests.length;
  const again = await runAsync(['push', many, '--to', 'ssm:///many/'], { env: env() });
  assert.match(again.stdout, /ssm:\/\/\/many\/: 23 unchanged; nothing to write\n$/);
  assert.is(since(mark, 'AmazonSSM.GetParametersByPath').length, 3, '23 parameters over pages of 10');
  assert.is(since(mark, 'AmazonSSM.PutParameter').length, 0);
});

test('push to Secrets Manager: one JSON secret, created then updated only when it changes; extra keys kept unless --prune', async () => {
  const ecs = join(dir, 'sm-ecs.json');
  const proc = join(dir, 'sm-proc.yml');
  let mark = aws.requests.length;
  const created = await runAsync(['push', envFile, ...key, '--to', 'secretsmanager:prod/app', '--ecs-secrets', ecs, '--proc-wrapper', proc], { env: env() });
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, /secretsmanager:prod\/app: 4 added\n$/);
  assert.equal(JSON.parse(/** @type {string} */ (aws.secrets.get('prod/app'))), VALUES);
  assert.is(since(mark, 'secretsmanager.CreateSecret').length, 1);
  const arn = secretArn('prod/app');
  assert.equal(JSON.parse(readFileSync(ecs, 'utf8')), Object.keys(VALUES).map((name) => ({ name, valueFrom: `${arn}:${name}::` })));
  assert.equal(parseYaml(readFileSync(proc, 'utf8')), Object.fromEntries(Object.keys(VALUES).map((name) => [`${name}_FOR_PROC_WRAPPER_TO_RESOLVE`, `${arn}|JP:$.${name}`])));
  aws.secrets.set('prod/app', JSON.stringify({ ...VALUES, EXTRA: 'kept' }));
  mark = aws.requests.length;
  const same = await runAsync(['push', envFile, ...key, '--to', 'secretsmanager:prod/app'], { env: env() });
  assert.match(same.stdout, /extra     EXTRA \(in the store, not in the file; --prune deletes it\)\nsecretsmanager:prod\/app: 4 unchanged, 1 extra; nothing to write\n$/);
  assert.is(since(mark, 'secretsmanager.PutSecretValue').length, 0);
  const pruned = await runAsync(['push', envFile, ...key, '--to', 'secretsmanager:prod/app', '--prune'], { env: env() });
  assert.match(pruned.stdout, /removed   EXTRA\n/);
  assert.equal(JSON.parse(/** @type {string} */ (aws.secrets.get('prod/app'))), VALUES);
});

test('round trip: vault exec with only the printed references resolves what vault exec -f resolves', async () => {
  const names = Object.keys(VALUES);
  const reference = await runAsync(['exec', ...key, '--no-resolve', '-f', envFile, ...hashChild(...names)], { env: env() });
  assert.is(reference.code, 0, reference.stderr);
  const ssmProc = parseYaml(readFileSync(join(dir, 'proc.yml'), 'utf8'));
  const smProc = parseYaml(readFileSync(join(dir, 'sm-proc.yml'), 'utf8'));
  // The SSM values changed since proc.yml was written (PORT); push the original again first.
  await runAsync(['push', envFile, ...key, '--to', 'ssm:///prod/app/'], { env: env() });
  // ECS's secrets array read back as vault references: valueFrom is an SSM ARN or ECS's ARN:KEY:: form.
  const ecsAsReferences = (/** @type {string} */ file) =>
    Object.fromEntries(JSON.parse(readFileSync(join(dir, file), 'utf8')).map((/** @type {any} */ s) => [`${s.name}_FOR_VAULT_TO_RESOLVE`, s.valueFrom]));
  const fromEcs = ecsAsReferences('ecs-secrets.json');
  const fromSmEcs = ecsAsReferences('sm-ecs.json');
  for (const refs of [ssmProc, smProc, fromEcs, fromSmEcs]) {
    const result = await runAsync(['exec', ...hashChild(...names)], { env: env(refs) });
    assert.is(result.stderr, '');
    assert.equal(JSON.parse(result.stdout), JSON.parse(reference.stdout));
  }
});

test('push reads inline Ansible values; errors are one line with the AWS error name and exit codes', async () => {
  const inline = join(dir, 'inline.yml');
  const encrypted = spawnSync('ansible-vault', ['encrypt_string', 'inline secret', '--name', 'token', '--vault-password-file', pw], { encoding: 'utf8' });
  assert.is(encrypted.status, 0, encrypted.stderr);
  writeFileSync(inline, `${encrypted.stdout}\nregion: eu-west-1\n`);
  const pushed = await runAsync(['push', inline, ...key, '--to', 'ssm:///inline/'], { env: env() });
  assert.is(pushed.code, 0, pushed.stderr);
  assert.is(aws.stored.get('/inline/TOKEN')?.value, 'inline secret');
  assert.is(aws.stored.get('/inline/REGION')?.value, 'eu-west-1');
  // A value the keys given do not open: push must set every variable, so it stops before any call.
  const prodPw = writeSecret(join(dir, 'prod.pw'), 'prod only\n');
  const prod = spawnSync('ansible-vault', ['encrypt_string', 'prod secret', '--name', 'api_key', '--vault-id', `prod@${prodPw}`], { encoding: 'utf8' });
  assert.is(prod.status, 0, prod.stderr);
  const mixed = join(dir, 'mixed.yml');
  writeFileSync(mixed, `${encrypted.stdout}\n${prod.stdout}\nregion: eu-west-1\n`);
  const mark = aws.requests.length;
  const unopened = await runAsync(['push', mixed, ...key, '--to', 'ssm:///mixed/'], { env: env() });
  assert.is(unopened.code, 4);
  assert.is(unopened.stdout, '');
  assert.is(unopened.stderr, `vault: ${JSON.stringify(mixed)}: API_KEY cannot be opened with the keys given (sealed for vault-id "prod"); nothing was pushed; add --vault-id prod@FILE\n`);
  assert.equal(aws.requests.slice(mark), [], 'no AWS call');
  const both = await runAsync(['push', mixed, '--vault-id', pw, '--vault-id', `prod@${prodPw}`, '--to', 'ssm:///mixed/'], { env: env() });
  assert.is(both.code, 0, both.stderr);
  assert.is(aws.stored.get('/mixed/API_KEY')?.value, 'prod secret');
  assert.is(aws.stored.get('/mixed/TOKEN')?.value, 'inline secret');

  const plain = join(dir, 'a.env');
  writeFileSync(plain, 'A=1\n');
  const denied = await runAsync(['push', plain, '--to', 'ssm:///denied/app/'], { env: env() });
  assert.is(denied.code, 1);
  assert.is(denied.stderr, 'vault: ssm:///denied/app/: PutParameter /denied/app/A AccessDeniedException; 0 of 1 parameters written before it; check the IAM permissions and run again\n');
  const blob = await runAsync(['push', plain, '--to', 'secretsmanager:prod/blob'], { env: env() });
  assert.is(blob.code, 1);
  assert.match(blob.stderr, /^vault: secretsmanager:prod\/blob: the secret holds something other than a JSON object; vault push does not overwrite it/);
  const empty = join(dir, 'empty.env');
  writeFileSync(empty, 'A=\n');
  const refused = await runAsync(['push', empty, '--to', 'ssm:///x/'], { env: env() });
  assert.is(refused.code, 3);
  assert.is(refused.stderr, `vault: "${empty}": A is empty, and an SSM parameter cannot be; give it a value or remove it\n`);
  for (const to of ['ssm://relative/', 's3://bucket/x', 'secretsmanager:bad name']) {
    const bad = await runAsync(['push', plain, '--to', to], { env: env() });
    assert.is(bad.code, 2, to);
    assert.match(bad.stderr, /^vault: --to "/);
  }
  const noRegion = env();
  delete noRegion.AWS_REGION;
  const region = await runAsync(['push', plain, '--to', 'ssm:///x/'], { env: noRegion });
  assert.is(region.code, 1);
  assert.match(region.stderr, /^vault: ssm:\/\/\/x\/: GetParametersByPath RegionMissing \(set AWS_REGION\); nothing was changed/);
});

test.after(async () => {
  await aws.close();
  removeDir(dir);
});
test.run();
