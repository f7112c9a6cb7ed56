// KMS keyring entries through the real @aws-sdk/client-kms against the loopback server of the
// suite (KMS JSON 1.1, STS query protocol, the ECS container credentials endpoint): adding needs
// only kms:Encrypt; opening uses the SDK's default chain (environment, profile, web identity as
// in GitHub Actions, the ECS task role); the KMS errors and a wrong encryption context fail with
// a clear message; rotate re-wraps the entry; a key file or password loads no AWS module.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, runVaultBinary, tempDir, writeSecret } from './helpers.mjs';
import { aliasArn, keyArn, startFakeKms } from './aws-fake-kms.mjs';
import { KEYRING, emptyHome, entriesOf, passwordRepo, runVaultAsync, sdkTracer } from './identities-support.mjs';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const fake = await startFakeKms({
  keys: [{ id: 'k1', aliases: ['vaultfile-prod'] }, { id: 'k2' }],
  allow: {
    AKIDADMIN: ['Encrypt', 'Decrypt'], AKIDENCRYPTONLY: ['Encrypt'], AKIDCI: ['Decrypt'],
    AKIDWEB: ['Decrypt'], AKIDTASK: ['Decrypt'], AKIDNOBODY: [],
  },
  webIdentity: { token: 'gha-oidc-token', roleArn: ROLE, accessKeyId: 'AKIDWEB' },
  container: { token: 'task-auth-token', accessKeyId: 'AKIDTASK' },
});
const { env: home } = emptyHome();
const base = { ...home, ...fake.env };
const as = (/** @type {string} */ id) => ({ ...base, AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: 'fake-secret' });
const { repo, password } = passwordRepo(home);
mkdirSync(join(repo, 'deploy', 'files'), { recursive: true });
writeFileSync(join(repo, 'deploy', 'files', '.env.production'), 'DATABASE_URL=postgres://app:s3cret@db/app\n');
const sealed = runVaultBinary(['encrypt', 'deploy/files/.env.production', '--password-file', password], { cwd: repo, env: home });
assert.is(sealed.code, 0, sealed.stderr);
git(repo, ['add', '-A']);
git(repo, ['commit', '-qm', 'env file']);
const ARN = aliasArn('vaultfile-prod');
const view = (/** @type {Record<string, string | undefined>} */ env, /** @type {string[]} */ args = []) =>
  runVaultAsync(['view', 'deploy/vars/prod.yml', ...args], { cwd: repo, env });

test('keys add --kms needs only kms:Encrypt on the key, and lists the key ARN', async () => {
  const add = await runVaultAsync(['keys', 'add', '--password-file', password, '--kms', ARN, '--label', 'ci'], { cwd: repo, env: as('AKIDENCRYPTONLY') });
  assert.is(add.code, 0, add.stderr);
  assert.is(add.stderr, `added kms entry "ci" (from --kms ${ARN})\n`, 'the SDK prints nothing');
  assert.is(fake.count('TrentService.Encrypt'), 1);
  assert.is(fake.count('TrentService.Decrypt'), 0);
  const encrypt = fake.requests.find((r) => r.target === 'TrentService.Encrypt');
  assert.equal(encrypt?.body.EncryptionContext, { 'vaultfile:keyring': 'default' });
  assert.is(encrypt?.body.KeyId, ARN);
  const list = runVaultBinary(['keys', 'list', '--json'], { cwd: repo, env: home });
  const entry = JSON.parse(list.stdout).entries.find((/** @type {{ type: string }} */ e) => e.type === 'kms');
  assert.is(entry.recipient, ARN);
  git(repo, ['commit', '-qam', 'kms entry']);
});

test('credentials from the environment open the KMS entry; --no-kms skips it', async () => {
  const r = await view(as('AKIDCI'));
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'db_password: hunter2\n');
  assert.is(r.stderr, '');
  const decrypt = fake.requests.filter((q) => q.target === 'TrentService.Decrypt').at(-1);
  assert.is(decrypt?.accessKeyId, 'AKIDCI');
  assert.equal(decrypt?.body.EncryptionContext, { 'vaultfile:keyring': 'default' });
  const before = fake.requests.length;
  const skipped = await view(as('AKIDCI'), ['--no-kms']);
  assert.is(skipped.code, 5);
  assert.match(skipped.stderr, /no key given/);
  assert.is(fake.requests.length, before, 'no request with --no-kms');
});

test('credentials from a profile open the KMS entry', async () => {
  const dir = tempDir();
  const credentials = writeSecret(join(dir, 'credentials'), '[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = fake-secret\n');
  const r = await view({ ...base, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'ci' });
  assert.is(r.code, 0, r.stderr);
  assert.is(fake.requests.filter((q) => q.target === 'TrentService.Decrypt').at(-1)?.accessKeyId, 'AKIDCI');
});

test('recipe: a GitHub Actions job unlocks through OIDC, the role and KMS with no repository secret', async () => {
  // The job's steps: the OIDC token written to a file, the role to assume, then `vault unlock`.
  const dir = tempDir();
  const tokenFile = join(dir, 'oidc-token');
  writeFileSync(tokenFile, 'gha-oidc-token');
  const job = { ...base, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_SESSION_NAME: 'github-actions', AWS_REGION: 'eu-west-1' };
  const sts = fake.count('sts.AssumeRoleWithWebIdentity');
  const unlock = await runVaultAsync(['unlock'], { cwd: repo, env: job });
  assert.is(unlock.code, 0, unlock.stderr);
  assert.match(unlock.stdout, /unlocked keyring "default"/);
  assert.is(fake.count('sts.AssumeRoleWithWebIdentity'), sts + 1);
  const assumed = fake.requests.filter((q) => q.target === 'sts.AssumeRoleWithWebIdentity').at(-1);
  assert.is(assumed?.body.RoleArn, ROLE);
  assert.is(fake.requests.filter((q) => q.target === 'TrentService.Decrypt').at(-1)?.accessKeyId, 'AKIDWEB');
  // Unlocked: the data key is in .git/, later steps (and the git filters) need no network.
  const requests = fake.requests.length;
  const later = await view({ ...home, AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:9' });
  assert.is(later.code, 0, later.stderr);
  assert.is(fake.requests.length, requests);
  assert.is(runVaultBinary(['lock'], { cwd: repo, env: home }).code, 0);
  const badToken = writeSecret(join(dir, 'forged'), 'forged');
  const refused = await view({ ...job, AWS_WEB_IDENTITY_TOKEN_FILE: badToken });
  assert.is(refused.code, 5);
  assert.match(refused.stderr, /kms entry "ci": [^ ]+: AWS STS refused the web identity token \(InvalidIdentityTokenException\); check AWS_ROLE_ARN/);
});

test('recipe: an ECS task entrypoint `vault exec -f` opens through the task role', async () => {
  const task = {
    ...base,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/container-credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'task-auth-token',
  };
  const r = await runVaultAsync(
    ['exec', '-f', 'deploy/files/.env.production', '--', process.execPath, '-e', 'process.stdout.write(process.env.DATABASE_URL)'],
    { cwd: repo, env: task },
  );
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'postgres://app:s3cret@db/app');
  assert.ok(fake.count('container-credentials') >= 1);
  assert.is(fake.requests.filter((q) => q.target === 'TrentService.Decrypt').at(-1)?.accessKeyId, 'AKIDTASK');
});

test('KMS errors fail with the AWS error name and the next action; a wrong context fails', async () => {
  const denied = await view(as('AKIDNOBODY'));
  assert.is(denied.code, 4);
  assert.match(denied.stderr, /kms entry "ci": arn:aws:kms:eu-west-1:111122223333:alias\/vaultfile-prod: AccessDeniedException; grant kms:Decrypt on this key to the role in use/);
  assert.is(denied.stderr.split('\n').length, 2);

  fake.setState('k1', 'PendingDeletion');
  const pending = await view(as('AKIDCI'));
  assert.is(pending.code, 4);
  assert.match(pending.stderr, /KMSInvalidStateException \(the key is disabled or pending deletion\)/);
  fake.setState('k1', 'Enabled');

  // The same entry in a keyring of another name: the encryption context no longer matches.
  const text = readFileSync(join(repo, KEYRING), 'utf8');
  const other = join(repo, '.vaultfile', 'keyrings', 'staging.keyring');
  writeFileSync(other, text.replace('name: default', 'name: staging'));
  const context = await runVaultAsync(['keys', 'remove', 'password', '--keyring', 'staging'], { cwd: repo, env: as('AKIDCI') });
  assert.is(context.code, 4);
  assert.match(context.stderr, /InvalidCiphertextException \(the entry is damaged or belongs to another keyring\)/);
  // The entry pointed at another key: KMS refuses it.
  writeFileSync(other, text.replace('name: default', 'name: staging').replace(ARN, keyArn('k2')).replace('name: staging', 'name: default'));
  writeFileSync(join(repo, KEYRING), readFileSync(other, 'utf8'));
  const incorrect = await view(as('AKIDCI'));
  assert.is(incorrect.code, 4);
  assert.match(incorrect.stderr, /IncorrectKeyException \(the entry was made under another KMS key\)/);
  writeFileSync(join(repo, KEYRING), text);
  rmSync(other);

  const before = readFileSync(join(repo, KEYRING), 'utf8');
  const missing = await runVaultAsync(['keys', 'add', '--password-file', password, '--kms', keyArn('nope')], { cwd: repo, env: as('AKIDADMIN') });
  assert.is(missing.code, 4);
  assert.match(missing.stderr, /NotFoundException; check the key ARN and region/);
  assert.is(readFileSync(join(repo, KEYRING), 'utf8'), before, 'nothing changed');
});

test('rotate re-wraps the KMS entry by itself (kms:Encrypt), and it opens afterwards', async () => {
  const blob = entriesOf(repo).find((e) => e.type === 'kms')?.fields.blob;
  const rotate = await runVaultAsync(['rotate', '--password-file', password], { cwd: repo, env: as('AKIDADMIN') });
  assert.is(rotate.code, 0, rotate.stderr);
  const after = entriesOf(repo).find((e) => e.type === 'kms');
  assert.ok(after && after.fields.blob !== blob, 'a new blob for the new data key');
  git(repo, ['commit', '-qam', 'rotate']);
  const r = await view(as('AKIDCI'));
  assert.is(r.code, 0, r.stderr);
});

test('a password or key file opens without loading any AWS module; KMS loads only client-kms', async () => {
  const dir = tempDir();
  const log = join(dir, 'loaded.log');
  const nodeArgs = sdkTracer(dir, log);
  // Loader hooks and NODE_V8_COVERAGE together keep Node 20 from exiting; these runs need no coverage.
  const env = { ...as('AKIDCI'), NODE_V8_COVERAGE: undefined };
  const plain = await runVaultAsync(['view', 'deploy/vars/prod.yml', '--password-file', password], { cwd: repo, env, nodeArgs });
  assert.is(plain.code, 0, plain.stderr);
  assert.not.ok(existsSync(log), 'no @aws-sdk module resolved');
  const kms = await runVaultAsync(['view', 'deploy/vars/prod.yml'], { cwd: repo, env, nodeArgs });
  assert.is(kms.code, 0, kms.stderr);
  const loaded = readFileSync(log, 'utf8');
  assert.match(loaded, /^@aws-sdk\/client-kms$/m);
  assert.not.match(loaded, /client-ssm|client-secrets-manager/);
});

test('keys remove warns when every remaining entry depends on AWS KMS', async () => {
  const remove = await runVaultAsync(['keys', 'remove', 'password'], { cwd: repo, env: as('AKIDCI') });
  assert.is(remove.code, 0, remove.stderr);
  assert.match(remove.stderr, /vault: warning: every entry of keyring "default" depends on AWS KMS \(account 111122223333\); no entry works offline/);
  const list = runVaultBinary(['keys', 'list'], { cwd: repo, env: home });
  assert.match(list.stderr, /no entry works offline/);
});

test.after(async () => {
  await fake.close();
});

test.run();
