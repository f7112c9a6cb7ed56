// Progress bar for bulk commands (src/io/progress.ts): drawn on a TTY, silent on a pipe.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgress } from '../dist/io/progress.js';

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

test.run();
