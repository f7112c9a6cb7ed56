// Runs every test/*.test.mjs file with uvu, one file per process so that a crash stays local,
// and prints the closing line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.test.mjs'))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  .sort();

let passed = 0;
let failed = 0;
for (const name of files) {
  const result = spawnSync(process.execPath, [join(here, name)], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const total = /Total:\s+(\d+)/.exec(output);
  const ok = /Passed:\s+(\d+)/.exec(output);
  const fileTotal = total ? Number(total[1]) : 0;
  const filePassed = ok ? Number(ok[1]) : 0;
  const crashed = result.status !== 0 && fileTotal === filePassed;
  passed += filePassed;
  failed += fileTotal - filePassed + (crashed || fileTotal === 0 ? 1 : 0);
  const status = result.status === 0 && fileTotal > 0 ? 'ok  ' : 'FAIL';
  process.stdout.write(`${status} ${name} (${filePassed}/${fileTotal})\n`);
  if (status === 'FAIL') process.stdout.write(output.replace(/^/gm, '    ') + '\n');
  // A file that skips (a peer tool missing) says so loudly; keep that visible in the summary.
  else for (const line of output.split('\n').filter((l) => /SKIPPED/.test(l))) process.stdout.write(`    ${line.trim()}\n`);
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
