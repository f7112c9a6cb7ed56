// The operations below the commands return reports (docs/ARCHITECTURE.md, "Operations return
// reports"): these tests call them in process with a run's context and assert on what they return,
// where that shows a behaviour more plainly than the printed text (which the command tests cover).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, cleanEnv, git, runVault, tempRepo, testContext, writeSecret } from './helpers.mjs';
import { UsageError, VaultError } from '../dist/errors.js';
import { createKeyContext } from '../dist/keys/key-sources.js';
import { rotateRepoKeyring } from '../dist/repo/rotation.js';
import { addKeyringEntries, removeKeyringEntry } from '../dist/repo/keyring-entries.js';
import { readRepoKeyring } from '../dist/repo/repo.js';
import { findGitDirs, removeStoredKeys } from '../dist/repo/key-store.js';
import { setUpGit } from '../dist/git/setup.js';
import { checkRepository } from '../dist/git/check.js';
import { openRepoContext } from '../dist/git/policy-files.js';
import { UnresolvedReferencesError, buildEnvironment } from '../dist/runtime/environment.js';
import { DEFAULT_SCRYPT } from '../dist/core/kdf.js';
import { migrateFiles } from '../dist/formats/migrate-files.js';
import { writeReferenceFiles } from '../dist/runtime/push.js';
import { SecretSession } from '../dist/formats/secrets.js';

/**
 * A repository with keyring "default" (fast scrypt) and COUNT envelopes under it.
 * @param {number} count
 */
async function setup(count) {
  const repo = tempRepo();
  const pass = writeSecret(join(repo, '..', `ops-${process.pid}-${Date.now()}.pw`), 'ops password\n');
  const init = await runVault(['init', '--password-file', pass, '--work-factor', '10'], { cwd: repo });
  assert.is(init.code, 0, init.stderr);
  const files = [];
  for (let i = 0; i < count; i++) {
    files.push(`app-${i}.yml`);
    writeFileSync(join(repo, files[i]), `secret_${i}: value\n`);
  }
  if (count > 0) assert.is((await runVault(['encrypt', ...files, '--password-file', pass], { cwd: repo })).code, 0);
  return { repo, pass, files };
}

/**
 * The context of one run in REPO, and the key context of its --password-file PASS (and --key-file KEYS).
 * @param {string} repo
 * @param {string | undefined} pass
 * @param {string[]} [keyFile]
 */
function contexts(repo, pass, keyFile = []) {
  const io = testContext({ cwd: repo, env: cleanEnv() });
  return { io, keys: createKeyContext({ passwordFile: pass, keyFile, vaultId: [], vaultPasswordFile: [], identity: [], kms: false }, io) };
}

test('rotation: the report lists what was re-encrypted, damaged, left over, and feeds the progress display', async () => {
  const s = await setup(3);
  writeFileSync(join(s.repo, 'damaged.yml'), '$VAULTFILE;1;AES256\n!!!!\n');
  writeFileSync(join(s.repo, '.app-0.yml.vaultfile-0a1b2c3d4e5f.tmp'), 'secret_0: value\n');
  const { io, keys } = contexts(s.repo, s.pass);
  /** @type {string[]} */
  const ticks = [];
  const report = await rotateRepoKeyring(
    { keyring: 'default', keys, dropUnopened: false, progress: ({ total }) => ({ file: (path) => void ticks.push(`${path}/${total}`), done() {} }) },
    io,
  );
  assert.equal(report.reencrypted.sort(), s.files);
  assert.equal(ticks.sort(), s.files.map((file) => `${file}/3`));
  assert.equal(report.alreadyCurrent, []);
  assert.equal(report.damaged, ['damaged.yml']);
  assert.equal(report.leftovers, ['.app-0.yml.vaultfile-0a1b2c3d4e5f.tmp']);
  assert.equal(report.failed, []);
  assert.equal(report.dropped, []);
  assert.is(report.resumed, false);
  assert.is(report.finished, true);
  assert.is(report.storedKeysRefreshed, true, 'init stored the key for the filters: rotate gives them the new one');
  assert.is(report.dataKeyId, Buffer.from((await readRepoKeyring('default', s.repo)).keyring.dataKeyId).toString('hex'));
});

test('rotation: a failed file leaves the rotation unfinished; the rerun resumes and skips what is done', async () => {
  const s = await setup(2);
  const stranger = await setup(1);
  writeFileSync(join(s.repo, 'foreign.yml'), readFileSync(join(stranger.repo, stranger.files[0])));
  const first = await rotateRepoKeyring({ keyring: 'default', ...contexts(s.repo, s.pass), dropUnopened: false }, contexts(s.repo, s.pass).io);
  assert.is(first.finished, false);
  assert.equal(first.failed.map(({ path }) => path), ['foreign.yml']);
  assert.ok(first.failed[0].error instanceof VaultError);
  assert.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')), 'the marker stays');
  writeFileSync(join(s.repo, 'foreign.yml'), 'now: plaintext\n');
  const { io, keys } = contexts(s.repo, s.pass);
  const second = await rotateRepoKeyring({ keyring: 'default', keys, dropUnopened: false }, io);
  assert.is(second.resumed, true);
  assert.is(second.dataKeyId, first.dataKeyId, 'the same new key');
  assert.equal(second.reencrypted, []);
  assert.equal(second.alreadyCurrent.sort(), s.files);
  assert.is(second.finished, true);
  assert.not.ok(existsSync(join(s.repo, '.vaultfile/default.rotating')));
});

test('keys: add reports each entry with its label and origin; remove reports the keyring left', async () => {
  const s = await setup(0);
  const key = join(s.repo, '..', `ci-${process.pid}-${Date.now()}.key`);
  assert.is((await runVault(['keygen', key], { cwd: s.repo })).code, 0);
  const { keys } = contexts(s.repo, s.pass, [key]);
  const added = await addKeyringEntries(await readRepoKeyring('default', s.repo), {
    keys, recipients: [], newCredentials: [], params: () => DEFAULT_SCRYPT,
  });
  // The password opens the keyring; the key file it does not know is the one added, numbered after it.
  assert.equal(added.added, [{ kind: 'key-file', label: 'key-file-2', origin: `--key-file ${JSON.stringify(key)}` }]);
  assert.equal((await readRepoKeyring('default', s.repo)).keyring.entries.map((e) => e.label), ['password', 'key-file-2']);
  const removed = await removeKeyringEntry('default', 'password', contexts(s.repo, undefined, [key]).keys, s.repo);
  assert.is(removed.removed, 'password');
  assert.equal(removed.remaining.entries.map((e) => e.label), ['key-file-2']);
  const before = readFileSync(removed.path);
  try {
    await removeKeyringEntry('default', 'key-file-2', contexts(s.repo, undefined, [key]).keys, s.repo);
    assert.unreachable('the last entry is refused');
  } catch (error) {
    assert.instance(error, UsageError, String(error));
  }
  assert.equal(readFileSync(removed.path), before, 'nothing written');
});

test('git setup: the report names the keyrings the filters have no key for', async () => {
  const s = await setup(0);
  const dirs = findGitDirs(s.repo, cleanEnv());
  if (!dirs) throw new Error('a git repository');
  const repo = { root: s.repo, top: s.repo, dirs };
  const first = await setUpGit(repo, process.execPath);
  assert.equal(first.locked, [], 'init stored the key');
  assert.is(first.attributesChanged, true);
  assert.is(first.hook.written, true);
  removeStoredKeys(dirs.commonDir, 'default');
  const second = await setUpGit(repo, process.execPath);
  assert.equal(second.locked, ['default']);
  assert.is(second.attributesChanged, false);
  assert.equal(second.hook, { path: first.hook.path, written: false, reason: 'already installed' });
});

test('check --staged: policy problems and staged hazards are reported apart, the verdict left to the command', async () => {
  const s = await setup(0);
  mkdirSync(join(s.repo, 'deploy/vars'), { recursive: true });
  writeFileSync(join(s.repo, 'deploy/vars/prod.yml'), 'db_password: s3cret\n');
  assert.is((await runVault(['keygen', 'ci.key'], { cwd: s.repo })).code, 0);
  git(s.repo, ['add', '-A']);
  const report = await checkRepository(await openRepoContext(s.repo, cleanEnv()), true);
  assert.is(report.staged, true);
  assert.is(report.files, 1);
  assert.equal(report.problems.map(({ path }) => path), ['deploy/vars/prod.yml']);
  assert.equal(report.hazards.map(({ path }) => path), ['ci.key']);
  assert.is(report.brokenDriver, null);
});

test('migrate: one result per file, a failure among them; the rerun finds the converted file done', async () => {
  const s = await setup(0);
  const ansible = join(FIXTURES, 'ansible');
  const files = [join(s.repo, 'a.yml'), join(s.repo, 'b.yml'), join(s.repo, 'c.yml')];
  copyFileSync(join(ansible, 'v11-simple.vault'), files[0]);
  copyFileSync(join(ansible, 'v12-prod.vault'), files[1]);
  writeFileSync(files[2], 'plain: 1\n');
  const ids = { default: join(ansible, 'pw-default.txt'), prod: join(ansible, 'pw-prod.txt') };
  /** @param {string[]} vaultId */
  const migrate = (vaultId) => {
    const io = testContext({ cwd: s.repo, env: cleanEnv() });
    const keys = createKeyContext({ passwordFile: s.pass, keyFile: [], vaultId, vaultPasswordFile: [], identity: [], kms: false }, io);
    return migrateFiles({ paths: files, to: 'vaultfile', session: new SecretSession(keys) }, io);
  };
  const first = await migrate([ids.default]);
  assert.equal(first.results.map(({ outcome }) => outcome), ['migrated', 'failed', 'skipped']);
  const failed = first.results[1];
  assert.ok(failed.outcome === 'failed' && failed.error instanceof VaultError, 'the failure carries its typed error');
  assert.equal(first.counts, { migrated: 1, 'done already': 0, skipped: 1, failed: 1 });
  const second = await migrate([ids.default, `prod@${ids.prod}`]);
  assert.equal(second.results.map(({ outcome }) => outcome), ['done already', 'migrated', 'skipped']);
});

test('push: the reference files are reported written, or with --dry-run left unwritten', async () => {
  const dir = join(tempRepo(), 'out');
  mkdirSync(dir);
  const files = { ecsSecrets: join(dir, 'secrets.json'), procWrapper: join(dir, 'env.yml') };
  /** @type {import('../dist/runtime/push.js').PushReport} */
  const report = {
    target: { kind: 'ssm', prefix: '/prod/app/', text: 'ssm:///prod/app/' },
    changes: [{ name: 'DB_PASSWORD', change: 'added' }],
    wrote: true,
    references: [{ name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:eu-west-1:111122223333:parameter/prod/app/DB_PASSWORD', location: 'ssm:///prod/app/DB_PASSWORD' }],
  };
  assert.equal(await writeReferenceFiles(report, files, true), { written: [], skipped: [files.ecsSecrets, files.procWrapper] });
  assert.not.ok(existsSync(files.ecsSecrets) || existsSync(files.procWrapper), 'a dry run writes nothing');
  assert.equal(await writeReferenceFiles(report, files, false), { written: [files.ecsSecrets, files.procWrapper], skipped: [] });
  assert.equal(JSON.parse(readFileSync(files.ecsSecrets, 'utf8')), [{ name: 'DB_PASSWORD', valueFrom: report.references[0].valueFrom }]);
  assert.match(readFileSync(files.procWrapper, 'utf8'), /^DB_PASSWORD_FOR_PROC_WRAPPER_TO_RESOLVE: ssm:\/\/\/prod\/app\/DB_PASSWORD$/m);
});

test('environment: with --allow-unresolved the unset variables are warnings of the result, in order', async () => {
  const dir = join(tempRepo(), 'env');
  mkdirSync(dir);
  const file = join(dir, 'app.env');
  writeFileSync(file, 'A=1\nB_FOR_VAULT_TO_RESOLVE=ENV:NOT_SET_ANYWHERE\n');
  const options = {
    files: [file], ssmPaths: [], overload: false, pristine: true, keepPath: false, resolve: true,
    allowUnresolved: true, keepKeySources: false, allowedVariables: [],
  };
  const built = await buildEnvironment({}, options);
  assert.equal([...built.env], [['A', '1']]);
  assert.equal(built.warnings, ['warning: B: cannot resolve "ENV:NOT_SET_ANYWHERE" (VariableNotSet NOT_SET_ANYWHERE); left unset (--allow-unresolved)']);
  try {
    await buildEnvironment({}, { ...options, allowUnresolved: false });
    assert.unreachable('fails closed');
  } catch (error) {
    assert.instance(error, UnresolvedReferencesError);
    assert.equal(/** @type {UnresolvedReferencesError} */ (error).unresolved, ['B: cannot resolve "ENV:NOT_SET_ANYWHERE" (VariableNotSet NOT_SET_ANYWHERE)']);
  }
});

test.run();
