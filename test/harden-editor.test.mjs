// Item 11 (docs/SECURITY.md §5): every editor that is really vim or neovim is hardened whatever
// name starts it (vi, view, editor), an nvi behind `vi` is not (vim's options would break it), and
// editors that fork get their wait option. End to end: `vault edit` with the default editor `vi`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runVault, tempDir } from './helpers.mjs';
import { hardenEditorArgv } from '../dist/fs/editor.js';
import { editorKind } from '../dist/fs/editor-kind.js';

/**
 * A fake editor NAME in a fresh PATH directory: `--version` prints VERSION; otherwise it records its
 * arguments in LOG and leaves the file alone.
 * @param {string} name @param {string} version
 */
function fakeEditor(name, version) {
  const dir = tempDir();
  const log = join(dir, 'argv.log');
  const script = join(dir, name);
  writeFileSync(script, `#!/bin/sh\nif [ "$1" = --version ]; then printf '%s\\n' '${version}'; exit 0; fi\nprintf '%s\\n' "$@" > '${log}'\n`);
  chmodSync(script, 0o755);
  return { dir, log, path: `${dir}:/usr/bin:/bin` };
}

test('vi, view and editor that are vim or neovim are hardened; an nvi is left alone', async () => {
  const vim = fakeEditor('vi', 'VIM - Vi IMproved 9.0 (2022 Jun 28)');
  assert.is(editorKind('vi', { PATH: vim.path }), 'vim');
  assert.equal(hardenEditorArgv(['vi'], { PATH: vim.path }), ['vi', '-n', '-i', 'NONE']);
  const nvim = fakeEditor('editor', 'NVIM v0.9.5');
  assert.equal(hardenEditorArgv(['editor'], { PATH: nvim.path }), ['editor', '-n', '-i', 'NONE']);
  const nvi = fakeEditor('vi', 'vi: illegal option -- -');
  assert.is(editorKind('vi', { PATH: nvi.path }), 'other');
  assert.equal(hardenEditorArgv(['vi'], { PATH: nvi.path }), ['vi']);
  // Decided by the resolved file's name too: a link called "view" to vim.basic.
  const links = tempDir();
  symlinkSync(join(vim.dir, 'vi'), join(links, 'vim.basic'));
  symlinkSync(join(links, 'vim.basic'), join(links, 'view'));
  assert.is(editorKind('view', { PATH: links }), 'vim');
  for (const name of ['vim.tiny', 'vim.basic', 'gvim', 'nvim']) assert.not.equal(editorKind(name, { PATH: '' }), 'other', name);
});

test('forking editors get their wait option', async () => {
  assert.equal(hardenEditorArgv(['code'], { PATH: '' }), ['code', '--wait']);
  assert.equal(hardenEditorArgv(['code', '-w'], { PATH: '' }), ['code', '-w']);
  assert.equal(hardenEditorArgv(['subl'], { PATH: '' }), ['subl', '-w']);
  assert.equal(hardenEditorArgv(['gvim'], { PATH: '' }), ['gvim', '-f', '-n', '-i', 'NONE']);
  assert.equal(hardenEditorArgv(['nano'], { PATH: '' }), ['nano']);
});

test('vault edit with the default vi (really vim) starts it with -n -i NONE', async () => {
  const vim = fakeEditor('vi', 'VIM - Vi IMproved 9.0');
  const work = tempDir();
  const result = await runVault(['keygen', join(work, 'k.key')]);
  assert.is(result.code, 0, result.stderr);
  writeFileSync(join(work, 's.yml'), 'token: s3cret\n');
  assert.is((await runVault(['encrypt', 's.yml', '--key-file', 'k.key'], { cwd: work })).code, 0);
  const edit = await runVault(['edit', 's.yml', '--key-file', 'k.key'], { cwd: work, env: { PATH: vim.path, EDITOR: '', VISUAL: '' } });
  assert.is(edit.code, 0, edit.stderr);
  const argv = readFileSync(vim.log, 'utf8').split('\n');
  assert.equal(argv.slice(0, 3), ['-n', '-i', 'NONE'], 'no swap file, no viminfo (where a yank would keep the secret)');
});

test.run();
