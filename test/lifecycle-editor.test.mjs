// Editor discovery and spawning (src/fs/editor.ts): VAULTFILE_EDITOR, VISUAL, EDITOR, vi; words
// split like a shell but spawned without one; the file path is the last argument.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, removeDir } from './helpers.mjs';
import { hardenEditorArgv, resolveEditor, runEditor, splitCommandLine } from '../dist/fs/editor.js';

test('commands split like shell words, without expansion', () => {
  assert.equal(splitCommandLine('code --wait', 'EDITOR'), ['code', '--wait']);
  assert.equal(splitCommandLine('  vim   -n  ', 'EDITOR'), ['vim', '-n']);
  assert.equal(splitCommandLine(`"/opt/My Editor/bin/ed" -c 'set x=$HOME' a\\ b`, 'EDITOR'), ['/opt/My Editor/bin/ed', '-c', 'set x=$HOME', 'a b']);
  assert.equal(splitCommandLine(`"a\\"b\\\\c\\d" '' ""`, 'EDITOR'), ['a"b\\c\\d', '', '']);
  assert.equal(splitCommandLine('ed $(rm -rf /) ; `x`', 'EDITOR'), ['ed', '$(rm', '-rf', '/)', ';', '`x`']);
  assert.equal(splitCommandLine('trailing\\', 'EDITOR'), ['trailing']);
  assert.equal(splitCommandLine('', 'EDITOR'), []);
});

test('an unterminated quote is a usage error naming the variable', () => {
  assert.throws(() => splitCommandLine(`code "--wait`, 'VISUAL'), /^VISUAL has an unterminated " quote; fix the editor command$/);
  assert.throws(() => splitCommandLine(`code '--wait`, 'EDITOR'), /unterminated ' quote/);
});

test('VAULTFILE_EDITOR, then VISUAL, then EDITOR, then vi; blanks are skipped', () => {
  assert.equal(resolveEditor({ VAULTFILE_EDITOR: 'nano', VISUAL: 'code --wait', EDITOR: 'ed' }), { argv: ['nano'], source: 'VAULTFILE_EDITOR' });
  assert.equal(resolveEditor({ VAULTFILE_EDITOR: '  ', VISUAL: 'code --wait', EDITOR: 'ed' }), { argv: ['code', '--wait'], source: 'VISUAL' });
  assert.equal(resolveEditor({ VISUAL: '""x', EDITOR: 'ed' }).source, 'VISUAL');
  assert.equal(resolveEditor({ EDITOR: 'ed' }), { argv: ['ed'], source: 'EDITOR' });
  assert.equal(resolveEditor({ VISUAL: "''", EDITOR: 'ed' }), { argv: [''], source: 'VISUAL' });
  assert.equal(resolveEditor({}), { argv: ['vi'], source: 'the default editor' });
});

test('vim and nvim started bare keep no swap file and no viminfo; configured ones are left alone', () => {
  assert.equal(hardenEditorArgv(['vim'], process.env), ['vim', '-n', '-i', 'NONE']);
  assert.equal(hardenEditorArgv(['/usr/bin/nvim'], process.env), ['/usr/bin/nvim', '-n', '-i', 'NONE']);
  assert.equal(hardenEditorArgv(['vim', '-u', 'NONE'], process.env), ['vim', '-u', 'NONE']);
  assert.equal(hardenEditorArgv(['code', '--wait'], process.env), ['code', '--wait']);
});

test('the editor gets its own arguments then the path, and its exit status is returned', async () => {
  const dir = tempDir();
  const script = join(dir, 'ed.sh');
  writeFileSync(script, '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/args"\necho added >> "$2"\nexit "$EXIT_WITH"\n');
  chmodSync(script, 0o755);
  const file = join(dir, 'f.txt');
  writeFileSync(file, 'x\n');
  process.env.EXIT_WITH = '0';
  /** @type {unknown} */
  let spawned = null;
  const ok = await runEditor({ argv: [script, '--wait'], source: 'EDITOR' }, file, (child) => (spawned = child), process.env);
  assert.equal(ok, { code: 0, signal: null });
  assert.ok(spawned);
  assert.is(readFileSync(join(dir, 'args'), 'utf8'), `--wait\n${file}\n`);
  assert.is(readFileSync(file, 'utf8'), 'x\nadded\n');
  process.env.EXIT_WITH = '7';
  assert.equal(await runEditor({ argv: [script, '--wait'], source: 'EDITOR' }, file, undefined, process.env), { code: 7, signal: null });
  delete process.env.EXIT_WITH;
  removeDir(dir);
});

test('a missing editor names the variable to set', async () => {
  try {
    await runEditor({ argv: ['/nonexistent/editor'], source: 'EDITOR' }, '/dev/null', undefined, process.env);
    assert.unreachable();
  } catch (error) {
    assert.is(/** @type {Error} */ (error).message, 'editor "/nonexistent/editor" from EDITOR not found; set VAULTFILE_EDITOR or EDITOR to an installed editor');
    assert.is(/** @type {any} */ (error).exitCode, 2);
  }
  const dir = tempDir();
  const notExecutable = join(dir, 'ed');
  writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
  try {
    await runEditor({ argv: [notExecutable], source: 'VISUAL' }, '/dev/null', undefined, process.env);
    assert.unreachable();
  } catch (error) {
    assert.is(/** @type {Error} */ (error).message, `editor ${JSON.stringify(notExecutable)} from VISUAL EACCES; set VAULTFILE_EDITOR or EDITOR to an installed editor`);
  }
  removeDir(dir);
});

test.run();
