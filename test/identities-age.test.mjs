// age and SSH recipients end to end, with identities from Debian's age-keygen and ssh-keygen
// (ed25519 and RSA, with and without passphrase): adding needs only the public key; a file opens
// with the identity and not with another; the real `age -d` opens the wrapped entry; rotate after
// removing a member needs no other member's secret; default identity paths; bad recipients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanEnv, git, modeOf, runVaultBinary, tempDir, tempRepo } from './helpers.mjs';
import { editors, startVault, waitFor } from './lifecycle-support.mjs';
import {
  KEYRING, ageIdentity, dataKeyIdOf, emptyHome, entriesOf, idOfDataKey, passwordRepo, sshIdentity, tool,
} from './identities-support.mjs';

const { env } = emptyHome();
const keys = tempDir('vaultfile-ids-');
const alice = ageIdentity(keys, 'alice.txt');
const bob = ageIdentity(keys, 'bob.txt');
const mallory = ageIdentity(keys, 'mallory.txt');
const carol = sshIdentity(keys, 'carol', 'ed25519');
const dave = sshIdentity(keys, 'dave', 'rsa');
const erin = sshIdentity(keys, 'erin', 'ed25519', 'erin passphrase');
const frank = sshIdentity(keys, 'frank', 'ed25519', 'frank passphrase');
const { repo, password } = passwordRepo(env);
const view = (/** @type {string[]} */ args, /** @type {Record<string, string>} */ extra = {}) => runVaultBinary(['view', 'deploy/vars/prod.yml', ...args], { cwd: repo, env: { ...env, ...extra } });

test('keys add takes age and SSH public keys with a key that opens the keyring, and lists them', () => {
  const before = readFileSync(join(repo, KEYRING), 'utf8');
  const add = runVaultBinary(['keys', 'add', '--password-file', password, '--recipient', alice.recipient, '--label', 'alice'], { cwd: repo, env });
  assert.is(add.code, 0, add.stderr);
  assert.is(add.stderr, `added age entry "alice" (from --recipient)\n`);
  for (const key of [carol, dave, erin]) {
    const r = runVaultBinary(['keys', 'add', '--password-file', password, '--recipient', key.publicLine], { cwd: repo, env });
    assert.is(r.code, 0, r.stderr);
  }
  const team = join(keys, 'team.pub');
  writeFileSync(team, `# the team, as for age -R\n\n${bob.recipient}\n`);
  const fromFile = runVaultBinary(['keys', 'add', '--password-file', password, '--recipients-file', team, '--label', 'bob'], { cwd: repo, env });
  assert.is(fromFile.code, 0, fromFile.stderr);
  assert.is.not(readFileSync(join(repo, KEYRING), 'utf8'), before);

  const list = runVaultBinary(['keys', 'list'], { cwd: repo, env });
  assert.is(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  assert.equal(lines.map((l) => [l[1], l[2]]), [
    ['password', 'password'], ['age', 'alice'], ['ssh', 'carol@laptop'], ['ssh', 'dave@laptop'], ['ssh', 'erin@laptop'], ['age', 'bob'],
  ]);
  assert.is(lines[1][3], alice.recipient);
  // The SSH fingerprint is the one ssh-keygen prints for the same key.
  for (const [row, key] of /** @type {[string[], { path: string }][]} */ ([[lines[2], carol], [lines[3], dave]])) {
    const fingerprint = tool('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key.path}.pub`]).toString().split(' ')[1];
    assert.is(row.at(-1), fingerprint);
  }
  const json = JSON.parse(runVaultBinary(['keys', 'list', '--json'], { cwd: repo, env }).stdout);
  assert.equal(json.entries.map((/** @type {{ type: string }} */ e) => e.type), ['password', 'age', 'ssh', 'ssh', 'ssh', 'age']);
  assert.equal(json.warnings, []);
});

test('a file opens with each member identity (age, ssh-ed25519, ssh-rsa) and not with another', () => {
  for (const identity of [alice.path, bob.path, carol.path, dave.path]) {
    const r = view(['--identity', identity]);
    assert.is(r.code, 0, `${identity}: ${r.stderr}`);
    assert.is(r.stdout, 'db_password: hunter2\n');
  }
  assert.is(view([], { VAULTFILE_IDENTITY: carol.path }).stdout, 'db_password: hunter2\n');
  const other = view(['--identity', mallory.path]);
  assert.is(other.code, 5);
  assert.match(other.stderr, /no key opens this keyring; its entries: password "password", age "alice" SHA256:[^ ,]+, ssh "carol@laptop" SHA256:/);
  assert.match(other.stderr, /tried: --identity "[^"]+mallory.txt"/);
  assert.is(other.stdout, '');
});

test('a passphrase-protected SSH key fails with a clear message when there is no terminal', () => {
  const r = view(['--identity', erin.path]);
  assert.is(r.code, 5);
  assert.match(r.stderr, /tried: --identity "[^"]+erin" \("[^"]+erin": the SSH key is passphrase-protected and there is no terminal to ask; use an unprotected identity in automation \(vault keygen --age\)\)/);
  assert.is(r.stderr.split('\n').length, 2);
});

// A terminal for vault: python's pty module runs the built CLI and types ANSWER at the prompt.
const PTY = `
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(sys.argv[2], sys.argv[2:], os.environ)
out, sent = b'', False
while True:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not sent and b'passphrase for' in out:
        os.write(fd, sys.argv[1].encode() + b'\\r')
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.WEXITSTATUS(status))
`;

test('on a terminal, a passphrase-protected SSH key asks for its passphrase and opens its entry', () => {
  const run = (/** @type {string} */ answer) => spawnSync('python3', ['-c', PTY, answer, process.execPath, CLI, 'view', 'deploy/vars/prod.yml', '--identity', erin.path], {
    cwd: repo, env: cleanEnv({ ...env, VAULTFILE_PAGER: 'cat' }), encoding: 'utf8', timeout: 60_000,
  });
  const ok = run('erin passphrase');
  assert.is(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /passphrase for [^\n]*erin/);
  assert.match(ok.stdout, /db_password: hunter2/);
  assert.not.match(ok.stdout, /erin passphrase/, 'the passphrase is not echoed');
  const wrong = run('not it');
  assert.is(wrong.status, 4, wrong.stdout);
  assert.match(wrong.stdout, /wrong passphrase for this SSH key/);
});

test('an age plugin identity is handed to the age command, and needs it', () => {
  const plugin = join(keys, 'yubikey.txt');
  writeFileSync(plugin, '# a plugin identity (no such plugin is installed here)\nAGE-PLUGIN-NOSUCHPLUGIN-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS7KPTEP\n', { mode: 0o600 });
  const noAge = view(['--identity', plugin], { PATH: '/nonexistent' });
  assert.is(noAge.code, 5);
  assert.match(noAge.stderr, /an age plugin identity needs the "age" command; install age \(and its plugin\)/);
  // With age installed, age itself looks for age-plugin-nosuchplugin and fails: the entry does not open.
  const r = view(['--identity', plugin]);
  assert.is(r.code, 4);
  assert.match(r.stderr, /no key opens this keyring; its entries: .*tried: --identity "[^"]+yubikey.txt"/);
});

test('the real age 1.1.1 opens the wrapped data key of age, ssh-ed25519 and ssh-rsa entries', () => {
  const entries = entriesOf(repo);
  const keysSeen = new Set();
  for (const [label, identity] of [['alice', alice.path], ['carol@laptop', carol.path], ['dave@laptop', dave.path]]) {
    const entry = /** @type {{ fields: Record<string, string> }} */ (entries.find((e) => e.label === label));
    const wrapped = Buffer.from(entry.fields.age, 'base64');
    assert.ok(wrapped.subarray(0, 21).toString() === 'age-encryption.org/v1', 'a standard binary age file');
    const dataKey = tool('age', ['-d', '-i', identity], { input: wrapped });
    assert.is(dataKey.length, 32);
    assert.is(idOfDataKey(dataKey), dataKeyIdOf(repo), `${label}: the data key of this keyring`);
    keysSeen.add(dataKey.toString('hex'));
    // Another identity is refused by age itself.
    assert.is.not(spawnSync('age', ['-d', '-i', mallory.path], { input: wrapped }).status, 0);
  }
  assert.is(keysSeen.size, 1);
});

test('rotate after removing a member re-wraps every public entry with one member key only', () => {
  const oldId = dataKeyIdOf(repo);
  const remove = runVaultBinary(['keys', 'remove', 'bob', '--identity', alice.path], { cwd: repo, env });
  assert.is(remove.code, 0, remove.stderr);
  // The password entry's secret is not given: it is listed, so rotation needs --drop-unopened...
  const refused = runVaultBinary(['rotate', '--identity', alice.path], { cwd: repo, env });
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /do not open entries "password"/);
  // ...while every age and ssh entry is re-wrapped by itself.
  const rotate = runVaultBinary(['rotate', '--identity', alice.path, '--password-file', password], { cwd: repo, env });
  assert.is(rotate.code, 0, rotate.stderr);
  assert.is.not(dataKeyIdOf(repo), oldId);
  assert.equal(entriesOf(repo).map((e) => e.label), ['password', 'alice', 'carol@laptop', 'dave@laptop', 'erin@laptop']);
  git(repo, ['commit', '-qam', 'rotate']);
  for (const identity of [alice.path, carol.path, dave.path]) assert.is(view(['--identity', identity]).code, 0, identity);
  const removed = view(['--identity', bob.path]);
  assert.is(removed.code, 5, 'the removed member opens nothing new');
  // Nothing public-key based needed a secret: a rotate with an identity alone drops the password entry on request.
  const drop = runVaultBinary(['rotate', '--identity', carol.path, '--drop-unopened'], { cwd: repo, env });
  assert.is(drop.code, 0, drop.stderr);
  assert.equal(entriesOf(repo).map((e) => e.type), ['age', 'ssh', 'ssh', 'ssh']);
  assert.is(view(['--identity', dave.path]).stdout, 'db_password: hunter2\n');
});

test('vault unlock --identity stores the data key for the git filters; lock removes it', () => {
  git(repo, ['commit', '-qam', 'rotated without the password entry']);
  const unlock = runVaultBinary(['unlock', '--identity', dave.path], { cwd: repo, env });
  assert.is(unlock.code, 0, unlock.stderr);
  assert.match(unlock.stdout, /unlocked keyring "default"/);
  // No key source named: the stored key opens the file (no identity, no KDF).
  assert.is(view([]).stdout, 'db_password: hunter2\n');
  assert.is(runVaultBinary(['lock'], { cwd: repo, env }).code, 0);
  assert.is(view([]).code, 5);
});

test('rotation of a keyring of recipients only resumes after SIGKILL, with one identity', async () => {
  const dir = tempRepo();
  assert.is(runVaultBinary(['init', '--identity', alice.path, '--label', 'alice'], { cwd: dir, env }).code, 0);
  assert.is(runVaultBinary(['keys', 'add', '--identity', alice.path, '--recipient', carol.publicLine], { cwd: dir, env }).code, 0);
  mkdirSync(join(dir, 'deploy', 'vars'), { recursive: true });
  const files = ['a', 'b', 'c', 'd'].map((n) => `deploy/vars/${n}.yml`);
  for (const f of files) writeFileSync(join(dir, f), `secret: ${f}\n`);
  assert.is(runVaultBinary(['encrypt', ...files], { cwd: dir, env }).code, 0);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-qm', 'files']);
  assert.is(runVaultBinary(['lock'], { cwd: dir, env }).code, 0);
  for (const halt of ['rotate:keyring', 'rotate:files=2']) {
    const run = startVault(['rotate', '--identity', carol.path], dir, env, halt);
    let stderr = '';
    run.child.stderr?.on('data', (chunk) => (stderr += chunk));
    await waitFor(() => stderr.includes(`halted at ${halt}`), halt, 60_000);
    run.child.kill('SIGKILL');
    await run.done;
    for (const f of files) assert.is(runVaultBinary(['view', f, '--identity', alice.path], { cwd: dir, env }).stdout, `secret: ${f}\n`, `${halt}: ${f}`);
    const again = runVaultBinary(['rotate', '--identity', carol.path], { cwd: dir, env });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stderr, /finished rotating keyring "default"/);
    git(dir, ['commit', '-qam', `rotated (${halt})`]);
  }
  for (const f of files) assert.is(runVaultBinary(['view', f, '--identity', carol.path], { cwd: dir, env }).stdout, `secret: ${f}\n`);
});

test('default identity paths: ~/.config/vaultfile/identity.txt and ~/.ssh/id_ed25519, only when they match', () => {
  const { home, env: homeEnv } = emptyHome();
  mkdirSync(join(home, '.config', 'vaultfile'), { recursive: true });
  copyFileSync(alice.path, join(home, '.config', 'vaultfile', 'identity.txt'));
  assert.is(view([], homeEnv).stdout, 'db_password: hunter2\n');
  const other = emptyHome();
  mkdirSync(join(other.home, '.ssh'));
  copyFileSync(dave.path, join(other.home, '.ssh', 'id_rsa'));
  // A passphrase-protected key that belongs to no entry is never asked for...
  copyFileSync(frank.path, join(other.home, '.ssh', 'id_ed25519'));
  const r = view([], other.env);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'db_password: hunter2\n');
  // ...and one that does but cannot be asked (no terminal) gives way to the next.
  copyFileSync(erin.path, join(other.home, '.ssh', 'id_ed25519'));
  assert.is(view([], other.env).stdout, 'db_password: hunter2\n');
  const none = view([], emptyHome().env);
  assert.is(none.code, 5);
  assert.match(none.stderr, /no key given; pass --password-file FILE, --key-file FILE or --identity FILE/);
});

test('keygen --age writes an identity age understands (0600, never overwritten) and prints the recipient', () => {
  const dir = tempDir();
  const path = join(dir, 'identity.txt');
  const r = runVaultBinary(['keygen', '--age', path], { env });
  assert.is(r.code, 0, r.stderr);
  assert.is(modeOf(path), 0o600);
  assert.is(r.stdout, `${tool('age-keygen', ['-y', path]).toString().trim()}\n`);
  assert.match(readFileSync(path, 'utf8'), /^# created: .*\n# public key: age1[a-z0-9]+\nAGE-SECRET-KEY-1[A-Z0-9]+\n$/);
  const again = runVaultBinary(['keygen', '--age', path], { env });
  assert.is(again.code, 6);
  assert.is(modeOf(path), 0o600);
});

test('malformed and unknown recipients are refused with the reason; the keyring is unchanged', () => {
  const before = readFileSync(join(repo, KEYRING), 'utf8');
  /** @type {[string[], number, RegExp][]} */
  const cases = [
    [['--recipient', 'age1notarecipient'], 3, /"age1notarecipient…" is not a valid age recipient/],
    [['--recipient', 'ecdsa-sha2-nistp256 AAAAE2VjZHNh x'], 3, /unsupported SSH key type "ecdsa-sha2-nistp256"; use ssh-ed25519 or ssh-rsa/],
    [['--recipient', readFileSync(alice.path, 'utf8').split('\n')[2]], 2, /that is a secret identity, not a recipient/],
    [['--recipient', 'pgp:12345'], 3, /unknown recipient type/],
    [['--recipient', alice.recipient], 2, /already has age1.* as entry "alice"/],
    [['--kms', 'arn:aws:kms:eu-west-1:1:key/x'], 2, /give a KMS key or alias ARN/],
  ];
  for (const [args, code, message] of cases) {
    const r = runVaultBinary(['keys', 'add', '--identity', alice.path, ...args], { cwd: repo, env });
    assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stderr.split('\n').length, 2, 'one line');
  }
  const bad = join(keys, 'bad.pub');
  writeFileSync(bad, `${bob.recipient}\nssh-ed25519 AAAA!!!\n`);
  const file = runVaultBinary(['keys', 'add', '--identity', alice.path, '--recipients-file', bad], { cwd: repo, env });
  assert.is(file.code, 3);
  assert.match(file.stderr, /bad.pub" line 2: the key is not valid base64/);
  assert.is(readFileSync(join(repo, KEYRING), 'utf8'), before);
});

test('VAULTFILE_IDENTITY opens a file for vault edit; authorized_keys lines with options are recipients', () => {
  const dir = tempDir();
  const { append } = editors(dir);
  const edit = runVaultBinary(['edit', 'deploy/vars/prod.yml'], { cwd: repo, env: { ...env, VAULTFILE_IDENTITY: alice.path, VAULTFILE_EDITOR: append } });
  assert.is(edit.code, 0, edit.stderr);
  assert.is(view(['--identity', carol.path]).stdout, 'db_password: hunter2\nadded: line\n', 'sealed for every entry again');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `# servers\nno-port-forwarding,no-pty ${frank.publicLine}\n`);
  const add = runVaultBinary(['keys', 'add', '--identity', alice.path, '--recipients-file', authorized], { cwd: repo, env });
  assert.is(add.code, 0, add.stderr);
  assert.is(add.stderr, `added ssh entry "frank@laptop" (from "${authorized}" line 2)\n`);
});

test.run();
