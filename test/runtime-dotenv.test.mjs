// The dotenv parser and serializers of vault exec / vault export, and flat YAML/JSON maps as env.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseDotenv, serializeDotenv, isEnvName } from '../dist/runtime/dotenv.js';
import { parseEnvMap, envNameOf } from '../dist/runtime/env-map.js';
import { parseEnvFile, envFileFormatOf } from '../dist/runtime/env-file.js';
import { formatEnv, shellQuote } from '../dist/runtime/env-format.js';
import { FormatError, UsageError } from '../dist/errors.js';
import { sealAnsibleVault } from '../dist/core/ansible-vault.js';
import { systemRandom } from '../dist/core/random.js';

const parse = (/** @type {string} */ text) => Object.fromEntries(parseDotenv(text, 'test.env'));
/** The dotenv package itself: the reference our reader and writer are held to. */
const dotenv = /** @type {{ parse(text: string): Record<string, string> }} */ (createRequire(import.meta.url)('dotenv'));

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
    'H=#comment',
    'lower.case-name=ok',
  ].join('\n');
  assert.equal(parse(text), {
    A: '1',
    B: 'two words',
    C: 'three',
    D: 'tab',
    E: '',
    F: 'value',
    G: 'pa',
    H: '',
    'lower.case-name': 'ok',
  });
});

test('dotenv: single, double and backtick quotes; only \\n and \\r expand, in double quotes', () => {
  const text = [
    `S='it is $HOME \\n literal # not comment'`,
    `D="tab\\there\\nnew \\"quoted\\" \\\\ back \\$x \\q \\r"`,
    'B=`say "hi" and \'bye\'`',
    `E=""`,
    `Q="a" # comment after quote`,
    `SP=  'kept  spaces  '  `,
    `C: colon form`,
    `I='it\\'s'`,
  ].join('\n');
  assert.equal(parse(text), {
    S: 'it is $HOME \\n literal # not comment',
    D: 'tab\\there\nnew \\"quoted\\" \\\\ back \\$x \\q \r',
    B: `say "hi" and 'bye'`,
    E: '',
    Q: 'a',
    SP: 'kept  spaces  ',
    C: 'colon form',
    I: "it\\'s",
  });
  assert.equal(parse(text), dotenv.parse(text), 'the dotenv package reads the same values');
});

test('dotenv: reads every case the way the dotenv package does', () => {
  const cases = [
    'A=pa#ss', 'A=pa #ss', 'A="x\\ny"', 'A="x\\ty"', 'A="x\\\\y"', 'A="say \\"hi\\""', "A='it\\'s'", 'A: value',
    "A='a\nb'", 'A=`a\'b"c`', "A='a$B'", 'A="a$B"', 'A=" sp "', 'A=x y ', 'A="a\\rb"', 'export A=1', 'A="a"#c',
    'A="a" #c', 'A="x\\\\ny"', 'A="multi\nline"', 'A=`x\\`y`', 'A=${HOME}x', 'A="$(echo hi)"', 'A=', "A=''", 'A.b-c=1',
    '  export   A  =  v  ', 'A=1\nA=2', 'A="one"\nB=two # c\n# C=3',
  ];
  for (const text of cases) assert.equal(parse(text), dotenv.parse(text), JSON.stringify(text));
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

test('dotenv: serializeDotenv writes what dotenv and this parser read back unchanged, or refuses', () => {
  const values = [
    'plain', "it's", 'say "hi"', 'a$b', '$(touch /tmp/pwned)', 'back\\slash', 'ends\\', 'tab\tx', 'nl\nx',
    'cr\rx', '`tick`', '#hash', ' lead', 'trail ', '', "mix'\"", 'é ü 🎉', 'x\\ny', "-----BEGIN KEY-----\nAA\n-----END KEY-----",
  ];
  const vars = new Map(values.map((value, i) => [`V${i}`, value]));
  const text = serializeDotenv(vars);
  assert.equal(parseDotenv(text, 'round.env'), vars);
  assert.equal(new Map(Object.entries(dotenv.parse(text))), vars);
  // Single quotes first: dotenvx expands $ and runs $(...) in the other forms.
  assert.match(text, /^V4='\$\(touch \/tmp\/pwned\)'$/m);
  for (const value of ["it's $HOME", `'"\``]) {
    throwsClass(() => serializeDotenv(new Map([['NAME', value]])), UsageError, /NAME cannot be written so that dotenv reads it back unchanged.*--format json/);
  }
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

test('maps: anchors, aliases and merge keys resolve; keys written in the map win over merged ones', () => {
  const yaml = [
    'defaults: &defaults {region: eu, tier: small}',
    'password: &pw s3cret',
    'again: *pw',
    'ratio: &r 1.10',
    'ratio_copy: *r',
    'nested: {inner: *pw, list: [*pw]}',
    'copy: *defaults',
    '<<: *defaults',
    'tier: large',
  ].join('\n');
  assert.equal(Object.fromEntries(parseEnvMap(yaml, 'vars.yml')), {
    REGION: 'eu',
    TIER: 'large',
    DEFAULTS: '{"region":"eu","tier":"small"}',
    PASSWORD: 's3cret',
    AGAIN: 's3cret',
    RATIO: '1.10',
    RATIO_COPY: '1.10',
    NESTED: '{"inner":"s3cret","list":["s3cret"]}',
    COPY: '{"region":"eu","tier":"small"}',
  });
  // A list of merged maps: the earlier map wins, as YAML 1.1 says.
  const list = parseEnvMap('a: &a {x: 1}\nb: &b {x: 2, y: 2}\n<<: [*a, *b]\n', 'l.yml');
  assert.is(list.get('X'), '1');
  assert.is(list.get('Y'), '2');
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

test('maps with still-sealed !vault values: reported by variable (nested, aliased, merged), never set', async () => {
  const enc = new TextEncoder();
  /** @type {Record<string, string>} */
  const texts = {};
  for (const label of ['prod', 'db', 'base', 'gone']) {
    texts[label] = new TextDecoder().decode(await sealAnsibleVault(enc.encode('s3cret'), enc.encode('pw'), { version: '1.2', label }, systemRandom));
  }
  const v12 = (/** @type {string} */ label) => `!vault |\n${texts[label].trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  const text = [
    `token: &tok ${v12('prod')}`,
    `db:\n  user: app\n  password: ${v12('db')}`,
    'copy: *tok\n',
    'region: eu-west-1\n',
    `defaults: &d\n  level: ${v12('base')}`,
    '<<: *d\n',
    `legacy: ${v12('gone')}`,
    'plain_over: kept\n',
  ].join('');
  /** @type {Map<string, string | null>} */
  const sealed = new Map();
  const vars = parseEnvMap(text, 'v.yml', sealed);
  assert.equal(Object.fromEntries(vars), { REGION: 'eu-west-1', PLAIN_OVER: 'kept' });
  assert.equal(Object.fromEntries(sealed), { LEVEL: 'base', TOKEN: 'prod', DB: 'db', COPY: 'prod', DEFAULTS: 'base', LEGACY: 'gone' });
  // A key written in the map replaces a merged sealed one; an unlabelled (1.1) value has no label.
  sealed.clear();
  const v11 = new TextDecoder().decode(await sealAnsibleVault(enc.encode('s3cret'), enc.encode('pw'), { version: '1.1' }, systemRandom));
  const own = parseEnvMap(`defaults: &d\n  level: ${v12('base')}<<: *d\nlevel: own\nold: !vault |\n${v11.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\n`, 'o.yml', sealed);
  assert.equal(Object.fromEntries(own), { LEVEL: 'own' });
  assert.equal(Object.fromEntries(sealed), { DEFAULTS: 'base', OLD: null });
  // Other tags, and a !vault key, are refused as before, collector or not.
  throwsClass(() => parseEnvMap('a: !foo x\n', 't.yml', new Map()), FormatError, /tagged values .* are not supported here/);
  throwsClass(() => parseEnvMap(`!vault k: v\n`, 'k.yml', new Map()), FormatError, /a key is not a plain string/);
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
  assert.equal(parseDotenv(formatEnv(new Map([...vars].slice(1)), 'dotenv'), 'x'), new Map([...vars].slice(1)));
  throwsClass(() => formatEnv(vars, 'dotenv'), UsageError, /the value of A cannot be written/);
  const shell = formatEnv(vars, 'shell');
  assert.is(shellQuote("a'b"), `'a'\\''b'`);
  const script = `${shell}\nprintf '%s\\0' "$A" "$B" "$C"`;
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.is(result.status, 0);
  assert.equal(result.stdout.split('\0').slice(0, 3), [...vars.values()]);
  throwsClass(() => formatEnv(new Map([['my.name', 'x']]), 'shell'), UsageError, /my\.name is not a valid shell variable name/);
});

test.run();
