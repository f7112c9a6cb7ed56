// Unit tests of the git modules that need no git process: attribute generation from the policy,
// the key store format and location, git dir discovery, shell quoting, conflict detection, and
// the filter's decisions on keys that are missing, rotated or of another keyring.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  attributesBlock,
  attributesUpToDate,
  expandBraces,
  mergeAttributes,
  toGitPatterns,
  BLOCK_BEGIN,
  BLOCK_END,
} from '../dist/git/attributes.js';
import {
  assertKeyringName,
  findGitDirs,
  keyFilePath,
  listStoredKeyrings,
  parseStoredKeys,
  readStoredKeys,
  removeStoredKeys,
  serializeStoredKeys,
  storeUnlockedKeyring,
  writeStoredKeys,
} from '../dist/repo/key-store.js';
import { Placement } from '../dist/repo/placement.js';
import { GitFilter, hasConflictMarkers } from '../dist/git/filter.js';
import { shellQuote, driverConfig } from '../dist/git/setup.js';
import { policyProblem, sideOf } from '../dist/git/policy-files.js';
import { addEntry, createKeyring, rotateKeyring, serializeKeyring } from '../dist/core/keyring.js';
import { KdfCache } from '../dist/core/kdf.js';
import { systemRandom } from '../dist/core/random.js';
import { FormatError } from '../dist/errors.js';
import { tempDir } from './helpers.mjs';

const enc = new TextEncoder();
const hex = (/** @type {Uint8Array} */ b) => Buffer.from(b).toString('hex');

test('expandBraces: alternatives, nesting, escapes and single options', () => {
  assert.equal(expandBraces('a/{b,c}.yml'), ['a/b.yml', 'a/c.yml']);
  assert.equal(expandBraces('{x,y{1,2}}/z'), ['x/z', 'y1/z', 'y2/z']);
  assert.equal(expandBraces('{a,b}/{c,d}'), ['a/c', 'a/d', 'b/c', 'b/d']);
  assert.equal(expandBraces('a\\{b,c}'), ['a\\{b,c}']);
  assert.equal(expandBraces('{only}.yml'), ['{only}.yml']);
  assert.equal(expandBraces('plain'), ['plain']);
});

test('toGitPatterns anchors slash-free globs and refuses what git cannot express', () => {
  assert.equal(toGitPatterns('*.env'), ['/*.env']);
  assert.equal(toGitPatterns('./deploy/vars/*.yml'), ['deploy/vars/*.yml']);
  assert.equal(toGitPatterns('**/.env.*'), ['**/.env.*']);
  assert.equal(toGitPatterns('secrets/'), ['secrets/**']);
  assert.equal(toGitPatterns('deploy/{prod,dev}.yml'), ['deploy/prod.yml', 'deploy/dev.yml']);
  assert.throws(() => toGitPatterns('!x'), /negation/);
  assert.throws(() => toGitPatterns('a/@(b|c)'), /extglob/);
  assert.throws(() => toGitPatterns('my file'), /white space/);
  try {
    toGitPatterns('!x');
  } catch (error) {
    assert.instance(error, FormatError);
    assert.match(/** @type {Error} */ (error).message, /rewrite the rule in \.vaultfile\/policy\.yml$/);
  }
});

test('attributes block: generated, merged into existing text, checked', () => {
  const policy = { rules: [{ path: 'a/*.yml', keyring: 'k' }, { path: 'a/*.yml', keyring: 'other' }, { path: '*.env', keyring: 'k' }] };
  const block = attributesBlock(policy);
  assert.is(
    block,
    `${BLOCK_BEGIN}\na/*.yml filter=vault diff=vault merge=vault -text\n/*.env filter=vault diff=vault merge=vault -text\n.gitattributes !filter !diff !merge\n.vaultfile/** !filter !diff !merge\n${BLOCK_END}\n`,
  );
  assert.is(mergeAttributes('', block), block);
  assert.is(mergeAttributes('*.png binary', block), `*.png binary\n\n${block}`);
  const existing = `*.png binary\n${block}*.sh text\n`;
  assert.ok(attributesUpToDate(existing, block));
  const changed = attributesBlock({ rules: [{ path: 'b/**', keyring: 'k' }] });
  assert.not.ok(attributesUpToDate(existing, changed));
  assert.is(mergeAttributes(existing, changed), `*.png binary\n${changed}*.sh text\n`);
  // A block without its end marker, or a marker not at a line start, is not ours: append.
  assert.not.ok(attributesUpToDate(BLOCK_BEGIN + '\n', block));
  assert.not.ok(attributesUpToDate(`x ${block}`, block));
  const unterminated = block.slice(0, -1);
  assert.ok(attributesUpToDate(unterminated, block), 'missing final newline still matches');
  assert.is(mergeAttributes(unterminated, changed), changed);
});

test('key store: serialize/parse round trip, every malformed line refused', () => {
  const current = systemRandom(32);
  const old = systemRandom(32);
  const stored = { keyring: 'prod', currentId: 'aa'.repeat(16), keys: new Map([['bb'.repeat(16), old], ['aa'.repeat(16), current]]) };
  const text = serializeStoredKeys(stored);
  assert.match(text, /^# vaultfile data keys/);
  assert.match(text, /^current a{32} /m);
  assert.match(text, /^previous b{32} /m);
  const parsed = parseStoredKeys(text, 'k');
  assert.is(parsed.keyring, 'prod');
  assert.is(parsed.currentId, 'aa'.repeat(16));
  assert.equal([...parsed.keys.keys()].sort(), ['aa'.repeat(16), 'bb'.repeat(16)]);
  assert.ok(Buffer.from(/** @type {Uint8Array} */ (parsed.keys.get('bb'.repeat(16)))).equals(Buffer.from(old)));
  const key = Buffer.from(current).toString('base64');
  const bad = [
    ['keyring prod\n', /incomplete/],
    [`keyring ../x\ncurrent aa ${key}\n`, /bad keyring name/],
    [`keyring p\ncurrent zz ${key}\n`, /bad key line/],
    [`keyring p\ncurrent aa ${key.slice(4)}\n`, /bad key line/],
    [`keyring p\ncurrent aa ${key}\ncurrent bb ${key}\n`, /two current keys/],
    [`keyring p\ncurrent aa ${key}\nprevious aa ${key}\n`, /duplicate key id/],
    [`keyring p\ncurrent aa ${key}\nsomething else\n`, /unexpected line/],
  ];
  for (const [input, message] of bad) {
    assert.throws(() => parseStoredKeys(/** @type {string} */ (input), 'k.key'), /** @type {RegExp} */ (message));
  }
  assert.throws(() => parseStoredKeys('keyring p\n', 'k.key'), /run "vault lock" then "vault unlock"/);
  assert.throws(() => serializeStoredKeys({ keyring: 'p', currentId: 'cc', keys: new Map() }), /lack their current key/);
  assert.throws(() => assertKeyringName('../etc'), /invalid keyring name/);
  assert.throws(() => assertKeyringName('a..b'), /invalid keyring name/);
});

test('key store files: 0600 in 0700 directories, listed, removed', () => {
  const common = tempDir();
  const key = systemRandom(32);
  const path = writeStoredKeys(common, { keyring: 'dev', currentId: 'ab'.repeat(16), keys: new Map([['ab'.repeat(16), key]]) });
  assert.is(path, keyFilePath(common, 'dev'));
  assert.is(statSync(path).mode & 0o777, 0o600);
  assert.is(statSync(join(common, 'vaultfile')).mode & 0o777, 0o700);
  writeStoredKeys(common, { keyring: 'prod', currentId: 'cd'.repeat(16), keys: new Map([['cd'.repeat(16), key]]) });
  writeFileSync(join(common, 'vaultfile/keys/README'), 'not a key');
  assert.equal(listStoredKeyrings(common), ['dev', 'prod']);
  assert.is(readStoredKeys(common, 'dev')?.currentId, 'ab'.repeat(16));
  assert.is(readStoredKeys(common, 'none'), null);
  writeFileSync(keyFilePath(common, 'none'), readFileSync(path));
  assert.throws(() => readStoredKeys(common, 'none'), /holds keys of another keyring/);
  assert.equal(removeStoredKeys(common, 'dev'), ['dev']);
  assert.equal(removeStoredKeys(common, 'dev'), []);
  assert.equal(removeStoredKeys(common).sort(), ['none', 'prod']);
  assert.equal(listStoredKeyrings(common), []);
  assert.equal(listStoredKeyrings(join(common, 'missing')), []);
});

test('findGitDirs: GIT_DIR, a .git directory, a worktree .git file with commondir, none', () => {
  const root = tempDir();
  mkdirSync(join(root, 'repo/.git'), { recursive: true });
  mkdirSync(join(root, 'repo/sub/deeper'), { recursive: true });
  assert.equal(findGitDirs(join(root, 'repo/sub/deeper'), {}), { gitDir: join(root, 'repo/.git'), commonDir: join(root, 'repo/.git') });
  mkdirSync(join(root, 'repo/.git/worktrees/wt'), { recursive: true });
  writeFileSync(join(root, 'repo/.git/worktrees/wt/commondir'), '../..\n');
  mkdirSync(join(root, 'wt'));
  writeFileSync(join(root, 'wt/.git'), `gitdir: ${join(root, 'repo/.git/worktrees/wt')}\n`);
  assert.equal(findGitDirs(join(root, 'wt'), {}), { gitDir: join(root, 'repo/.git/worktrees/wt'), commonDir: join(root, 'repo/.git') });
  assert.equal(findGitDirs(root, { GIT_DIR: 'repo/.git' }), { gitDir: join(root, 'repo/.git'), commonDir: join(root, 'repo/.git') });
  assert.equal(findGitDirs(root, { GIT_DIR: 'x', GIT_COMMON_DIR: '/abs/common' }), { gitDir: join(root, 'x'), commonDir: '/abs/common' });
  writeFileSync(join(root, 'wt/.git'), 'garbage\n');
  assert.throws(() => findGitDirs(join(root, 'wt'), {}), /not a valid \.git file; run "git worktree repair"/);
  assert.is(findGitDirs('/', {}), null);
});

test('shellQuote and the driver commands', () => {
  assert.is(shellQuote('/usr/bin/node'), '/usr/bin/node');
  assert.is(shellQuote("/opt/my app/it's"), `'/opt/my app/it'\\''s'`);
  const config = Object.fromEntries(driverConfig("'n' 'c'"));
  assert.is(config['filter.vault.process'], "'n' 'c' filter-process");
  assert.is(config['filter.vault.clean'], "'n' 'c' clean -- %f");
  assert.is(config['merge.vault.driver'], "'n' 'c' merge %O %A %B %L %P");
  assert.is(config['filter.vault.required'], 'true');
});

test('the driver commands check their programs first; quoting and the arguments git appends survive', () => {
  const dir = tempDir();
  const script = join(dir, "it's a script.mjs");
  writeFileSync(script, 'console.log(JSON.stringify(process.argv.slice(2)));\n');
  /** @param {string} program @param {string} key */
  const runAsGit = (program, key) => {
    const command = Object.fromEntries(driverConfig(`${shellQuote(process.execPath)} ${shellQuote(program)}`))[key];
    // As git runs a command with arguments: sh -c 'COMMAND "$@"' COMMAND ARG...
    return spawnSync('sh', ['-c', `${command} "$@"`, command, 'a file'], { encoding: 'utf8' });
  };
  const ran = runAsGit(script, 'diff.vault.textconv');
  assert.is(ran.status, 0, ran.stderr);
  assert.equal(JSON.parse(ran.stdout), ['textconv', 'a file']);
  const gone = runAsGit(join(dir, 'gone', 'git-filter.js'), 'diff.vault.textconv');
  assert.is(gone.status, 6);
  assert.is(gone.stdout, '');
  assert.is(gone.stderr, `vault: the git filter's program "${join(dir, 'gone', 'git-filter.js')}" is gone (moved or upgraded installation); run "vault git setup" again\n`);
});

test('hasConflictMarkers needs both an opening and a closing marker at line starts', () => {
  assert.ok(hasConflictMarkers(enc.encode('<<<<<<< ours\na\n=======\nb\n>>>>>>> theirs\n')));
  assert.not.ok(hasConflictMarkers(enc.encode('<<<<<<< only\n')));
  assert.not.ok(hasConflictMarkers(enc.encode('x <<<<<<< a\nx >>>>>>> b\n')));
});

test('policyProblem and sideOf classify index and work tree states', () => {
  assert.equal(sideOf(undefined, 'x'), { kind: 'absent' });
  assert.equal(sideOf(enc.encode('plain'), 'x'), { kind: 'plaintext' });
  assert.equal(sideOf(enc.encode('$VAULTFILE;1;AES256\n!!!\n'), 'x'), { kind: 'damaged' });
  const base = { path: 'p', keyring: 'k', filtered: true, key: true };
  /** @param {any} index @param {any} tree @param {boolean} [configured] @param {any} [extra] */
  const problem = (index, tree, configured = true, extra = {}) => policyProblem({ ...base, ...extra, index, tree }, configured);
  assert.is(problem({ kind: 'absent' }, { kind: 'absent' }), null);
  assert.is(problem({ kind: 'plaintext' }, { kind: 'plaintext' }), 'staged as plaintext');
  assert.is(problem({ kind: 'damaged' }, { kind: 'plaintext' }), 'staged as a damaged envelope');
  assert.is(problem({ kind: 'absent' }, { kind: 'plaintext' }), null, 'the filter will encrypt it');
  assert.is(problem({ kind: 'absent' }, { kind: 'plaintext' }, false), 'in the work tree as plaintext');
  assert.is(problem({ kind: 'absent' }, { kind: 'plaintext' }, true, { filtered: false }), 'in the work tree as plaintext');
  assert.is(problem({ kind: 'encrypted', keyring: 'k' }, { kind: 'plaintext' }), null);
  assert.is(problem({ kind: 'encrypted', keyring: null }, { kind: 'plaintext' }), 'staged encrypted for keyring "inline" but the policy says "k"');
  assert.is(problem({ kind: 'encrypted', keyring: 'x' }, { kind: 'plaintext' }, true, { keyring: null }), null);
});

/** A work tree with a policy and keyrings made by the real core; returns the unlocked keyrings. */
async function filterTree(/** @type {string[]} */ names) {
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, '.vaultfile/keyrings'), { recursive: true });
  const rules = names.map((name) => `  - path: "${name}/**"\n    keyring: ${name}`).join('\n');
  writeFileSync(join(dir, '.vaultfile/policy.yml'), `rules:\n${rules}\n`);
  /** @type {Record<string, any>} */
  const unlocked = {};
  /** @type {Record<string, any>} */
  const credentials = {};
  for (const name of names) {
    const key = systemRandom(32);
    const created = createKeyring(name, systemRandom);
    credentials[name] = { kind: 'key-file', key, origin: 'k' };
    unlocked[name] = await addEntry(created, credentials[name], 'key-file', new KdfCache(), systemRandom);
    writeFileSync(join(dir, `.vaultfile/keyrings/${name}.keyring`), serializeKeyring(unlocked[name]));
  }
  return { dir, unlocked, credentials };
}

/** Store the keys of UNLOCKED in DIR's key store. @param {string} dir @param {any} unlocked */
function store(dir, unlocked) {
  const id = hex(unlocked.keyring.dataKeyId);
  const keys = new Map(unlocked.dataKeys);
  keys.set(id, unlocked.dataKey);
  writeStoredKeys(join(dir, '.git'), { keyring: unlocked.keyring.name, currentId: id, keys });
}

test('filter: locked keyring, keys of another keyring, inline envelopes, policy moves', async () => {
  const { dir, unlocked } = await filterTree(['dev', 'prod']);
  /** @type {string[]} */
  const warnings = [];
  store(dir, unlocked.dev);
  let filter = GitFilter.open(dir, {}, (line) => warnings.push(line));
  const devSealed = filter.clean('dev/a.yml', enc.encode('a: 1\n'));
  assert.throws(() => filter.clean('prod/a.yml', enc.encode('p: 1\n')), /no key for keyring "prod" in this clone, so it cannot be encrypted/);
  // Move dev/a.yml's envelope under prod/: never re-sealed silently, it passes through unchanged
  // (and "vault check" reports it); recorded as an explicit move, prod being locked, it cannot be.
  assert.ok(Buffer.from(filter.clean('prod/a.yml', devSealed)).equals(Buffer.from(devSealed)));
  new Placement(join(dir, '.git')).record('prod/a.yml', 'prod');
  new Placement(join(dir, '.git')).record('prod/b.yml', 'prod');
  filter = GitFilter.open(dir, {}, (line) => warnings.push(line));
  assert.throws(() => filter.clean('prod/a.yml', devSealed), /NoKey|cannot be encrypted/);
  store(dir, unlocked.prod);
  filter = GitFilter.open(dir, {}, (line) => warnings.push(line));
  const moved = filter.clean('prod/a.yml', devSealed);
  assert.is(Buffer.from(filter.smudge('prod/a.yml', moved)).toString(), 'a: 1\n');
  assert.is(Buffer.from(moved).toString(), Buffer.from(filter.clean('prod/a.yml', enc.encode('a: 1\n'))).toString());
  // An envelope of the other keyring whose key we lack cannot be moved.
  removeStoredKeys(join(dir, '.git'), 'dev');
  filter = GitFilter.open(dir, {}, (line) => warnings.push(line));
  assert.throws(() => filter.clean('prod/b.yml', devSealed), /sealed for keyring "dev" but the policy says "prod"; unlock both keyrings or fix the policy/);
  // Locked keyring: clean passes its envelopes through unchanged, smudge leaves them, one warning.
  assert.ok(Buffer.from(filter.clean('dev/a.yml', devSealed)).equals(Buffer.from(devSealed)));
  warnings.length = 0;
  filter.smudge('dev/a.yml', devSealed);
  filter.smudge('dev/b.yml', devSealed);
  assert.equal(warnings, [
    'warning: files of keyring "dev" stay encrypted: no key for keyring "dev" in this clone; run "vault unlock" (with --key-file or --password-file) in this clone',
  ]);
  assert.equal(filter.reveal('dev/a.yml', devSealed).opened, false);
  assert.throws(() => filter.keyringFor('elsewhere.txt'), /has filter=vault but matches no rule/);
});

test('filter: a rotated keyring re-seals old envelopes; a stale unlock refuses to seal', async () => {
  const { dir, unlocked, credentials } = await filterTree(['dev']);
  store(dir, unlocked.dev);
  const before = GitFilter.open(dir, {}, () => {});
  const oldSealed = before.clean('dev/a.yml', enc.encode('a: 1\n'));
  const rotated = (await rotateKeyring(unlocked.dev, [credentials.dev], new KdfCache(), systemRandom)).unlocked;
  writeFileSync(join(dir, '.vaultfile/keyrings/dev.keyring'), serializeKeyring(rotated));
  // The clone's stored keys predate the rotation: clean must not seal with the old key.
  const stale = GitFilter.open(dir, {}, () => {});
  assert.throws(() => stale.clean('dev/b.yml', enc.encode('b')), /has a new data key since this clone was unlocked/);
  assert.is(Buffer.from(stale.smudge('dev/a.yml', oldSealed)).toString(), 'a: 1\n');
  // After unlocking again: old envelopes open with the previous key and re-seal under the new one.
  store(dir, rotated);
  const fresh = GitFilter.open(dir, {}, () => {});
  const resealed = fresh.clean('dev/a.yml', oldSealed);
  assert.not.ok(Buffer.from(resealed).equals(Buffer.from(oldSealed)));
  assert.ok(Buffer.from(fresh.clean('dev/a.yml', enc.encode('a: 1\n'))).equals(Buffer.from(resealed)));
  // Without the keyring file (an old branch checked out), stored keys still open files.
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, '.vaultfile/keyrings/dev.keyring'));
  const noFile = GitFilter.open(dir, {}, () => {});
  assert.is(Buffer.from(noFile.smudge('dev/a.yml', resealed)).toString(), 'a: 1\n');
  assert.throws(() => noFile.clean('dev/c.yml', enc.encode('c')), /has a new data key/);
});

test('filter: no .vaultfile is refused; no .git means every keyring is locked', async () => {
  assert.throws(() => GitFilter.open(tempDir(), {}, () => {}), /no \.vaultfile\/ directory above/);
  const { dir } = await filterTree(['dev']);
  const { rmSync } = await import('node:fs');
  rmSync(join(dir, '.git'), { recursive: true });
  const filter = GitFilter.open(dir, {}, () => {});
  assert.is(filter.dirs, null);
  assert.throws(() => filter.clean('dev/x', enc.encode('x')), /no key for keyring "dev"/);
});

test('storeUnlockedKeyring writes the keys of an unlocked keyring inside git only', async () => {
  const { dir, unlocked } = await filterTree(['dev']);
  const path = storeUnlockedKeyring(join(dir, 'dev'), unlocked.dev, {});
  assert.is(path, keyFilePath(join(dir, '.git'), 'dev'));
  assert.is(readStoredKeys(join(dir, '.git'), 'dev')?.currentId, hex(unlocked.dev.keyring.dataKeyId));
  const filter = GitFilter.open(dir, {}, () => {});
  assert.ok(filter.clean('dev/x.yml', enc.encode('x')).length > 0);
  assert.is(storeUnlockedKeyring('/', unlocked.dev, {}), null);
});

test.run();
