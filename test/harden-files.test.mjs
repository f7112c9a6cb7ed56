// End-to-end attacks on files and key sources (docs/SECURITY.md §4-5): a committed symlink leading
// out of the repository, an output that is a device or FIFO, password files others could swap, a
// key file made inside the work tree, and a huge plaintext handed to `view`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { CLI, ROOT, git, runVault, tempDir } from './helpers.mjs';
import { MAGIC, put, vault, vaultRepo } from './git-support.mjs';

/** A standalone envelope of TEXT sealed with a key file, in a fresh directory. @param {string} text */
async function standalone(text) {
  const dir = tempDir();
  await vault(dir, ['keygen', 'k.key']);
  writeFileSync(join(dir, 's.yml'), text);
  await vault(dir, ['encrypt', 's.yml', '--key-file', 'k.key']);
  return dir;
}

test('item 7: encrypt and decrypt refuse a path that leads out of the repository through a link', async () => {
  const repo = await vaultRepo();
  const outside = join(tempDir(), 'credentials');
  writeFileSync(outside, 'aws_secret=abc\n');
  mkdirSync(join(repo.dir, 'deploy/vars'), { recursive: true });
  symlinkSync(outside, join(repo.dir, 'deploy/vars/app.yml'));
  const encrypt = await runVault(['encrypt', 'deploy/vars/app.yml', '--key-file', repo.keys.default], { cwd: repo.dir });
  assert.is(encrypt.code, 6, encrypt.stderr);
  assert.match(encrypt.stderr, /"deploy\/vars\/app\.yml" leads outside the repository \(to ".*credentials"\) through a symbolic link; nothing done; pass --follow-symlinks if that is intended/);
  assert.is(readFileSync(outside, 'utf8'), 'aws_secret=abc\n');
  const decrypt = await runVault(['decrypt', 'deploy/vars/app.yml'], { cwd: repo.dir });
  assert.is(decrypt.code, 6, decrypt.stderr);
  const edit = await runVault(['edit', 'deploy/vars/app.yml'], { cwd: repo.dir, env: { EDITOR: 'true' } });
  assert.is(edit.code, 6, edit.stderr);
  assert.match(edit.stderr, /leads outside the repository/);
  await vault(repo.dir, ['encrypt', 'deploy/vars/app.yml', '--key-file', repo.keys.default, '--follow-symlinks']);
  assert.ok(readFileSync(outside, 'utf8').startsWith(MAGIC), 'explicitly asked, the link is followed');
  assert.ok(lstatSync(join(repo.dir, 'deploy/vars/app.yml')).isSymbolicLink());
});

test('item 10: -o onto a FIFO or a device writes to it and never replaces it with a regular file', async () => {
  const dir = await standalone('token: s3cret\n');
  const fifo = join(dir, 'out.fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const reader = spawn('cat', [fifo]);
  /** @type {Buffer[]} */
  const got = [];
  reader.stdout.on('data', (chunk) => got.push(chunk));
  const done = once(reader, 'close');
  const decrypt = spawn(process.execPath, [CLI, 'decrypt', 's.yml', '-o', fifo, '--key-file', 'k.key'], { cwd: dir });
  const [code] = await once(decrypt, 'close');
  await done;
  assert.is(code, 0);
  assert.is(Buffer.concat(got).toString(), 'token: s3cret\n');
  assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
  if (process.getuid?.() === 0) {
    const device = join(dir, 'mynull');
    assert.is(spawnSync('mknod', ['-m', '0666', device, 'c', '1', '3']).status, 0);
    await vault(dir, ['decrypt', 's.yml', '-o', device, '--key-file', 'k.key']);
    assert.ok(lstatSync(device).isCharacterDevice(), 'still a device, no plaintext file in its place');
  }
  const sock = await runVault(['decrypt', 's.yml', '-o', dir, '--key-file', 'k.key'], { cwd: dir });
  assert.is.not(sock.code, 0, 'a directory is no output');
});

test('item 12: password files others could write or swap are refused', async () => {
  const base = tempDir();
  const open = join(base, 'shared');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const pw = join(open, 'pw');
  writeFileSync(pw, 'correct horse\n', { mode: 0o600 });
  const shared = await runVault(['encrypt', '-', '--password-file', pw], { input: 'x' });
  assert.is(shared.code, 2, shared.stderr);
  assert.match(shared.stderr, /password file is in ".*shared", which others can write \(they could swap it\); move it to a private directory/);
  chmodSync(open, 0o1777);
  const sticky = await runVault(['encrypt', '-', '--password-file', pw], { input: 'x' });
  assert.is(sticky.code, 0, `a sticky directory is fine: ${sticky.stderr}`);
  if (process.getuid?.() === 0) {
    chmodSync(open, 0o700);
    chownSync(pw, 65534, 65534);
    const foreign = await runVault(['encrypt', '-', '--password-file', pw], { input: 'x' });
    assert.is(foreign.code, 2, foreign.stderr);
    assert.match(foreign.stderr, /password file belongs to another user \(uid 65534\); use a file you own/);
  }
  // Process substitution (a pipe) still works.
  const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" encrypt - --password-file <(printf pw) </dev/null | head -c 19`], { encoding: 'utf8' });
  assert.is(piped.stdout, MAGIC, piped.stderr);
});

test('item 13: keygen inside a work tree warns and proposes the .gitignore line', async () => {
  const repo = await vaultRepo();
  const made = await vault(repo.dir, ['keygen', 'ci.key']);
  assert.match(made.stderr, /vault: warning: "ci\.key" is inside the git work tree ".*" and not ignored, so "git add -A" would commit this key; add the line "\/ci\.key" to \.gitignore/);
  writeFileSync(join(repo.dir, '.gitignore'), '/ci2.key\n');
  assert.not.match((await vault(repo.dir, ['keygen', 'ci2.key'])).stderr, /warning/);
  assert.not.match((await vault(tempDir(), ['keygen', 'k.key'])).stderr, /warning/, 'outside git: no warning');
  git(repo.dir, ['status', '--porcelain']);
});

test('item 14: view of a huge plaintext answers from its first bytes, in bounded memory', async () => {
  const dir = tempDir();
  const big = join(dir, 'big.bin');
  writeFileSync(big, 'plain text, not a vault\n');
  truncateSync(big, 1536 * 1024 * 1024);
  const timed = existsSync('/usr/bin/time');
  const result = timed
    ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'view', 'big.bin', '--key-file', 'x'], { cwd: dir, encoding: 'utf8' })
    : spawnSync(process.execPath, [CLI, 'view', 'big.bin', '--key-file', 'x'], { cwd: dir, encoding: 'utf8' });
  assert.is(result.status, 3, result.stderr);
  assert.match(result.stderr, /"big\.bin": not a vault file/);
  if (timed) {
    const kilobytes = Number(result.stderr.trim().split('\n').pop());
    assert.ok(kilobytes < 300 * 1024, `max RSS ${kilobytes} KiB`);
  }
  // The same through standard input: refused once the first 8 MiB show no known format.
  const time = timed ? '/usr/bin/time -f %M ' : '';
  const piped = spawnSync('bash', ['-c', `head -c 1536M /dev/zero | ${time}"${process.execPath}" "${CLI}" view - --key-file x`], { cwd: dir, encoding: 'utf8' });
  assert.is(piped.status, 3, piped.stderr);
  assert.match(piped.stderr, /"standard input": not a vault file/);
  if (timed) {
    const kilobytes = Number(piped.stderr.trim().split('\n').pop());
    assert.ok(kilobytes < 300 * 1024, `max RSS ${kilobytes} KiB reading standard input`);
  }
});

test('item 14: an envelope on standard input streams past 8 MiB, each chunk verified before release', async () => {
  const dir = tempDir();
  await vault(dir, ['keygen', 'k.key']);
  const plaintext = randomBytes(9 * 1024 * 1024 + 123);
  writeFileSync(join(dir, 's.bin'), plaintext);
  await vault(dir, ['encrypt', 's.bin', '--key-file', 'k.key']);
  const envelope = readFileSync(join(dir, 's.bin'));
  for (const command of ['view', 'decrypt']) {
    const result = await runVault([command, '-', '--key-file', 'k.key'], { cwd: dir, input: envelope });
    assert.is(result.code, 0, result.stderr);
    assert.ok(result.stdoutBytes.equals(plaintext), `${command} -: the same bytes`);
  }
  // A chunk changed near the end: what came before it is shown, nothing of it or after it.
  const text = envelope.toString('latin1');
  const at = text.lastIndexOf('\n', Math.floor(text.length * 0.9)) + 10;
  const tampered = Buffer.from(text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1), 'latin1');
  const broken = await runVault(['view', '-', '--key-file', 'k.key'], { cwd: dir, input: tampered });
  assert.is(broken.code, 4, broken.stderr);
  assert.match(broken.stderr, /^vault: "standard input": authentication failed in chunk \d+: the file was modified or damaged; restore it from version control\n$/);
  assert.ok(broken.stdoutBytes.length % (64 * 1024) === 0 && broken.stdoutBytes.length < plaintext.length * 0.95);
  assert.ok(broken.stdoutBytes.equals(plaintext.subarray(0, broken.stdoutBytes.length)));
});

test('item 14: a 300 MB envelope piped into view stays within the bound of a file', async () => {
  const dir = tempDir();
  await vault(dir, ['keygen', 'k.key']);
  const size = 300 * 1024 * 1024;
  writeFileSync(join(dir, 'big.bin'), '');
  truncateSync(join(dir, 'big.bin'), size);
  const sealed = spawnSync(process.execPath, [CLI, 'encrypt', 'big.bin', '--key-file', 'k.key'], { cwd: dir, encoding: 'utf8' });
  assert.is(sealed.status, 0, sealed.stderr);
  const time = existsSync('/usr/bin/time') ? `/usr/bin/time -f %M ` : '';
  const rss = time ? '' : `--import "${join(ROOT, 'test/support/report-rss.mjs')}" `;
  const piped = spawnSync('bash', ['-c', `set -o pipefail; cat big.bin | ${time}"${process.execPath}" ${rss}"${CLI}" view - --key-file k.key | cmp - <(head -c ${size} /dev/zero)`], { cwd: dir, encoding: 'utf8' });
  assert.is(piped.status, 0, piped.stderr + piped.stdout);
  const kilobytes = Number(/(\d+)\n$/.exec(piped.stderr)?.[1]);
  assert.ok(kilobytes < 300 * 1024, `max RSS ${kilobytes} KiB for a ${size >> 20} MiB input`);
});

test.run();
