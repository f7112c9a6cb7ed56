// Plaintext validation after an edit (src/formats/validate-plaintext.ts): YAML and dotenv problems are
// located by line and column, and the message never repeats the file's text.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeProblem, findPlaintextProblem, plaintextFormat } from '../dist/formats/validate-plaintext.js';

const enc = (/** @type {string} */ text) => new TextEncoder().encode(text);

test('the format follows the file name', () => {
  assert.is(plaintextFormat('deploy/vars/prod.yml'), 'YAML');
  assert.is(plaintextFormat('a/B.YAML'), 'YAML');
  assert.is(plaintextFormat('.env'), 'dotenv');
  assert.is(plaintextFormat('app/.env.production'), 'dotenv');
  assert.is(plaintextFormat('prod.env'), 'dotenv');
  assert.is(plaintextFormat('notes.txt'), null);
  assert.is(plaintextFormat('environment'), null);
  assert.is(findPlaintextProblem('notes.txt', enc('{{{ anything')), null);
});

test('valid YAML, including several documents and Ansible !vault tags, passes', () => {
  assert.is(findPlaintextProblem('a.yml', enc('a: 1\nb:\n  - x\n---\nc: 2\n')), null);
  assert.is(findPlaintextProblem('a.yml', enc('token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3031\n')), null);
  assert.is(findPlaintextProblem('a.yml', enc('')), null);
});

test('broken YAML is located, and the secret in it is not quoted back', () => {
  const problem = findPlaintextProblem('a.yml', enc('password: hunter2\n  nested: "s3cret-value"\n'));
  assert.ok(problem);
  assert.is(problem.format, 'YAML');
  assert.is(problem.line, 1);
  assert.not.match(problem.message, 'hunter2');
  const tab = findPlaintextProblem('a.yaml', enc('a:\n\t- x\n'));
  assert.equal(tab, { format: 'YAML', line: 2, column: 1, message: 'tabs are not allowed as indentation' });
  const stray = findPlaintextProblem('a.yml', enc('- a\nb: s3cret\n'));
  assert.ok(stray);
  assert.not.match(JSON.stringify(stray), 's3cret');
  assert.is(
    describeProblem('"a.yml"', { format: 'YAML', line: 2, column: 1, message: 'map keys must be unique' }),
    '"a.yml": YAML error at line 2, column 1: map keys must be unique',
  );
  const duplicate = findPlaintextProblem('a.yml', enc('a: 1\na: 2\n'));
  assert.equal(duplicate, { format: 'YAML', line: 2, column: 1, message: 'map keys must be unique' });
});

test('valid dotenv passes: comments, export, quotes over several lines, CRLF', () => {
  const text = [
    '# comment',
    '',
    '  export API_KEY=abc # trailing',
    'EMPTY=',
    'SPACED = value with spaces',
    'DOTTED.name-x=1',
    "SINGLE='it s' # c",
    'DOUBLE="a \\"quoted\\" word" # note',
    'MULTI="line one',
    'line two"',
    'TICK=`x`',
    'WIN=1\r',
  ].join('\n');
  assert.is(findPlaintextProblem('.env', enc(text)), null);
});

/**
 * Assert that FILE holding TEXT fails dotenv validation at LINE and COLUMN with MESSAGE.
 * @param {string} file
 * @param {string} text
 * @param {number} line
 * @param {number} column
 * @param {string} message
 */
function assertDotenvProblem(file, text, line, column, message) {
  assert.equal(findPlaintextProblem(file, enc(text)), { format: 'dotenv', line, column, message });
}

test('broken dotenv is located by line and column', () => {
  assertDotenvProblem('.env', 'A=1\nnot a variable\n', 2, 4, 'expected "=" after the variable name');
  assertDotenvProblem('.env', 'A=1\n  9LIVES=x\n', 2, 3, 'expected a variable name (letters, digits, _ . -)');
  assertDotenvProblem('x.env', '=1\n', 1, 1, 'expected a variable name (letters, digits, _ . -)');
  assertDotenvProblem('.env.prod', 'A=1\nB="s3cret\nC=2\n', 2, 3, 'unterminated " quoted value');
  assertDotenvProblem('.env', "A='x' junk\n", 1, 7, 'unexpected text after the closing quote');
  assertDotenvProblem('.env', 'A="one\ntwo"  junk\n', 2, 7, 'unexpected text after the closing quote');
});

test.run();
