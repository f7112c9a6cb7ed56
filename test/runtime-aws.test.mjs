// References end to end: the built CLI, the real AWS SDK v3 clients, and a loopback server that
// speaks AWS JSON 1.1 (test/aws-fake-server.mjs), selected through AWS_ENDPOINT_URL_SSM and
// AWS_ENDPOINT_URL_SECRETS_MANAGER with dummy credentials. No part of the SDK is mocked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeDir, tempDir, writeSecret } from './helpers.mjs';
import { secretArn, startFakeAws } from './aws-fake-server.mjs';
import { assertExecSet, hashChild, hashesOf, runAsync, runtimeEnv } from './runtime-support.mjs';

const dir = tempDir('vaultfile-aws-');
const DB_DOC = JSON.stringify({ host: 'db.internal', port: 5432, 'user-name': 'app', replicas: ['r1', 'r2'], tls: { ca: 'test-ca-bundle' } });
/** @type {Record<string, string>} */
const parameters = {
  '/prod/db/password': 'ssm-db-password-value',
  '/prod/api/token': 'ssm-api-token-value',
  'prod.app.cookie-secret': 'cookie-secret-value',
  '/prod/json': JSON.stringify({ user: 'u1' }),
};
for (let i = 0; i < 25; i += 1) parameters[`/bulk/p${i}`] = `bulk-value-${i}`;
for (let i = 0; i < 13; i += 1) parameters[`/svc/app/${i < 3 ? `db/` : ''}key-${i}`] = `path-value-${i}`;
const secrets = {
  'prod/db': DB_DOC,
  'prod/plain': 'plain-secret-value',
  'prod/bin': { binary: new Uint8Array([0, 1, 2, 250, 255]) },
  'prod/nul': 'nul-secret\u0000tail-value',
};
const ALL_SECRET_VALUES = [...Object.values(parameters), 'plain-secret-value', 'db.internal', 'test-ca-bundle', 'nul-secret', 'tail-value'];

const aws = await startFakeAws({ parameters, secrets, denied: ['/prod/denied', 'prod/denied-secret', '/svc/denied'] });

/** A clean env pointed at the fake, plus EXTRA. */
const awsEnv = (/** @type {Record<string, string>} */ extra = {}) => runtimeEnv({ ...aws.env, ...extra });

/** Requests since MARK with TARGET. */
const since = (/** @type {number} */ mark, /** @type {string} */ target) => aws.requests.slice(mark).filter((r) => r.target === target);

/** @param {string} stderr */
function assertNoSecrets(stderr) {
  for (const value of ALL_SECRET_VALUES) assert.not.ok(stderr.includes(value), 'a secret value reached stderr');
}

test('ssm:// and ssm:NAME values and ssm:/AWS_SSM:/ARN suffix references resolve with decryption; suffix vars are removed', async () => {
  const mark = aws.requests.length;
  const env = awsEnv({
    DB_PASSWORD: 'ssm:///prod/db/password',
    COOKIE: 'ssm://prod.app.cookie-secret',
    PLAIN_SSM: 'ssm:/prod/db/password',
    API_TOKEN_FOR_VAULT_TO_RESOLVE: 'ssm:/prod/api/token',
    OTHER_FOR_PROC_WRAPPER_TO_RESOLVE: 'AWS_SSM:/prod/db/password',
    BY_ARN_FOR_VAULT_TO_RESOLVE: 'arn:aws:ssm:us-west-2:123456789012:parameter/prod/api/token',
    JSON_USER_FOR_VAULT_TO_RESOLVE: 'ssm:/prod/json|JP:$.user',
    NOT_A_REF: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kept-as-is',
  });
  const result = await runAsync(
    ['exec', ...hashChild('DB_PASSWORD', 'COOKIE', 'PLAIN_SSM', 'API_TOKEN', 'OTHER', 'BY_ARN', 'JSON_USER', 'NOT_A_REF', 'API_TOKEN_FOR_VAULT_TO_RESOLVE', 'OTHER_FOR_PROC_WRAPPER_TO_RESOLVE')],
    { env },
  );
  assertExecSet(result, {
    DB_PASSWORD: 'ssm-db-password-value',
    COOKIE: 'cookie-secret-value',
    PLAIN_SSM: 'ssm-db-password-value',
    API_TOKEN: 'ssm-api-token-value',
    OTHER: 'ssm-db-password-value',
    BY_ARN: 'ssm-api-token-value',
    JSON_USER: 'u1',
    NOT_A_REF: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kept-as-is',
    API_TOKEN_FOR_VAULT_TO_RESOLVE: null,
    OTHER_FOR_PROC_WRAPPER_TO_RESOLVE: null,
  });
  // One batch for the four distinct names of the default region; the ARN's region gets its own client.
  const calls = since(mark, 'AmazonSSM.GetParameters');
  assert.is(calls.length, 2);
  const [local, remote] = calls[0].body.Names.length === 4 ? [calls[0], calls[1]] : [calls[1], calls[0]];
  assert.equal(local.body.Names.sort(), ['/prod/api/token', '/prod/db/password', '/prod/json', 'prod.app.cookie-secret']);
  assert.is(local.body.WithDecryption, true);
  assert.match(String(local.authorization), /^AWS4-HMAC-SHA256 Credential=TESTFAKEFAKEFAKEFAKE\/\d{8}\/us-east-1\/ssm\//, 'signed by the real SDK');
  assert.equal(remote.body.Names, ['arn:aws:ssm:us-west-2:123456789012:parameter/prod/api/token']);
  assert.match(String(remote.authorization), /\/us-west-2\/ssm\/aws4_request/);
  assert.is(since(mark, 'secretsmanager.GetSecretValue').length, 0);
});

test('25 SSM references -> 3 GetParameters calls of at most 10 names', async () => {
  const mark = aws.requests.length;
  /** @type {Record<string, string>} */
  const extra = {};
  for (let i = 0; i < 25; i += 1) extra[`BULK_${i}`] = `ssm:///bulk/p${i}`;
  extra.DUPLICATE = 'ssm:///bulk/p3';
  const names = [...Object.keys(extra)];
  const result = await runAsync(['exec', ...hashChild(...names)], { env: awsEnv(extra) });
  assert.is(result.code, 0);
  /** @type {Record<string, string>} */
  const expected = {};
  for (let i = 0; i < 25; i += 1) expected[`BULK_${i}`] = `bulk-value-${i}`;
  expected.DUPLICATE = 'bulk-value-3';
  assert.equal(JSON.parse(result.stdout), hashesOf(expected));
  const calls = since(mark, 'AmazonSSM.GetParameters');
  assert.is(calls.length, 3);
  assert.equal(calls.map((c) => c.body.Names.length).sort(), [10, 10, 5]);
});

test('Secrets Manager: one fetch per secret document, JSONPath subset, ARN region, names, binary', async () => {
  const mark = aws.requests.length;
  const arn = secretArn('prod/db', 'us-west-2');
  const env = awsEnv({
    DB_HOST_FOR_VAULT_TO_RESOLVE: `${arn}|JP:$.host`,
    DB_PORT_FOR_VAULT_TO_RESOLVE: `${arn}|JP:$.port`,
    DB_USER_FOR_VAULT_TO_RESOLVE: `${arn}|JP:$['user-name']`,
    DB_REPLICA_FOR_VAULT_TO_RESOLVE: `${arn}|JP:$.replicas[1]`,
    DB_CA_FOR_PROC_WRAPPER_TO_RESOLVE: `${arn}!json|JP:$.tls.ca`,
    DB_TLS_FOR_VAULT_TO_RESOLVE: `${arn}|JP:$.tls`,
    DB_DOC_FOR_VAULT_TO_RESOLVE: arn,
    PLAIN_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/plain',
    BIN_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/bin',
  });
  const result = await runAsync(['exec', ...hashChild('DB_HOST', 'DB_PORT', 'DB_USER', 'DB_REPLICA', 'DB_CA', 'DB_TLS', 'DB_DOC', 'PLAIN', 'BIN')], { env });
  assertExecSet(result, {
    DB_HOST: 'db.internal',
    DB_PORT: '5432',
    DB_USER: 'app',
    DB_REPLICA: 'r2',
    DB_CA: 'test-ca-bundle',
    DB_TLS: '{"ca":"test-ca-bundle"}',
    DB_DOC: DB_DOC,
    PLAIN: 'plain-secret-value',
    BIN: Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
  });
  const calls = since(mark, 'secretsmanager.GetSecretValue');
  assert.equal(calls.map((c) => c.body.SecretId).sort(), [arn, 'prod/bin', 'prod/plain'].sort(), 'one fetch per document');
  // The ARN's region (us-west-2) picks the client: SigV4 scopes the signature to it.
  const arnCall = calls.find((c) => c.body.SecretId === arn);
  assert.match(String(arnCall?.authorization), /\/us-west-2\/secretsmanager\/aws4_request/);
  const nameCall = calls.find((c) => c.body.SecretId === 'prod/plain');
  assert.match(String(nameCall?.authorization), /\/us-east-1\/secretsmanager\/aws4_request/);
});

test('--allow-unresolved: failures warn with variable, location and AWS error name; the variables stay unset', async () => {
  const env = awsEnv({
    MISSING: 'ssm:///prod/missing',
    DENIED: 'ssm:///prod/denied',
    NO_SECRET_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/absent',
    DENIED_SECRET_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/denied-secret',
    NO_KEY_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/db|JP:$.nope',
    NOT_JSON_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/plain|JP:$.a',
    KEPT: 'before',
    KEPT_FOR_VAULT_TO_RESOLVE: 'ssm:/prod/missing',
    GOOD: 'ssm:///prod/db/password',
  });
  const names = ['MISSING', 'DENIED', 'NO_SECRET', 'DENIED_SECRET', 'NO_KEY', 'NOT_JSON', 'KEPT', 'GOOD'];
  const mark = aws.requests.length;
  const result = await runAsync(['exec', '--allow-unresolved', ...hashChild(...names)], { env });
  // The batch is refused as a whole (one name is not allowed), then asked name by name.
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map((c) => c.body.Names.length), [3, 1, 1, 1]);
  assert.is(result.code, 0);
  const tail = '; left unset (--allow-unresolved)';
  assert.equal(result.stderr.split('\n').sort(), [
    '',
    `vault: warning: DENIED: cannot resolve its ssm:// reference (AccessDeniedException)${tail}`,
    `vault: warning: DENIED_SECRET: cannot resolve "AWS_SM:prod/denied-secret" (AccessDeniedException)${tail}`,
    `vault: warning: KEPT: cannot resolve "ssm:/prod/missing" (ParameterNotFound)${tail}`,
    `vault: warning: MISSING: cannot resolve its ssm:// reference (ParameterNotFound)${tail}`,
    `vault: warning: NOT_JSON: cannot resolve "AWS_SM:prod/plain|JP:$.a" (ValueIsNotJson)${tail}`,
    `vault: warning: NO_KEY: cannot resolve "AWS_SM:prod/db|JP:$.nope" (JsonPathNoMatch $.nope)${tail}`,
    `vault: warning: NO_SECRET: cannot resolve "AWS_SM:prod/absent" (ResourceNotFoundException)${tail}`,
  ]);
  assertNoSecrets(result.stderr);
  assert.equal(
    JSON.parse(result.stdout),
    hashesOf({ MISSING: null, DENIED: null, NO_SECRET: null, DENIED_SECRET: null, NO_KEY: null, NOT_JSON: null, KEPT: 'before', GOOD: 'ssm-db-password-value' }),
  );
});

test('ParameterNotFound is reported per name when the batch itself succeeds', async () => {
  const env = awsEnv({ MISSING: 'ssm:///prod/missing', GOOD: 'ssm:///prod/db/password' });
  const result = await runAsync(['exec', '--allow-unresolved', ...hashChild('MISSING', 'GOOD')], { env });
  assert.is(result.code, 0);
  assert.is(result.stderr, 'vault: warning: MISSING: cannot resolve its ssm:// reference (ParameterNotFound); left unset (--allow-unresolved)\n');
  assert.equal(JSON.parse(result.stdout), hashesOf({ MISSING: null, GOOD: 'ssm-db-password-value' }));
});

test('fails closed by default (and with --strict): any unresolved reference stops the command before it runs', async () => {
  const env = awsEnv({ MISSING: 'ssm:///prod/missing', ABSENT_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/absent', GOOD: 'ssm:///prod/db/password' });
  for (const extra of [[], ['--strict']]) {
    const result = await runAsync(['exec', ...extra, '--', process.execPath, '-e', 'console.log("ran")'], { env });
    assert.is(result.code, 1);
    assert.is(result.stdout, '');
    assert.is(
      result.stderr,
      [
        'vault: MISSING: cannot resolve its ssm:// reference (ParameterNotFound)',
        'vault: ABSENT: cannot resolve "AWS_SM:prod/absent" (ResourceNotFoundException)',
        'vault: 2 references could not be resolved; nothing was run; check the names, region and IAM permissions, or add --allow-unresolved',
        '',
      ].join('\n'),
    );
  }
  const both = await runAsync(['exec', '--strict', '--allow-unresolved', '--', 'true'], { env });
  assert.is(both.code, 2);
  assert.is(both.stderr, 'vault: --strict and --allow-unresolved contradict each other; keep one\n');
  const one = await runAsync(['export'], { env: awsEnv({ MISSING: 'ssm:///prod/missing' }) });
  assert.is(one.code, 1);
  assert.match(one.stderr, /\nvault: a reference could not be resolved; nothing was run;/);
  const fine = await runAsync(['exec', '--strict', ...hashChild('GOOD')], { env: awsEnv({ GOOD: 'ssm:///prod/db/password' }) });
  assert.is(fine.code, 0);
});

test('malformed references fail with exit 3 whatever --allow-unresolved says; --no-resolve passes them through', async () => {
  const mark0 = aws.requests.length;
  const bad = await runAsync(['exec', '--allow-unresolved', '--', 'true'], { env: awsEnv({ X_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/db|JP:$[' }) });
  assert.is(bad.code, 3);
  assert.match(bad.stderr, /^vault: X_FOR_VAULT_TO_RESOLVE: cannot read the reference "AWS_SM:prod\/db\|JP:\$\[": not a JSONPath \(RFC 9535\): Expected .* but end of input found\.\n$/);
  assert.is(aws.requests.length, mark0, 'nothing fetched before the selector is known to parse');
  const unknown = await runAsync(['exec', '--', 'true'], { env: awsEnv({ Y_FOR_VAULT_TO_RESOLVE: 'prod/db' }) });
  assert.is(unknown.code, 3);
  assert.match(unknown.stderr, /Y_FOR_VAULT_TO_RESOLVE: cannot read the reference "prod\/db": use ssm:NAME, ssm:\/\/NAME, AWS_SM:NAME, an ARN, ENV:NAME, PLAIN:TEXT or file:\/\/PATH\n$/);
  const mark = aws.requests.length;
  const raw = await runAsync(['exec', '--no-resolve', ...hashChild('A', 'B_FOR_VAULT_TO_RESOLVE')], {
    env: awsEnv({ A: 'ssm:///prod/db/password', B_FOR_VAULT_TO_RESOLVE: 'prod/db' }),
  });
  assert.is(raw.code, 0);
  assert.equal(JSON.parse(raw.stdout), hashesOf({ A: 'ssm:///prod/db/password', B_FOR_VAULT_TO_RESOLVE: 'prod/db' }));
  assert.is(aws.requests.length, mark, 'no request with --no-resolve');
});

test('references inside -f files resolve too; --pristine ignores references in the inherited environment', async () => {
  const vars = join(dir, 'prod.yml');
  writeFileSync(vars, `db_password: ssm:///prod/db/password\ndb_host_for_vault_to_resolve: "AWS_SM:prod/db|JP:$.host"\nregion: eu\n`);
  const env = awsEnv({ INHERITED: 'ssm:///prod/api/token' });
  const mark = aws.requests.length;
  const result = await runAsync(['exec', '--pristine', '-f', vars, ...hashChild('DB_PASSWORD', 'DB_HOST', 'REGION', 'INHERITED')], { env });
  assert.is(result.stderr, '');
  assert.equal(JSON.parse(result.stdout), hashesOf({ DB_PASSWORD: 'ssm-db-password-value', DB_HOST: 'db.internal', REGION: 'eu', INHERITED: null }));
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map((c) => c.body.Names), [['/prod/db/password']]);
  const exported = await runAsync(['export', '-f', vars, '--format', 'json'], { env });
  assert.equal(JSON.parse(exported.stdout), {
    DB_PASSWORD: 'ssm-db-password-value',
    REGION: 'eu',
    INHERITED: 'ssm-api-token-value',
    DB_HOST: 'db.internal',
  });
});

test('precedence: a file\'s _TO_RESOLVE variable does not replace the environment\'s NAME unless --overload', async () => {
  const refs = join(dir, 'refs.env');
  writeFileSync(refs, 'DB_HOST_FOR_VAULT_TO_RESOLVE="AWS_SM:prod/db|JP:$.host"\nPLAIN=ssm:/prod/api/token\n');
  const env = awsEnv({ DB_HOST: 'env-host', PLAIN: 'env-plain' });
  const kept = await runAsync(['exec', '-f', refs, ...hashChild('DB_HOST', 'PLAIN', 'DB_HOST_FOR_VAULT_TO_RESOLVE')], { env });
  assert.is(kept.stderr, '');
  assert.equal(JSON.parse(kept.stdout), hashesOf({ DB_HOST: 'env-host', PLAIN: 'env-plain', DB_HOST_FOR_VAULT_TO_RESOLVE: null }));
  const over = await runAsync(['exec', '--overload', '-f', refs, ...hashChild('DB_HOST', 'PLAIN')], { env });
  assert.equal(JSON.parse(over.stdout), hashesOf({ DB_HOST: 'db.internal', PLAIN: 'ssm-api-token-value' }));
  // Set in the environment itself, the suffix variable is an explicit request: it applies.
  const own = await runAsync(['exec', ...hashChild('DB_HOST')], { env: { ...env, DB_HOST_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/db|JP:$.host' } });
  assert.equal(JSON.parse(own.stdout), hashesOf({ DB_HOST: 'db.internal' }));
});

test('a secret holding a NUL byte: the variable is named, the value never printed, even with --debug', async () => {
  const env = awsEnv({ TOKEN_FOR_VAULT_TO_RESOLVE: 'AWS_SM:prod/nul' });
  for (const extra of [[], ['--debug']]) {
    const result = await runAsync(['exec', ...extra, '--strict', '--', 'true'], { env });
    assert.is(result.code, 1);
    assert.match(result.stderr, /^vault: TOKEN: cannot resolve "AWS_SM:prod\/nul" \(ValueHoldsNulByte\)\n/);
    assertNoSecrets(result.stderr);
  }
  const exported = await runAsync(['export', '--allow-unresolved', '--format', 'shell'], { env });
  assert.is(exported.stdout, '');
  assert.match(exported.stderr, /TOKEN: cannot resolve .*ValueHoldsNulByte.*left unset/);
  assertNoSecrets(exported.stderr);
});

test('an unreachable endpoint is a network error with its system code', async () => {
  const env = awsEnv({ DB_PASSWORD: 'ssm:/prod/db/password', AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9' });
  const result = await runAsync(['exec', '--strict', '--', 'true'], { env });
  assert.is(result.code, 1);
  assert.match(result.stderr, /^vault: DB_PASSWORD: cannot resolve its ssm:\/\/ reference \(NetworkError ECONNREFUSED \(check the endpoint and the network\)\)\n/);
});

test('--ssm-path reads a hierarchy through paged GetParametersByPath; files override it', async () => {
  const mark = aws.requests.length;
  const override = join(dir, 'override.env');
  writeFileSync(override, 'KEY_12=from-file\n');
  const result = await runAsync(['export', '--ssm-path', '/svc/app', '-f', override, '--format', 'json'], { env: awsEnv() });
  assert.is(result.stderr, '');
  assert.is(result.code, 0);
  /** @type {Record<string, string>} */
  const expected = {};
  for (let i = 0; i < 13; i += 1) expected[i < 3 ? `DB_KEY_${i}` : `KEY_${i}`] = `path-value-${i}`;
  expected.KEY_12 = 'from-file';
  assert.equal(JSON.parse(result.stdout), expected);
  const calls = since(mark, 'AmazonSSM.GetParametersByPath');
  assert.is(calls.length, 2, '13 parameters over pages of 10');
  assert.is(calls[0].body.Recursive, true);
  assert.is(calls[0].body.WithDecryption, true);
  const denied = await runAsync(['export', '--ssm-path', '/svc/denied'], { env: awsEnv() });
  assert.is(denied.code, 1);
  assert.is(denied.stderr, 'vault: --ssm-path "/svc/denied": cannot read the parameters (AccessDeniedException); check the path, region and IAM permissions\n');
});

test('no region configured: the error says so and names the variable', async () => {
  const env = awsEnv({ DB_PASSWORD: 'ssm:///prod/db/password' });
  delete env.AWS_REGION;
  const result = await runAsync(['exec', '--strict', '--', 'true'], { env });
  assert.is(result.code, 1);
  assert.match(result.stderr, /^vault: DB_PASSWORD: cannot resolve its ssm:\/\/ reference \(RegionMissing \(set AWS_REGION\)\)\n/);
});

test('AWS_DEFAULT_REGION is honoured as the AWS CLI does: after AWS_REGION, before the profile', async () => {
  const config = join(dir, 'aws-config-region');
  writeFileSync(config, '[default]\nregion = ap-south-1\n');
  const env = awsEnv({ DB_PASSWORD: 'ssm:///prod/db/password', AWS_DEFAULT_REGION: 'eu-west-3', AWS_CONFIG_FILE: config });
  delete env.AWS_REGION;
  const regionOf = (/** @type {any} */ request) => /\/\d{8}\/([a-z0-9-]+)\/ssm\//.exec(String(request.authorization))?.[1];
  let mark = aws.requests.length;
  const viaDefault = await runAsync(['exec', ...hashChild('DB_PASSWORD')], { env });
  assert.is(viaDefault.code, 0, viaDefault.stderr);
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map(regionOf), ['eu-west-3']);
  mark = aws.requests.length;
  await runAsync(['exec', ...hashChild('DB_PASSWORD')], { env: { ...env, AWS_REGION: 'us-east-2' } });
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map(regionOf), ['us-east-2'], 'AWS_REGION wins');
  mark = aws.requests.length;
  const { AWS_DEFAULT_REGION: _unused, ...profileOnly } = env;
  await runAsync(['exec', ...hashChild('DB_PASSWORD')], { env: profileOnly });
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map(regionOf), ['ap-south-1'], 'then the profile');
});

test('PROC_WRAPPER_SECRETS_AWS_REGION picks the region of proc_wrapper-style references, as proc_wrapper does', async () => {
  const regionOf = (/** @type {any} */ request) => /\/\d{8}\/([a-z0-9-]+)\/ssm\//.exec(String(request.authorization))?.[1];
  const env = awsEnv({ PROC_WRAPPER_SECRETS_AWS_REGION: 'ca-central-1', P_FOR_PROC_WRAPPER_TO_RESOLVE: 'ssm:/prod/api/token', V_FOR_VAULT_TO_RESOLVE: 'ssm:/prod/db/password' });
  const mark = aws.requests.length;
  const result = await runAsync(['exec', ...hashChild('P', 'V')], { env });
  assert.is(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout), hashesOf({ P: 'ssm-api-token-value', V: 'ssm-db-password-value' }));
  assert.equal(since(mark, 'AmazonSSM.GetParameters').map(regionOf).sort(), ['ca-central-1', 'us-east-1'], 'vault\'s own suffix keeps AWS_REGION');
});

test('region and credentials come from an AWS profile (AWS_PROFILE, config and credentials files)', async () => {
  const config = join(dir, 'aws-config');
  writeFileSync(config, '[profile staging]\nregion = eu-central-1\n');
  const credentials = writeSecret(join(dir, 'aws-credentials'), '[staging]\naws_access_key_id = TESTPROFILEPROFILE00\naws_secret_access_key = profile-secret\n');
  const env = awsEnv({ AWS_PROFILE: 'staging', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, DB_PASSWORD: 'ssm:///prod/db/password' });
  delete env.AWS_REGION;
  delete env.AWS_ACCESS_KEY_ID;
  delete env.AWS_SECRET_ACCESS_KEY;
  const mark = aws.requests.length;
  const result = await runAsync(['exec', '--strict', ...hashChild('DB_PASSWORD')], { env });
  assert.is(result.stderr, '');
  assert.equal(JSON.parse(result.stdout), hashesOf({ DB_PASSWORD: 'ssm-db-password-value' }));
  const [call] = since(mark, 'AmazonSSM.GetParameters');
  assert.match(String(call?.authorization), /Credential=TESTPROFILEPROFILE00\/\d{8}\/eu-central-1\/ssm\/aws4_request/);
});

test('the fake answers the real SDK as AWS does (GetParameter, error names)', async () => {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const options = { region: 'us-east-1', endpoint: aws.url, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const ssm = new SSMClient(options);
  const found = await ssm.send(new GetParameterCommand({ Name: '/prod/db/password', WithDecryption: true }));
  assert.is(found.Parameter?.Value, 'ssm-db-password-value');
  /** @param {Promise<unknown>} pending */
  const errorName = (pending) => pending.then(() => 'no error', (/** @type {Error} */ error) => error.name);
  assert.is(await errorName(ssm.send(new GetParameterCommand({ Name: '/nope' }))), 'ParameterNotFound');
  assert.is(await errorName(ssm.send(new GetParameterCommand({ Name: '/prod/denied' }))), 'AccessDeniedException');
  const sm = new SecretsManagerClient(options);
  assert.is(await errorName(sm.send(new GetSecretValueCommand({ SecretId: 'nope' }))), 'ResourceNotFoundException');
  const partial = await sm.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/plain' }));
  assert.is(partial.SecretString, 'plain-secret-value', 'a partial ARN (no random suffix) finds the secret');
  ssm.destroy();
  sm.destroy();
});

test('the AWS SDK is loaded only when a reference is present', async () => {
  const log = join(dir, 'loaded.log');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const seen = new Set();
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) appendFileSync(process.env.SDK_LOAD_LOG, specifier + '\\n');
  const result = await next(specifier, context);
  // In the bundle the SDK has no specifier of its own: a chunk's module comments name its packages.
  if (result.url.startsWith('file:') && result.url.includes('/bundle/chunks/') && !seen.has(result.url)) {
    seen.add(result.url);
    const text = readFileSync(fileURLToPath(result.url), 'utf8');
    const names = new Set([...text.matchAll(/^\\/\\/ node_modules\\/(@aws-sdk\\/client-[\\w-]+)\\//gm)].map((match) => match[1]));
    for (const name of names) appendFileSync(process.env.SDK_LOAD_LOG, name + '\\n');
  }
  return result;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const nodeArgs = ['--import', register];
  // Loader hooks and NODE_V8_COVERAGE together keep Node 20 from exiting; these two runs need no coverage.
  const hooked = (/** @type {Record<string, string>} */ extra) => {
    const env = awsEnv({ SDK_LOAD_LOG: log, ...extra });
    delete env.NODE_V8_COVERAGE;
    return env;
  };
  const plainFile = join(dir, 'plain.env');
  writeFileSync(plainFile, 'A=1\n');
  const plain = await runAsync(['exec', '-f', plainFile, ...hashChild('A')], { env: hooked({}), nodeArgs });
  assert.is(plain.code, 0);
  assert.not.ok(existsSync(log), 'no @aws-sdk module resolved without references');
  const withRef = await runAsync(['exec', ...hashChild('A')], { env: hooked({ A: 'ssm:///prod/db/password' }), nodeArgs });
  assert.is(withRef.code, 0);
  const loaded = readFileSync(log, 'utf8');
  assert.match(loaded, /^@aws-sdk\/client-ssm$/m);
  assert.not.match(loaded, /client-secrets-manager/, 'only the client that is needed');
  writeFileSync(log, '');
  const s3 = await runAsync(['exec', '--allow-unresolved', ...hashChild('B')], { env: hooked({ B_FOR_VAULT_TO_RESOLVE: 'arn:aws:s3:::bucket/key' }), nodeArgs });
  assert.is(s3.code, 0);
  assert.equal(readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith('@aws-sdk/client-')), ['@aws-sdk/client-s3']);
});

test.after(async () => {
  await aws.close();
  removeDir(dir);
});
test.run();
