// The JSONPath subset of |JP: selectors, the reference grammar, and where references are found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonPathSyntaxError, evaluateJsonPath, parseJsonPath, projectJson } from '../dist/runtime/jsonpath.js';
import { findReferences, parseReference, resolveTargetOf } from '../dist/runtime/references.js';
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
const select = (path) => evaluateJsonPath(doc, parseJsonPath(path));

test('jsonpath: dot names, bracket names in both quotes, indexes, chains', () => {
  assert.equal(select('$'), doc);
  assert.is(select('$.a.b'), 'ab');
  assert.is(select("$['a']['b']"), 'ab');
  assert.is(select('$["a"].b'), 'ab');
  assert.is(select('$.a.c-d'), 1);
  assert.is(select("$['odd key']['it\\'s']"), true);
  assert.is(select('$.a.list[0]'), 10);
  assert.is(select('$.a.list[1].x'), 'deep');
  assert.is(select('$.arr[-1]'), 'last');
  assert.is(select('$.$dollar'), 'dollar');
  assert.is(select('$.a.list[2]'), null);
});

test('jsonpath: no match is undefined, never an exception', () => {
  for (const path of ['$.missing', '$.a.b.c', '$.arr[3]', '$.arr[-4]', '$.a[0]', '$.arr.x', "$['a'].list.x", '$.a.list[2].x']) {
    assert.is(select(path), undefined, path);
  }
  assert.is(evaluateJsonPath('text', parseJsonPath('$.a')), undefined);
  assert.is(evaluateJsonPath({ constructor: 1 }, parseJsonPath('$.toString')), undefined, 'own properties only');
});

test('jsonpath: unsupported or malformed syntax is refused at parse time', () => {
  for (const [path, message] of [
    ['a.b', /starts with "\$"/],
    ['$..a', /expected a name after "\." at offset 1/],
    ['$.*', /expected a name after "\."/],
    ['$[*]', /expected \[number\] or \['name'\]/],
    ['$[1:2]', /expected \[number\]/],
    ["$['a'", /unclosed \[' at offset 1/],
    ['$["a"x', /unclosed \[" at offset 1/],
    ['$[?(@.a)]', /expected \[number\]/],
    ['$a', /unexpected "a" at offset 1/],
  ]) {
    assert.throws(() => parseJsonPath(/** @type {string} */ (path)), (/** @type {Error} */ e) => e instanceof JsonPathSyntaxError && /** @type {RegExp} */ (message).test(e.message), String(path));
  }
});

test('jsonpath: projection of selected values into environment strings', () => {
  assert.is(projectJson('s'), 's');
  assert.is(projectJson(5432), '5432');
  assert.is(projectJson(true), 'true');
  assert.is(projectJson(null), '');
  assert.is(projectJson(undefined), '');
  assert.is(projectJson({ a: [1, 'x'] }), '{"a":[1,"x"]}');
});

test('references: SSM forms', () => {
  assert.equal(parseReference('ssm:///prod/db/password', 'V'), { kind: 'ssm', name: '/prod/db/password' });
  assert.equal(parseReference('ssm://prod.app.cookie', 'V'), { kind: 'ssm', name: 'prod.app.cookie' });
  assert.equal(parseReference('ssm:/prod/x:3', 'V'), { kind: 'ssm', name: '/prod/x:3' });
  assert.equal(parseReference(' AWS_SSM:/prod/x ', 'V'), { kind: 'ssm', name: '/prod/x' });
  assert.equal(parseReference('arn:aws:ssm:eu-west-1:123456789012:parameter/prod/x', 'V'), {
    kind: 'ssm',
    name: 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/x',
    region: 'eu-west-1',
  });
  assert.equal(parseReference('ssm:arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/p', 'V'), {
    kind: 'ssm',
    name: 'arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/p',
    region: 'us-gov-west-1',
  });
  const withPath = parseReference('ssm:/prod/json|JP:$.user', 'V');
  assert.is(withPath.kind, 'ssm');
  assert.is(withPath.jsonPath?.text, '$.user');
});

test('references: Secrets Manager forms, !json and |JP:', () => {
  const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-AbCdEf';
  assert.equal(parseReference(arn, 'V'), { kind: 'secretsmanager', secretId: arn, region: 'us-west-2' });
  const selected = parseReference(`${arn}!json |JP: $['host']`, 'V');
  assert.equal({ ...selected, jsonPath: selected.jsonPath?.steps }, { kind: 'secretsmanager', secretId: arn, region: 'us-west-2', jsonPath: [{ kind: 'key', key: 'host' }] });
  assert.equal(parseReference('AWS_SM:prod/db', 'V'), { kind: 'secretsmanager', secretId: 'prod/db' });
  assert.equal(parseReference(`AWS_SM:${arn}`, 'V'), { kind: 'secretsmanager', secretId: arn, region: 'us-west-2' });
  assert.equal(parseReference('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x', 'V').kind, 'secretsmanager');
});

test('references: malformed ones name the variable and the reference', () => {
  for (const [text, message] of [
    ['prod/db', /^V: cannot read the reference "prod\/db": use ssm:NAME, ssm:\/\/NAME, AWS_SM:NAME or an arn/],
    ['ssm://', /the parameter name is empty/],
    ['ssm:', /the parameter name is empty/],
    ['AWS_SM:', /the secret name is empty/],
    ['AWS_SM:x!yaml', /only the !json format is supported/],
    ['AWS_SM:x|JP:$.a[', /expected \[number\] or \['name'\] at offset 3; supported: \$\.a\.b/],
    ['https://example.com/secret', /use ssm:NAME/],
  ]) {
    assert.throws(() => parseReference(/** @type {string} */ (text), 'V'), (/** @type {Error} */ e) => e instanceof FormatError && /** @type {RegExp} */ (message).test(e.message), String(text));
  }
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
  assert.match(awsErrorName(missing), /^AwsSdkMissing \(install @aws-sdk\/client-ssm/);
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
