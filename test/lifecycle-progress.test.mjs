// Progress bar for bulk commands (src/fs/progress.ts): drawn on a TTY, silent on a pipe; end to
// end for encrypt, decrypt and migrate (rekey and rotate test theirs in their own files).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgress } from '../dist/fs/progress.js';
import { CLI, cleanEnv, tempDir, writeSecret } from './helpers.mjs';
import { vault } from './lifecycle-support.mjs';

/** @param {boolean} isTTY @param {number} [columns] */
function fakeStream(isTTY, columns) {
  /** @type {string[]} */
  const writes = [];
  return { isTTY, columns, writes, write: (/** @type {string} */ text) => writes.push(text) };
}

test('nothing is written when the stream is not a terminal', () => {
  const stream = fakeStream(false);
  const progress = createProgress(200, 'rotate', stream);
  for (let i = 0; i < 200; i++) progress.tick(`f${i}.yml`);
  progress.done();
  assert.equal(stream.writes, []);
});

test('a single item draws nothing', () => {
  const stream = fakeStream(true);
  const progress = createProgress(1, 'rekey', stream);
  progress.tick('a.yml');
  progress.done();
  assert.equal(stream.writes, []);
});

test('on a terminal the bar redraws in place, throttled, always showing the end, then erases', () => {
  const stream = fakeStream(true, 60);
  let clock = 0;
  const progress = createProgress(4, 'rotate', stream, () => clock);
  progress.tick('a.yml'); // first draw
  progress.tick('b.yml'); // same instant: throttled
  clock = 100;
  progress.tick('deploy/vars/a-very-long-directory-name/and-a-long-file-name.yml');
  progress.tick('d.yml'); // last one always drawn
  progress.tick('extra'); // never past the total
  progress.done();
  progress.done();
  assert.is(stream.writes.length, 5);
  assert.match(stream.writes[0], /^\rrotate \[#+-+\] 1\/4 a\.yml\x1b\[K$/);
  assert.match(stream.writes[1], /^\rrotate \[#+-+\] 3\/4 …[^ ]+\.yml\x1b\[K$/);
  assert.ok(stream.writes[1].length <= 60 + 5);
  assert.match(stream.writes[2], /^\rrotate \[#+\] 4\/4 d\.yml\x1b\[K$/);
  assert.match(stream.writes[3], /^\rrotate \[#+\] 4\/4 extra\x1b\[K$/);
  assert.is(stream.writes[4], '\r\x1b[K');
});

test('default width and no label', () => {
  const stream = fakeStream(true);
  const progress = createProgress(2, 'rekey', stream);
  progress.tick();
  progress.tick();
  assert.match(stream.writes[0], /^\rrekey \[#+-+\] 1\/2\x1b\[K$/);
});

test('print puts a line above the bar, which the next tick draws again; off a terminal it only prints', () => {
  const stream = fakeStream(true);
  let clock = 0;
  const progress = createProgress(3, 'migrate', stream, () => clock);
  progress.tick('a.yml');
  progress.print('"a.yml": converted\n');
  progress.tick('b.yml'); // drawn again at once, though within the throttle window
  progress.done();
  assert.equal(stream.writes.map((w) => w.replace(/\[[#-]+\]/, '[bar]')), [
    '\rmigrate [bar] 1/3 a.yml\x1b[K',
    '\r\x1b[K',
    '"a.yml": converted\n',
    '\rmigrate [bar] 2/3 b.yml\x1b[K',
    '\r\x1b[K',
  ]);
  const pipe = fakeStream(false);
  const quiet = createProgress(3, 'migrate', pipe);
  quiet.tick('a.yml');
  quiet.print('line\n');
  quiet.done();
  assert.equal(pipe.writes, ['line\n']);
});

/**
 * Run vault with ARGS in DIR on a pseudo-terminal (script(1)); what the terminal showed.
 * @param {string} dir @param {string[]} args
 */
function onTerminal(dir, args) {
  const command = `exec ${[process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', env: cleanEnv() });
  assert.is(result.status, 0, result.stdout);
  return result.stdout;
}

test('encrypt, decrypt and migrate of many files draw the bar on a terminal, nothing on a pipe', async () => {
  if (spawnSync('script', ['--version']).status !== 0) return console.log('SKIPPED: no script(1) for a pseudo-terminal');
  const dir = tempDir();
  // A key file opens the files (a password would cost a 2^17 scrypt per process, and is not what
  // is tested here); Ansible's side of migrate needs a password.
  assert.is((await vault(['keygen', 'k.key'], dir)).code, 0);
  writeSecret(join(dir, 'pw'), 'progress test password\n');
  const files = ['a.yml', 'b.yml', 'c.yml'];
  for (const name of files) writeFileSync(join(dir, name), `name: ${name}\n`);
  assert.match(onTerminal(dir, ['encrypt', ...files, '--key-file', 'k.key']), /\rencrypt \[#+\] 3\/3 c\.yml\x1b\[K\r\x1b\[K$/);
  assert.match(onTerminal(dir, ['decrypt', ...files, '--key-file', 'k.key']), /\rdecrypt \[#+\] 3\/3 c\.yml\x1b\[K\r\x1b\[K$/);
  assert.is(readFileSync(join(dir, 'b.yml'), 'utf8'), 'name: b.yml\n');
  const piped = await vault(['encrypt', ...files, '--key-file', 'k.key'], dir);
  assert.is(piped.code, 0, piped.stderr);
  assert.is(piped.stderr, '');
  // migrate prints a line per file: each above the bar, none run together with it.
  const shown = onTerminal(dir, ['migrate', '--to', 'ansible', ...files, '--key-file', 'k.key', '--vault-id', 'pw']);
  assert.match(shown, /^\r?"a\.yml": converted \(vaultfile -> ansible 1\.1\)\r?\n/);
  assert.match(shown, /\r\x1b\[K"b\.yml": converted/);
  assert.match(shown, /\rmigrate \[#+\] 3\/3 c\.yml\x1b\[K\r\x1b\[Kmigrate: 3 converted/);
});

test.run();
