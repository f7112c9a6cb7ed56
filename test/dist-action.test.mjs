// The GitHub Action (action.yml): its shell steps run here as the runner would run them — bash,
// the step's env with ${{ inputs.* }} filled in, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_ENV and
// GITHUB_OUTPUT files, the working directory — on a fresh clone whose secrets are ciphertext.
// The `uses:` step (AWS's OIDC credentials) is GitHub's own and is only checked for its pin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, cleanEnv, git, removeDir, runVaultBinary, tempDir, tempRepo } from './helpers.mjs';
import { MAGIC, packTarball } from './dist-support.mjs';

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
const work = tempDir('vaultfile-action-');
const prefix = join(work, 'prefix');

/** Fill ${{ inputs.NAME }} (and nothing else) the way the runner does. @param {string} text @param {Record<string,string>} inputs */
function expand(text, inputs) {
  return String(text).replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name) => inputs[name] ?? action.inputs[name]?.default ?? '');
}

/** Evaluate the two `if:` forms action.yml uses. @param {string | undefined} condition @param {Record<string,string>} inputs */
function enabled(condition, inputs) {
  if (condition === undefined) return true;
  const match = /^inputs\.([\w-]+) (==|!=) '(.*)'$/.exec(condition);
  assert.ok(match, `unsupported if: ${condition}`);
  const value = inputs[match[1]] ?? action.inputs[match[1]]?.default ?? '';
  return match[2] === '==' ? value === match[3] : value !== match[3];
}

/**
 * Run every enabled `run:` step of the action with INPUTS in the workspace DIR.
 * @param {string} dir @param {Record<string,string>} inputs
 */
function runAction(dir, inputs) {
  const temp = tempDir('vaultfile-runner-temp-');
  const files = { GITHUB_ENV: join(temp, 'env'), GITHUB_OUTPUT: join(temp, 'output') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const outputs = [];
  for (const step of action.runs.steps) {
    if (!enabled(step.if, inputs) || step.uses) continue;
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expand(value, inputs)]));
    const result = spawnSync(step.shell, ['-c', step.run], {
      cwd: join(dir, expand(step['working-directory'] ?? '.', inputs)),
      env: cleanEnv({
        ...env,
        ...files,
        GITHUB_ACTION_PATH: ROOT,
        RUNNER_TEMP: temp,
        npm_config_prefix: prefix,
        npm_config_update_notifier: 'false',
        PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
      }),
      encoding: 'utf8',
    });
    outputs.push(result);
    assert.is(result.status, 0, `step "${step.name}": ${result.stderr}`);
  }
  return { outputs, env: readFileSync(files.GITHUB_ENV, 'utf8'), output: readFileSync(files.GITHUB_OUTPUT, 'utf8'), temp };
}

test.after(() => removeDir(work));

test('action.yml is a composite action whose third-party step is pinned to a full commit SHA', () => {
  assert.is(action.runs.using, 'composite');
  for (const step of action.runs.steps) {
    if (step.uses) assert.match(step.uses, /^[\w-]+\/[\w-]+@[0-9a-f]{40}$/, step.uses);
    else assert.is(step.shell, 'bash');
  }
  for (const name of ['key-file', 'aws-role', 'version']) assert.ok(action.inputs[name], name);
});

test('install and unlock with key-file: a fresh clone gets plaintext, later steps get the key path only', () => {
  // The repository a workflow checks out: committed envelopes, no key in the clone.
  const origin = tempRepo();
  const keyFile = join(work, 'ci.key');
  assert.is(runVaultBinary(['keygen', keyFile]).code, 0);
  assert.is(runVaultBinary(['init', '--key-file', keyFile], { cwd: origin }).code, 0);
  assert.is(runVaultBinary(['git', 'setup'], { cwd: origin }).code, 0);
  assert.is(runVaultBinary(['unlock', keyFile], { cwd: origin }).code, 0);
  mkdirSync(join(origin, 'deploy/vars'), { recursive: true });
  writeFileSync(join(origin, 'deploy/vars/prod.yml'), 'db_password: s3cret\n');
  git(origin, ['add', '-A']);
  git(origin, ['commit', '-qm', 'secrets']);
  const workspace = join(work, 'workspace');
  git(work, ['clone', '-q', origin, workspace]);
  assert.ok(readFileSync(join(workspace, 'deploy/vars/prod.yml'), 'utf8').startsWith(`${MAGIC}\n`), 'the clone holds ciphertext');

  const key = readFileSync(keyFile, 'utf8').trim();
  const { tarball } = packTarball(work);
  const run = runAction(workspace, { version: tarball, 'key-file': key });
  assert.match(run.outputs[0]?.stdout ?? '', /^\d+\.\d+\.\d+\n$/, 'install prints the version');
  assert.is(readFileSync(join(workspace, 'deploy/vars/prod.yml'), 'utf8'), 'db_password: s3cret\n');

  const exported = /^VAULTFILE_KEY_FILE=(.+)$/m.exec(run.env)?.[1] ?? '';
  assert.ok(exported.startsWith(run.temp), run.env);
  assert.is(statSync(exported).mode & 0o777, 0o600);
  assert.match(run.output, new RegExp(`^key-file=${exported}$`, 'm'));
  for (const text of [run.env, run.output, ...run.outputs.flatMap((r) => [r.stdout, r.stderr])]) {
    assert.not.ok(text.includes(key), 'the key is never printed or exported');
  }
  // A later step: vault finds the key through VAULTFILE_KEY_FILE (here to read the committed envelope).
  writeFileSync(join(workspace, 'committed.yml'), git(workspace, ['cat-file', 'blob', 'HEAD:deploy/vars/prod.yml']));
  const view = spawnSync(join(prefix, 'bin', 'vaultfile'), ['view', 'committed.yml'], {
    cwd: workspace,
    env: cleanEnv({ VAULTFILE_KEY_FILE: exported }),
    encoding: 'utf8',
  });
  assert.is(view.stdout, 'db_password: s3cret\n', view.stderr);
});

test('unlock: false only installs; aws-role enables the OIDC step', () => {
  /** @type {Array<{id?: string, uses?: string, if?: string, with?: Record<string, string>}>} */
  const steps = action.runs.steps;
  assert.not.ok(enabled(steps.find((step) => step.id === 'unlock')?.if, { unlock: 'false' }));
  const aws = steps.find((step) => step.uses);
  assert.ok(aws?.with);
  assert.ok(enabled(aws?.if, { 'aws-role': 'arn:aws:iam::123456789012:role/ci' }));
  assert.not.ok(enabled(aws?.if, {}));
  assert.is(expand(aws?.with?.['role-to-assume'] ?? '', { 'aws-role': 'arn:aws:iam::123456789012:role/ci' }), 'arn:aws:iam::123456789012:role/ci');
});

test.run();
