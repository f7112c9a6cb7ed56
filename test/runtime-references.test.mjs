// |JP: selectors (RFC 9535), value encodings, the location grammar, and where references are found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonPathSyntaxError, parseJsonPath, selectJsonPath } from '../dist/runtime/jsonpath.js';
import { encodeValue, parseJsonExact, pythonJsonDumps } from '../dist/runtime/json-value.js';
import { findReferences, guessFormat, parseReference, referenceOf, resolveTargetOf } from '../dist/runtime/references.js';
import { awsErrorName } from '../dist/runtime/aws.js';
import { exitStatusOf, isTerminalForeground } from '../dist/runtime/spawn.js';
import { parameterEnvName } from '../dist/runtime/environment.js';
import { FormatError } from '../dist/errors.js';

const doc = {
  a: { b: 'ab', 'c-d': 1, list: [10, { x: 'deep' }, null] },
  'odd key': { "it's": true },
  arr: ['first', 'second', 'last'],
  $dollar: 'dollar',
};

/** @param {string} path */
const select = (path, encoding = 'vault') => selectJsonPath(doc, parseJsonPath(path, /** @type {any} */ (encoding)));

test('jsonpath (RFC 9535): names, quotes, indexes, wildcards, descendants, filters, slices', () => {
  assert.equal(select('$'), doc);
  assert.is(select('$.a.b'), 'ab');
  assert.is(select("$['a']['b']"), 'ab');
  assert.is(select('$["a"].b'), 'ab');
  assert.is(select('$.a.c-d'), 1, 'a dotted name with "-" as jsonpath-ng reads it');
  assert.is(select("$['odd key']['it\\'s']"), true);
  assert.is(select('$.a.list[1].x'), 'deep');
  assert.is(select('$.arr[-1]'), 'last');
  assert.is(select("$['$dollar']"), 'dollar');
  assert.is(select('$.a.list[2]'), null);
  assert.equal(select('$.arr[*]'), ['first', 'second', 'last']);
  assert.equal(select('$.arr[0:2]'), ['first', 'second']);
  assert.equal(select('$..x'), 'deep');
  assert.equal(select('$.a.list[?@.x]'), { x: 'deep' });
});

test('jsonpath: proc_wrapper keeps a list with a trailing [*]; vault reads [*] as RFC 9535 does', () => {
  assert.equal(select('$.a.list[1].x[*]', 'proc_wrapper'), ['deep']);
  assert.equal(select('$.arr[*]', 'proc_wrapper'), [['first', 'second', 'last']], 'the list itself, kept as a one-element list');
  assert.equal(select('$.arr[*]', 'vault'), ['first', 'second', 'last']);
  assert.equal(select('$[*]', 'proc_wrapper'), [doc]);
});

test('jsonpath: no match is undefined, never an exception', () => {
  for (const path of ['$.missing', '$.a.b.c', '$.arr[3]', '$.arr[-4]', '$.a[0]', '$.arr.x', "$['a'].list.x", '$.a.list[2].x']) {
    assert.is(select(path), undefined, path);
  }
  assert.is(selectJsonPath('text', parseJsonPath('$.a', 'vault')), undefined);
  assert.is(selectJsonPath({ constructor: 1 }, parseJsonPath('$.toString', 'vault')), undefined, 'own properties only');
});

test('jsonpath: malformed syntax is refused at parse time', () => {
  for (const path of ['a.b', '$.', '$[', "$['a'", '$a', '$[?@.a ==]']) {
    assert.throws(() => parseJsonPath(path, 'vault'), (/** @type {Error} */ e) => e instanceof JsonPathSyntaxError && /^not a JSONPath \(RFC 9535\): /.test(e.message), path);
  }
});

test('json values: integers keep every digit; the two encodings', () => {
  const parsed = parseJsonExact('{"big": 12345678901234567890, "small": 42, "f": 1.5, "tiny": 0.00001, "neg": -98765432109876543210}');
  assert.equal(parsed, { big: 12345678901234567890n, small: 42, f: 1.5, tiny: 0.00001, neg: -98765432109876543210n });
  const value = { s: 'é ✓ "q" \\ \n\u0001\u007f😀', n: [1, 2.5, true, null], big: 12345678901234567890n };
  assert.is(encodeValue(value, 'vault'), '{"s":"é ✓ \\"q\\" \\\\ \\n\\u0001\u007f😀","n":[1,2.5,true,null],"big":12345678901234567890}');
  assert.is(
    encodeValue(value, 'proc_wrapper'),
    '{"s": "\\u00e9 \\u2713 \\"q\\" \\\\ \\n\\u0001\\u007f\\ud83d\\ude00", "n": [1, 2.5, true, null], "big": 12345678901234567890}',
  );
  for (const [input, vault, proc] of [
    [true, 'true', 'TRUE'],
    [false, 'false', 'FALSE'],
    [null, '', ''],
    ['text', 'text', 'text'],
    [5432, '5432', '5432'],
    [12345678901234567890n, '12345678901234567890', '12345678901234567890'],
    [0.5, '0.5', '0.5'],
    [0.00001, '0.00001', '1e-05'],
    [1.5e-7, '1.5e-7', '1.5e-07'],
    [1e16, '10000000000000000', '1e+16'],
  ]) {
    assert.is(encodeValue(input, 'vault'), vault, String(input));
    assert.is(encodeValue(input, 'proc_wrapper'), proc, String(input));
  }
  assert.is(pythonJsonDumps({}), '{}');
  assert.is(pythonJsonDumps([]), '[]');
  assert.throws(() => parseJsonExact('{"a": 1'), SyntaxError);
});

test('references: SSM forms', () => {
  const ssm = (/** @type {string} */ text) => parseReference(text, 'V').store;
  assert.equal(ssm('ssm:///prod/db/password'), { kind: 'ssm', name: '/prod/db/password' });
  assert.equal(ssm('ssm://prod.app.cookie'), { kind: 'ssm', name: 'prod.app.cookie' });
  assert.equal(ssm('ssm:/prod/x:3'), { kind: 'ssm', name: '/prod/x:3' });
  assert.equal(ssm(' AWS_SSM:/prod/x '), { kind: 'ssm', name: '/prod/x' });
  assert.equal(ssm('arn:aws:ssm:eu-west-1:123456789012:parameter/prod/x'), {
    kind: 'ssm',
    name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/x',
    region: 'eu-west-1',
  });
  assert.equal(ssm('ssm:arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/p'), {
    kind: 'ssm',
    name: 'arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/p',
    region: 'us-gov-west-1',
  });
  const withPath = parseReference('ssm:/prod/json|JP:$.user', 'V');
  assert.is(withPath.store.kind, 'ssm');
  assert.is(withPath.transform?.kind === 'jsonpath' && withPath.transform.path.text, '$.user');
});

test('references: Secrets Manager, S3, AppConfig, ENV, PLAIN, files; formats and transforms', () => {
  const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-AbCdEf';
  assert.equal(parseReference(arn, 'V'), { store: { kind: 'secretsmanager', secretId: arn, region: 'us-west-2' }, encoding: 'vault' });
  const selected = parseReference(`${arn}!json |JP: $['host']`, 'V');
  assert.equal(selected.store, { kind: 'secretsmanager', secretId: arn, region: 'us-west-2' });
  assert.is(selected.format, 'json');
  assert.equal(parseReference('AWS_SM:prod/db', 'V').store, { kind: 'secretsmanager', secretId: 'prod/db' });
  assert.equal(parseReference(`AWS_SM:${arn}`, 'V').store, { kind: 'secretsmanager', secretId: arn, region: 'us-west-2' });
  assert.is(parseReference('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x', 'V', 'proc_wrapper', 'AWS_SM').store.kind, 'secretsmanager');
  assert.equal(parseReference('arn:aws:s3:::bucket/dir/app.env#v2', 'V').store, { kind: 's3', bucket: 'bucket', key: 'dir/app.env', version: 'v2' });
  assert.equal(parseReference('aws:appconfig:app/prod/profile', 'V').store, { kind: 'appconfig', application: 'app', environment: 'prod', profile: 'profile' });
  assert.equal(parseReference('ENV:OTHER|JP:$.a', 'V').store, { kind: 'env', name: 'OTHER' });
  assert.equal(parseReference('PLAIN:{"a":1}|SELF', 'V'), { store: { kind: 'plain', text: '{"a":1}' }, transform: { kind: 'self' }, encoding: 'vault' });
  assert.equal(parseReference('file:///etc/app.yaml', 'V').store, { kind: 'file', path: '/etc/app.yaml' });
  assert.equal(parseReference('/etc/app.yaml', 'V', 'proc_wrapper'), { store: { kind: 'file', path: '/etc/app.yaml' }, format: 'yaml', encoding: 'proc_wrapper' });
  assert.is(parseReference('AWS_SSM:/x/conf.JSON', 'V', 'proc_wrapper').format, 'json', 'proc_wrapper guesses from the name');
  assert.is(parseReference('AWS_SSM:/x/conf.json', 'V', 'vault').format, undefined, 'vault does not');
  assert.is(parseReference('AWS_SM:x!YAML', 'V').format, 'yaml');
  assert.is(guessFormat('s3/x.env.production'), 'dotenv');
  assert.is(guessFormat('dir/x.yml#3'), 'yaml');
  assert.is(guessFormat('dir/x'), undefined);
});

test('references: proc_wrapper legacy name prefixes pick the provider and are removed from the name', () => {
  const item = (/** @type {string} */ name, /** @type {string} */ value) => {
    const found = referenceOf(name, value);
    return found && [found.target, found.reference.store.kind];
  };
  assert.equal(item('AWS_SM_DB_FOR_PROC_WRAPPER_TO_RESOLVE', 'prod/db'), ['DB', 'secretsmanager']);
  assert.equal(item('AWS_SSM_DB_FOR_PROC_WRAPPER_TO_RESOLVE', '/prod/db'), ['DB', 'ssm']);
  assert.equal(item('PLAIN_X_FOR_PROC_WRAPPER_TO_RESOLVE', 'ENV:Y'), ['X', 'plain']);
  assert.equal(item('ENV_X_FOR_PROC_WRAPPER_TO_RESOLVE', 'HOME'), ['X', 'env']);
  // A value prefix of an earlier provider wins over a later provider's name prefix (proc_wrapper's order).
  assert.equal(item('FILE_X_FOR_PROC_WRAPPER_TO_RESOLVE', 'ssm:/x'), ['FILE_X', 'ssm']);
  assert.equal(item('AWS_SM_DB_FOR_VAULT_TO_RESOLVE', 'AWS_SM:prod/db'), ['AWS_SM_DB', 'secretsmanager'], 'vault\'s own suffix has no legacy names');
  assert.is(item('DB', 'plain text'), null);
});

test('references: malformed ones name the variable and the location', () => {
  for (const [text, message] of [
    ['prod/db', /^V: cannot read the reference "prod\/db": use ssm:NAME, ssm:\/\/NAME, AWS_SM:NAME, an ARN, ENV:NAME, PLAIN:TEXT or file:\/\/PATH$/],
    ['ssm://', /the parameter name is empty/],
    ['ssm:', /the parameter name is empty/],
    ['AWS_SM:', /the secret name is empty/],
    ['ENV:', /the variable name is empty/],
    ['CONFIG:$.a', /CONFIG: reads proc_wrapper's own configuration/],
    ['aws:appconfig:a/b', /use aws:appconfig:APPLICATION\/ENVIRONMENT\/PROFILE/],
    ['arn:aws:s3:::bucket', /use arn:aws:s3:::BUCKET\/KEY/],
    ['AWS_SM:x|JP:$.a[', /not a JSONPath \(RFC 9535\)/],
    ['AWS_SM:x|upper', /after "\|" use JP:<JSONPath> or SELF/],
    ['https://example.com/secret', /use ssm:NAME/],
  ]) {
    assert.throws(() => parseReference(/** @type {string} */ (text), 'V'), (/** @type {Error} */ e) => e instanceof FormatError && /** @type {RegExp} */ (message).test(e.message), String(text));
  }
  assert.throws(() => referenceOf('PW', 'ssm://'), (/** @type {Error} */ e) => e.message === 'PW: its ssm:// value is not a parameter reference; use --no-resolve to pass it through');
});

test('references: found in ssm:// and ssm:NAME values and in both suffix conventions only', () => {
  assert.is(resolveTargetOf('DB_HOST_FOR_VAULT_TO_RESOLVE'), 'DB_HOST');
  assert.is(resolveTargetOf('X_FOR_PROC_WRAPPER_TO_RESOLVE'), 'X');
  assert.is(resolveTargetOf('_FOR_VAULT_TO_RESOLVE'), null);
  assert.is(resolveTargetOf('DB_HOST'), null);
  const env = new Map([
    ['A', 'ssm:///a'],
    ['B', 'ssm:/b/plain-value'],
    ['C', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-config'],
    ['F', 'ssm: not a name'],
    ['G', 'ssm:'],
    ['H', 'xssm:/h'],
    ['D_FOR_VAULT_TO_RESOLVE', 'ssm:/d'],
    ['E_FOR_PROC_WRAPPER_TO_RESOLVE', 'AWS_SM:e|JP:$.k'],
  ]);
  const found = findReferences(env);
  assert.equal(
    found.map((f) => [f.target, f.source, f.text]),
    [
      ['A', 'A', 'ssm:///a'],
      ['B', 'B', 'ssm:/b/plain-value'],
      ['D', 'D_FOR_VAULT_TO_RESOLVE', 'ssm:/d'],
      ['E', 'E_FOR_PROC_WRAPPER_TO_RESOLVE', 'AWS_SM:e|JP:$.k'],
    ],
  );
});

test('helpers: AWS error names, shell exit statuses, names of path parameters', () => {
  const named = new Error('x');
  named.name = 'ThrottlingException';
  assert.is(awsErrorName(named), 'ThrottlingException');
  assert.is(awsErrorName(new Error('Region is missing')), 'RegionMissing (set AWS_REGION)');
  assert.is(awsErrorName(new Error('plain')), 'UnknownError');
  assert.is(awsErrorName('string'), 'UnknownError');
  const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-ssm' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
  assert.match(awsErrorName(missing), /^AwsSdkMissing \(install vaultfile with its dependencies\)/);
  assert.is(exitStatusOf(0, null), 0);
  assert.is(exitStatusOf(3, null), 3);
  assert.is(exitStatusOf(null, 'SIGTERM'), 143);
  assert.is(exitStatusOf(null, 'SIGINT'), 130);
  assert.is(exitStatusOf(null, null), 128);
  // /proc/self/stat: pid (comm) state ppid pgrp session tty_nr tpgid ...
  assert.is(isTerminalForeground('4242 (node) S 4200 4242 4200 34816 4242 4194304 1 0'), true);
  assert.is(isTerminalForeground('4242 (my (odd) name) S 4200 4242 4200 34816 4242 0'), true);
  assert.is(isTerminalForeground('4242 (node) S 4200 4242 4200 34816 4300 0'), false, 'background job');
  assert.is(isTerminalForeground('4242 (node) S 4200 4242 4200 0 -1 0'), false, 'no terminal');
  assert.is(parameterEnvName('/svc/app', '/svc/app/db/password'), 'DB_PASSWORD');
  assert.is(parameterEnvName('/svc/app/', '/svc/app/token'), 'TOKEN');
  assert.is(parameterEnvName('/svc/app', '/elsewhere/x-y'), 'X_Y');
});

test.run();
