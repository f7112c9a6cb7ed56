// The dotenv parser and serializers of vault exec / vault export, and flat YAML/JSON maps as env.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { parseDotenv, serializeDotenv, isEnvName } from '../dist/runtime/dotenv.js';
import { parseEnvMap, envNameOf } from '../dist/runtime/env-map.js';
import { parseEnvFile, envFileFormatOf } from '../dist/runtime/env-file.js';
import { formatEnv, shellQuote } from '../dist/runtime/env-format.js';
import { FormatError, UsageError } from '../dist/errors.js';

const parse = (/** @type {string} */ text) => Object.fromEntries(parseDotenv(text, 'test.env'));

/** @param {() => unknown} fn @param {Function} type @param {RegExp} message */
function throwsClass(fn, type, message) {
  try {
    fn();
  } catch (error) {
    assert.instance(error, type);
    assert.match(/** @type {Error} */ (error).message, message);
    return /** @type {Error} */ (error);
  }
  throw new Error('expected an error');
}

test('dotenv: plain values, blanks, comments, export prefix, spaces around =', () => {
  const text = [
    '# a comment',
    '',
    'A=1',
    '  B = two words  ',
    'export C=three',
    'export\tD=tab',
    '   # indented comment',
    'E=',
    'F=value # trailing comment',
    'G=pa#ss',
    'H=#notacomment?',
    'lower.case-name=ok',
  ].join('\n');
  assert.equal(parse(text), {
    A: '1',
    B: 'two words',
    C: 'three',
    D: 'tab',
    E: '',
    F: 'value',
    G: 'pa#ss',
    H: '',
    'lower.case-name': 'ok',
  });
});

test('dotenv: single, double and backtick quotes; escapes only in double quotes', () => {
  const text = [
    `S='it is $HOME \\n literal # not comment'`,
    `D="tab\\there\\nnew \\"quoted\\" \\\\ back \\$x \\q"`,
    'B=`say "hi" and \'bye\'`',
    `E=""`,
    `Q="a" # comment after quote`,
    `SP=  'kept  spaces  '  `,
  ].join('\n');
  assert.equal(parse(text), {
    S: 'it is $HOME \\n literal # not comment',
    D: 'tab\there\nnew "quoted" \\ back $x \\q',
    B: `say "hi" and 'bye'`,
    E: '',
    Q: 'a',
    SP: 'kept  spaces  ',
  });
});

test('dotenv: multi-line values in quotes, CRLF, BOM, later assignment wins', () => {
  const key = '-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----';
  const text = `\uFEFFKEY="${key}"\r\nNEXT=1\r\nSINGLE='line1\r\nline2'\nNEXT=2\n`;
  const vars = parseDotenv(text, 'x.env');
  assert.equal([...vars.keys()], ['KEY', 'SINGLE', 'NEXT']);
  assert.equal(vars.get('KEY'), key);
  assert.equal(vars.get('SINGLE'), 'line1\nline2');
  assert.equal(vars.get('NEXT'), '2');
});

test('dotenv: errors name the file and line, never the line text', () => {
  let error = throwsClass(() => parse('A=1\nSECRETVALUE\n'), FormatError, /^"test\.env": line 2: expected NAME=VALUE/);
  assert.not.match(error.message, /SECRETVALUE/);
  throwsClass(() => parse('A=1\n\nB="never closed\nmore\n'), FormatError, /line 3: the " quote opened here is never closed/);
  error = throwsClass(() => parse('A=1\nB="x\ny" secret-tail\n'), FormatError, /line 3: unexpected text after the closing quote/);
  assert.not.match(error.message, /secret-tail/);
  throwsClass(() => parse('BAD NAME=1'), FormatError, /line 1: the variable name may hold only/);
  throwsClass(() => parse('=1'), FormatError, /line 1: the variable name/);
  assert.ok(isEnvName('A_b.c-1'));
  assert.not.ok(isEnvName('A B'));
});

test('dotenv: serializeDotenv round-trips awkward values through the parser', () => {
  const vars = new Map([
    ['A', 'plain'],
    ['B', 'quote " dollar $HOME back \\ tab \t cr \r nl \n end'],
    ['C', ''],
    ['D', "it's # not a comment"],
  ]);
  const text = serializeDotenv(vars);
  assert.equal(text.split('\n').length, 5, 'one line per variable');
  assert.equal(parseDotenv(text, 'round.env'), vars);
});

test('maps: YAML scalars keep their written text; nested values become JSON; names upper-cased', () => {
  const yaml = [
    'db_password: "s3cret: with colon"',
    'port: 5432',
    'ratio: 1.10',
    'hex: 0x10',
    'debug: true',
    'empty: ~',
    'blank:',
    'app.name: demo',
    'list: [1, two]',
    'nested: {a: 1, b: [true, null]}',
    'multi: |',
    '  line1',
    '  line2',
  ].join('\n');
  assert.equal(Object.fromEntries(parseEnvMap(yaml, 'vars.yml')), {
    DB_PASSWORD: 's3cret: with colon',
    PORT: '5432',
    RATIO: '1.10',
    HEX: '0x10',
    DEBUG: 'true',
    EMPTY: '',
    BLANK: '',
    APP_NAME: 'demo',
    LIST: '[1,"two"]',
    NESTED: '{"a":1,"b":[true,null]}',
    MULTI: 'line1\nline2\n',
  });
  assert.equal(envNameOf('my-key.name'), 'MY_KEY_NAME');
  assert.equal(Object.fromEntries(parseEnvMap('', 'empty.yml')), {});
});

test('maps: JSON documents work the same way', () => {
  const json = JSON.stringify({ token: 'abc', n: 1.5, flag: false, obj: { k: 'v' }, nothing: null });
  assert.equal(Object.fromEntries(parseEnvMap(json, 'x.json')), {
    TOKEN: 'abc',
    N: '1.5',
    FLAG: 'false',
    OBJ: '{"k":"v"}',
    NOTHING: '',
  });
});

test('maps: errors for non-maps, duplicates, collisions, tags and bad YAML, without source text', () => {
  throwsClass(() => parseEnvMap('- a\n- b\n', 'l.yml'), FormatError, /^"l\.yml": expected a map of names to values/);
  throwsClass(() => parseEnvMap('a: 1\na: 2\n', 'd.yml'), FormatError, /line 2: a key appears twice/);
  throwsClass(() => parseEnvMap('db-pass: 1\ndb_pass: 2\n', 'c.yml'), FormatError, /keys "db-pass" and "db_pass" both become DB_PASS; rename one/);
  const error = throwsClass(
    () => parseEnvMap('pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3031\n', 'v.yml'),
    FormatError,
    /inline "!vault \|" strings\) are not supported here/,
  );
  assert.not.match(error.message, /ANSIBLE/);
  const bad = throwsClass(() => parseEnvMap('a: "unclosed secretpart\n', 'b.yml'), FormatError, /invalid YAML/);
  assert.not.match(bad.message, /secretpart/);
  throwsClass(() => parseEnvMap('? [a, b]\n: 1\n', 'k.yml'), FormatError, /a key is not a plain string/);
});

test('env files: format by extension, UTF-8 required, NUL refused', () => {
  assert.is(envFileFormatOf('deploy/.env.production'), 'dotenv');
  assert.is(envFileFormatOf('vars/prod.YML'), 'map');
  assert.is(envFileFormatOf('vars/prod.yaml'), 'map');
  assert.is(envFileFormatOf('x.json'), 'map');
  const enc = new TextEncoder();
  assert.equal(Object.fromEntries(parseEnvFile(enc.encode('a: 1\n'), 'v.yml')), { A: '1' });
  assert.equal(Object.fromEntries(parseEnvFile(enc.encode('a=1\n'), 'v.env')), { a: '1' });
  throwsClass(() => parseEnvFile(new Uint8Array([0x41, 0x3d, 0xff, 0xfe]), 'bin.env'), FormatError, /not UTF-8 text/);
  throwsClass(() => parseEnvFile(enc.encode('A="x\\u0000"\nB="a\0b"\n'), 'nul.env'), FormatError, /B holds a NUL character/);
});

test('export formats: dotenv, JSON, and shell lines that sh evaluates back to the same bytes', () => {
  const vars = new Map([
    ['A', "it's $(touch /tmp/pwned) `x` \"q\" \\ $HOME"],
    ['B', 'line1\nline2'],
    ['C', ''],
  ]);
  assert.equal(JSON.parse(formatEnv(vars, 'json')), Object.fromEntries(vars));
  assert.equal(parseDotenv(formatEnv(vars, 'dotenv'), 'x'), vars);
  const shell = formatEnv(vars, 'shell');
  assert.is(shellQuote("a'b"), `'a'\\''b'`);
  const script = `${shell}\nprintf '%s\\0' "$A" "$B" "$C"`;
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.is(result.status, 0);
  assert.equal(result.stdout.split('\0').slice(0, 3), [...vars.values()]);
  throwsClass(() => formatEnv(new Map([['my.name', 'x']]), 'shell'), UsageError, /my\.name is not a valid shell variable name/);
});

test.run();
