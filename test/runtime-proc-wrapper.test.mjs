// vault exec against CloudReactor proc_wrapper's resolver: every row of test/proc-wrapper-table.mjs
// (input -> what proc_wrapper set, recorded from a run of proc_wrapper itself) replayed through the
// built CLI, the real SDK clients (SSM, Secrets Manager, S3, AppConfigData) and the loopback fake.
// A row gives the same value, or the difference it documents (`vault`, `why`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, removeDir, tempDir } from './helpers.mjs';
import { startFakeAws } from './aws-fake-server.mjs';
import { runAsync, runtimeEnv } from './runtime-support.mjs';
import { BASE_ENV, DATA, FILES, ROWS, SM_ARN } from './proc-wrapper-table.mjs';

const dir = tempDir('vaultfile-proc-wrapper-');
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
const aws = await startFakeAws(/** @type {any} */ ({ ...DATA, parameters: { ...DATA.parameters, '/pw/envfile': 'X=from-ssm\nY="two words"\n', '/pw/yamlfile': 'nested:\n  deep: [1, 2]\nZ: zed\n' } }));
const locationOf = (/** @type {string} */ text) => text.replaceAll('{DIR}', dir);
const PRINT_VALUES = 'process.stdout.write(JSON.stringify(Object.fromEntries(process.argv.slice(1).map((n) => [n, process.env[n] ?? null]))))';

/** What vault must do for ROW: proc_wrapper's outcome unless the row documents a difference. */
const expectedOf = (/** @type {import('./proc-wrapper-table.mjs').Row} */ row) => row.vault ?? row.procWrapper;

/** Rows in batches whose target names do not collide, so one vault exec checks many rows. */
function batches(/** @type {import('./proc-wrapper-table.mjs').Row[]} */ rows) {
  /** @type {import('./proc-wrapper-table.mjs').Row[][]} */
  const out = [];
  for (const row of rows) {
    const name = /** @type {any} */ (expectedOf(row)).name;
    const batch = out.find((b) => !b.some((other) => /** @type {any} */ (expectedOf(other)).name === name));
    if (batch) batch.push(row);
    else out.push([row]);
  }
  return out;
}

test('the table covers every location type, transform, format and encoding rule of the issue', () => {
  const locations = ROWS.map((row) => row.location).join('\n');
  for (const needle of ['ENV:', 'PLAIN:', 'file://', '{DIR}/', 'arn:aws:s3:::', '#v1', 'aws:appconfig:', '|SELF', '!yaml', '!json', '[*]', '$..', 'ssm:', 'arn:aws:ssm:', 'AWS_SM:']) {
    assert.ok(locations.includes(needle), needle);
  }
  assert.ok(ROWS.some((row) => row.variable.startsWith('AWS_SM_')), 'a legacy name');
  for (const row of ROWS) if (row.vault) assert.ok(row.why, `${row.variable}: a difference says why`);
  // docs/runtime.md shows the same table: every row, and every difference with its reason.
  const docs = readFileSync(join(ROOT, 'docs', 'runtime.md'), 'utf8');
  for (const row of ROWS) {
    const name = row.variable.replace('_FOR_PROC_WRAPPER_TO_RESOLVE', '');
    assert.ok(docs.includes(`| \`${name}\` |`), `${name} in docs/runtime.md`);
    if (row.why) assert.ok(docs.includes(row.why.replaceAll('|', '\\|')), `${name}: its reason in docs/runtime.md`);
  }
});

test('rows proc_wrapper resolves: vault exec sets the same name to the same bytes', async () => {
  const resolved = ROWS.filter((row) => 'name' in expectedOf(row));
  assert.ok(resolved.length >= 40);
  for (const batch of batches(resolved)) {
    const refs = Object.fromEntries(batch.map((row) => [row.variable, locationOf(row.location)]));
    const names = batch.map((row) => /** @type {any} */ (expectedOf(row)).name);
    const result = await runAsync(['exec', '--', process.execPath, '-e', PRINT_VALUES, ...names], { env: runtimeEnv({ ...aws.env, ...BASE_ENV, ...refs }) });
    assert.is(result.stderr, '');
    assert.is(result.code, 0);
    const got = JSON.parse(result.stdout);
    for (const row of batch) {
      const { name, value } = /** @type {any} */ (expectedOf(row));
      assert.is(got[name], value.replaceAll('${SM_ARN}', SM_ARN), `${row.variable}=${row.location}`);
    }
  }
});

test('rows proc_wrapper cannot resolve: vault names the variable and runs nothing', async () => {
  for (const row of ROWS.filter((r) => 'failed' in expectedOf(r) || 'refused' in expectedOf(r))) {
    const refs = { [row.variable]: locationOf(row.location) };
    const result = await runAsync(['exec', '--', process.execPath, '-e', 'console.log("ran")'], { env: runtimeEnv({ ...aws.env, ...BASE_ENV, ...refs }) });
    assert.is(result.stdout, '', row.variable);
    if ('refused' in expectedOf(row)) {
      assert.is(result.code, 3);
      assert.match(result.stderr, new RegExp(`^vault: ${row.variable}: cannot read the reference `));
    } else {
      assert.is(result.code, 1, `${row.variable}: ${result.stderr}`);
      assert.match(result.stderr, /\nvault: a reference could not be resolved; nothing was run;/);
    }
  }
});

test('-f reads remote env files as proc_wrapper\'s --env does: S3, Secrets Manager, SSM, AppConfig; format by name, type or content', async () => {
  const files = ['s3://bucket/app.env', 'arn:aws:s3:::bucket/conf.data', SM_ARN, 'ssm:///pw/envfile', 'ssm:///pw/yamlfile', 'aws:appconfig:app/prod/profile', 's3://bucket/app.env#v1'];
  const args = files.flatMap((file) => ['-f', file]);
  const result = await runAsync(['export', '--format', 'json', ...args], { env: runtimeEnv(aws.env) });
  assert.is(result.stderr, '');
  const got = JSON.parse(result.stdout);
  assert.equal(got, {
    A: 'version-one',
    B: 'two words',
    K: 'typed by content-type',
    HOST: 'db.internal',
    PORT: '5432',
    BIG: '12345678901234567890',
    FLAG: 'true',
    RATIO: '1.5',
    TINY: '0.00001',
    LIST: '["r1","r2"]',
    NESTED: '{"deep":[1,2]}',
    NOTHING: '',
    USER_NAME: 'app',
    X: 'from-ssm',
    Y: 'two words',
    Z: 'zed',
    FEATURE: '{"enabled":false,"level":3}',
  });
  const missing = await runAsync(['exec', '-f', 's3://bucket/nope.env', '--', 'true'], { env: runtimeEnv(aws.env) });
  assert.is(missing.code, 1);
  assert.is(missing.stderr, 'vault: -f "s3://bucket/nope.env": cannot read it (NoSuchKey); nothing was run; check the location, region and IAM permissions\n');
  const selector = await runAsync(['exec', '-f', `${SM_ARN}|JP:$.host`, '--', 'true'], { env: runtimeEnv(aws.env) });
  assert.is(selector.code, 3);
  assert.match(selector.stderr, /a file location takes no \|JP: or \|SELF; remove it\n$/);
});

test.after(async () => {
  await aws.close();
  removeDir(dir);
});
test.run();
