// End-to-end `vault create` (issue 3): a new file sealed from the editor, under the policy's keyring
// in a repository or an inline keyring elsewhere; an existing file is refused; an empty result or a
// failing editor creates nothing; keys are checked before the editor opens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tempRepo, modeOf, writeSecret } from './helpers.mjs';
import { assertNoPlaintextLeft, editors, vault } from './lifecycle-support.mjs';
import { inspectEnvelope } from '../dist/core/envelope.js';

const MARKER = 'MARKER-create-51c0';

async function standalone() {
  const dir = tempDir();
  const temp = join(dir, 'tmp');
  mkdirSync(temp);
  assert.is((await vault(['keygen', 'k.key'], dir)).code, 0);
  return { dir, temp, ed: editors(dir), key: ['--key-file', 'k.key'] };
}

test('create seals what the editor wrote into a new 0600 file with an inline keyring', async () => {
  const s = await standalone();
  const result = await vault(['create', 'new.env', ...s.key], s.dir, { EDITOR: s.ed.replace, REPLACE_TEXT: `TOKEN=${MARKER}\\n`, VAULTFILE_TMPDIR: s.temp });
  assert.is(result.code, 0, result.stderr);
  assert.is(result.stderr, '"new.env": created\n');
  const sealed = readFileSync(join(s.dir, 'new.env'), 'utf8');
  assert.ok(sealed.startsWith('$VAULTFILE;1;AES256\n'));
  assert.not.match(sealed, MARKER);
  assert.is(modeOf(join(s.dir, 'new.env')), 0o600);
  const view = await vault(['view', 'new.env', ...s.key], s.dir);
  assert.is(view.stdout, `TOKEN=${MARKER}\n`);
  assertNoPlaintextLeft(s.temp, MARKER);
});

test('create refuses an existing file and a missing directory, before any editor starts', async () => {
  const s = await standalone();
  writeFileSync(join(s.dir, 'exists.yml'), 'a: 1\n');
  const log = join(s.dir, 'editor.log');
  const env = { EDITOR: s.ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: s.temp };
  const exists = await vault(['create', 'exists.yml', ...s.key], s.dir, env);
  assert.is(exists.code, 6);
  assert.is(exists.stderr, 'vault: "exists.yml": already exists; use "vault edit exists.yml" to change it\n');
  assert.is(readFileSync(join(s.dir, 'exists.yml'), 'utf8'), 'a: 1\n');
  const nodir = await vault(['create', 'no/such/dir/x.yml', ...s.key], s.dir, env);
  assert.is(nodir.code, 6);
  assert.match(nodir.stderr, /^vault: "no\/such\/dir\/x\.yml": the directory ".*no\/such\/dir" does not exist; create it first\n$/);
  assert.not.ok(existsSync(log));
});

test('an empty result or a failing editor creates nothing', async () => {
  const s = await standalone();
  const empty = await vault(['create', 'a.yml', ...s.key], s.dir, { EDITOR: 'true', VAULTFILE_TMPDIR: s.temp });
  assert.is(empty.code, 0, empty.stderr);
  assert.is(
    empty.stderr,
    // Back at once and unchanged: the editor may not have waited (docs/SECURITY.md §5).
    'vault: warning: the editor "true" returned within a second without a change; it may not have waited for you (give it its wait option in EDITOR, such as "code --wait" or "subl -w")\n' +
      '"a.yml": empty; nothing was created\n',
  );
  const failed = await vault(['create', 'a.yml', ...s.key], s.dir, { EDITOR: s.ed.fail, VAULTFILE_TMPDIR: s.temp });
  assert.is(failed.code, 1);
  assert.is(failed.stderr, 'vault: the editor exited with code 1; "a.yml" was left as it was\n');
  const invalid = await vault(['create', 'a.yml', ...s.key], s.dir, { EDITOR: s.ed.replace, REPLACE_TEXT: 'a: [\\n', VAULTFILE_TMPDIR: s.temp });
  assert.is(invalid.code, 1);
  assert.match(invalid.stderr, /^vault: "a\.yml": YAML error at line 2, column 1: /);
  assert.not.ok(existsSync(join(s.dir, 'a.yml')));
  assertNoPlaintextLeft(s.temp, 'lost: edit');
});

test('inside a repository the policy picks the keyring; a wrong key fails before the editor', async () => {
  const repo = tempRepo();
  const temp = join(repo, '..', `tmp-${process.pid}-${Date.now()}`);
  mkdirSync(temp);
  const pass = writeSecret(join(temp, '..', `pw-${process.pid}-${Date.now()}`), 'create-password\n');
  const wrong = writeSecret(`${pass}.wrong`, 'not-the-password\n');
  const init = await vault(['init', '--password-file', pass, '--work-factor', '10'], repo);
  assert.is(init.code, 0, init.stderr);
  mkdirSync(join(repo, 'deploy/vars'), { recursive: true });
  const ed = editors(temp);
  const log = join(temp, 'editor.log');
  const denied = await vault(['create', 'deploy/vars/prod.yml', '--password-file', wrong], repo, { EDITOR: ed.sleep, EDITOR_LOG: log, VAULTFILE_TMPDIR: temp });
  assert.is(denied.code, 4, denied.stderr);
  assert.not.ok(existsSync(log), 'the editor never started');
  const made = await vault(['create', 'deploy/vars/prod.yml', '--password-file', pass], repo, {
    EDITOR: ed.replace, REPLACE_TEXT: `password: ${MARKER}\\n`, VAULTFILE_TMPDIR: temp,
  });
  assert.is(made.code, 0, made.stderr);
  const view = await vault(['view', 'deploy/vars/prod.yml', '--password-file', pass], repo);
  assert.is(view.stdout, `password: ${MARKER}\n`);
  // Sealed under the repository keyring "default", not inline: the keyring name is in the header.
  const info = inspectEnvelope(readFileSync(join(repo, 'deploy/vars/prod.yml')), 'prod.yml');
  assert.is(info.keyringName, 'default');
  assert.equal(readdirSync(temp).filter((n) => n.startsWith('vaultfile-edit-')), []);
});

test.run();
