// End-to-end: a 100 MB file streams through encrypt and decrypt with bounded memory, and a
// truncated large envelope never replaces the target.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, cleanEnv, runVault, tempDir, removeDir } from './helpers.mjs';

const RSS = join(ROOT, 'test', 'support', 'report-rss.mjs');
const SIZE = 100 * 1024 * 1024;

/** Run the CLI with the RSS reporter; returns exit code, stderr and peak RSS in MiB. */
/**
 * @param {string[]} args
 * @param {string} cwd
 */
function runMeasured(args, cwd) {
  const result = spawnSync(process.execPath, ['--import', RSS, CLI, ...args], { cwd, env: cleanEnv(), encoding: 'utf8' });
  const kib = Number(/vaultfile-max-rss-kib=(\d+)/.exec(result.stderr)?.[1] ?? NaN);
  return { code: result.status, stderr: result.stderr, rssMiB: kib / 1024 };
}

/** @param {string} path */
function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('100 MB encrypt and decrypt stream with bounded RSS, byte-exact', async () => {
  const dir = tempDir();
  try {
    const key = join(dir, 'k.key');
    assert.is((await runVault(['keygen', key])).code, 0);
    const file = join(dir, 'big.bin');
    const fd = openSync(file, 'w');
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < 100; i++) {
      block.fill(i);
      block.writeUInt32BE(i * 2654435761 >>> 0, 17);
      writeSync(fd, block);
    }
    closeSync(fd);
    const digest = sha256File(file);

    const enc = runMeasured(['encrypt', file, '--key-file', key], dir);
    assert.is(enc.code, 0, enc.stderr);
    assert.ok(statSync(file).size > SIZE * 4 / 3, 'armoured');
    assert.ok(enc.rssMiB < 200, `encrypt peak RSS ${enc.rssMiB} MiB`);

    const dec = runMeasured(['decrypt', file, '--key-file', key], dir);
    assert.is(dec.code, 0, dec.stderr);
    assert.ok(dec.rssMiB < 200, `decrypt peak RSS ${dec.rssMiB} MiB`);
    assert.is(sha256File(file), digest);

    // A truncated large envelope fails and the target is untouched; no temp file remains.
    assert.is((await runVault(['encrypt', file, '--key-file', key])).code, 0);
    truncateSync(file, statSync(file).size - 5000);
    const truncatedDigest = sha256File(file);
    const bad = await runVault(['decrypt', file, '--key-file', key], { cwd: dir });
    assert.is(bad.code, 3, bad.stderr);
    assert.is(sha256File(file), truncatedDigest);
    assert.equal(readdirSync(dir).sort(), ['big.bin', 'k.key']);
  } finally {
    removeDir(dir);
  }
});

test.run();
