// Disk full while an edit is written (issue 3): on a tiny tmpfs (mounted by the test when it runs
// as root) and with a file-size limit (EFBIG, works without root), the original survives byte for
// byte, no temporary file remains beside it and no plaintext copy remains in the temp root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanEnv, tempDir } from './helpers.mjs';
import { assertNoPlaintextLeft, editors, mtimeOf, script, vault } from './lifecycle-support.mjs';

const MARKER = 'MARKER-diskfull-90d1';

/** A key and a small encrypted `prod.yml` in DIR (made elsewhere, copied in). */
async function sealedFixture() {
  const work = tempDir();
  assert.is((await vault(['keygen', 'k.key'], work)).code, 0);
  writeFileSync(join(work, 'prod.yml'), `password: ${MARKER}\n`);
  assert.is((await vault(['encrypt', 'prod.yml', '--key-file', 'k.key'], work)).code, 0);
  return work;
}

/**
 * Mount a tmpfs of SIZE at a fresh directory; null when mounting is not allowed here.
 * @param {string} size
 */
function mountTmpfs(size) {
  const point = tempDir('vaultfile-tmpfs-');
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', point], { encoding: 'utf8' });
  if (result.status !== 0) {
    rmdirSync(point);
    return null;
  }
  return {
    point,
    unmount() {
      spawnSync('umount', [point]);
      rmdirSync(point);
    },
  };
}

/** An editor that appends a 60 KB YAML value: the new ciphertext needs about 82 KB. */
function bigEditor(/** @type {string} */ dir) {
  return script(join(dir, 'big.sh'), 'for f; do :; done\nprintf "big: " >> "$f"\nhead -c 60000 /dev/zero | tr "\\0" x >> "$f"\necho >> "$f"');
}

test('ENOSPC on a 64 KiB tmpfs while writing the edit: original intact, no temp file, exit 6', async () => {
  const fs = mountTmpfs('64k');
  if (!fs) {
    console.log('  SKIPPED: mount -t tmpfs not permitted here; ENOSPC on the encrypted file is covered by the EFBIG test below');
    return;
  }
  try {
    const work = await sealedFixture();
    copyFileSync(join(work, 'prod.yml'), join(fs.point, 'prod.yml'));
    const before = readFileSync(join(fs.point, 'prod.yml'));
    const mtime = mtimeOf(join(fs.point, 'prod.yml'));
    const temp = join(work, 'tmp');
    mkdirSync(temp);
    const result = await vault(['edit', join(fs.point, 'prod.yml'), '--key-file', join(work, 'k.key')], work, {
      EDITOR: bigEditor(work), VAULTFILE_TMPDIR: temp,
    });
    assert.is(result.code, 6, result.stderr);
    assert.is(result.stderr, `vault: ${JSON.stringify(join(fs.point, 'prod.yml'))}: no space left while writing; free some space and retry (the file is unchanged)\n`);
    assert.equal(readFileSync(join(fs.point, 'prod.yml')), before);
    assert.is(mtimeOf(join(fs.point, 'prod.yml')), mtime);
    assert.equal(readdirSync(fs.point), ['prod.yml'], 'no temporary file beside the original');
    assertNoPlaintextLeft(temp, MARKER);
    const view = await vault(['view', join(fs.point, 'prod.yml'), '--key-file', join(work, 'k.key')], work);
    assert.is(view.stdout, `password: ${MARKER}\n`, 'the original still decrypts');
  } finally {
    fs.unmount();
  }
});

test('ENOSPC while writing the private copy itself: nothing left in the temp root, exit 6', async () => {
  const fs = mountTmpfs('16k');
  if (!fs) {
    // Not a pass: say so, so a run without root does not count this case as exercised (CI runs as root).
    console.log('  SKIPPED: mount -t tmpfs not permitted here; ENOSPC while writing the private copy was not exercised');
    return;
  }
  try {
    const work = tempDir();
    assert.is((await vault(['keygen', 'k.key'], work)).code, 0);
    writeFileSync(join(work, 'big.yml'), `big: ${'y'.repeat(40000)}\n`);
    assert.is((await vault(['encrypt', 'big.yml', '--key-file', 'k.key'], work)).code, 0);
    const before = readFileSync(join(work, 'big.yml'));
    const result = await vault(['edit', 'big.yml', '--key-file', 'k.key'], work, { EDITOR: editors(work).append, VAULTFILE_TMPDIR: fs.point });
    assert.is(result.code, 6, result.stderr);
    assert.match(result.stderr, /^vault: cannot write the temporary copy in ".*": ENOSPC; free space or set VAULTFILE_TMPDIR\n$/);
    assert.equal(readdirSync(fs.point), []);
    assert.equal(readFileSync(join(work, 'big.yml')), before);
  } finally {
    fs.unmount();
  }
});

test('EFBIG from a file-size limit while writing the edit: original intact, no temp file', async () => {
  const work = await sealedFixture();
  const temp = join(work, 'tmp');
  mkdirSync(temp);
  const before = readFileSync(join(work, 'prod.yml'));
  // 140 blocks of 512 bytes: the 60 KB copy fits, the ~82 KB ciphertext does not. SIGXFSZ is
  // ignored so the write fails with EFBIG instead of killing the process.
  const result = spawnSync(
    '/bin/sh',
    ['-c', 'ulimit -f 140; trap "" XFSZ; exec "$0" "$@"', process.execPath, CLI, 'edit', 'prod.yml', '--key-file', 'k.key'],
    { cwd: work, env: cleanEnv({ EDITOR: bigEditor(work), VAULTFILE_TMPDIR: temp }), encoding: 'utf8' },
  );
  assert.is(result.status, 6, result.stderr);
  assert.is(result.stderr, 'vault: "prod.yml": no space left while writing; free some space and retry (the file is unchanged)\n');
  assert.equal(readFileSync(join(work, 'prod.yml')), before);
  assert.equal(readdirSync(work).filter((name) => name.includes('vaultfile') || name.startsWith('.')), []);
  assertNoPlaintextLeft(temp, MARKER);
});

test.run();
