// Shared setup for the git end-to-end tests: a temporary repository with keyrings opened by key
// files (no scrypt, so tests stay fast), the vault filter configured and the keys unlocked.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { cleanEnv, runVault, tempDir, tempRepo, git } from './helpers.mjs';
import { addEntry, createKeyring, serializeKeyring } from '../dist/core/keyring.js';
import { KdfCache } from '../dist/core/kdf.js';
import { serializeKeyFile } from '../dist/core/key-file.js';
import { systemRandom } from '../dist/core/random.js';
import { writeStoredKeys } from '../dist/repo/key-store.js';
import { setupRepository } from '../dist/git/setup.js';

export const MAGIC = '$VAULTFILE;1;AES256';

/**
 * Run vault in DIR and assert its exit code (0 unless told).
 * @param {string} dir
 * @param {string[]} args
 * @param {{code?: number, env?: Record<string,string>, input?: string}} [options]
 */
export async function vault(dir, args, options = {}) {
  const result = await runVault(args, { cwd: dir, env: options.env, input: options.input });
  assert.is(result.code, options.code ?? 0, `vault ${args.join(' ')}: ${result.stderr}`);
  return result;
}

/**
 * Run git and return the whole result, for commands expected to fail.
 * @param {string} dir
 * @param {string[]} args
 * @param {{env?: Record<string,string>}} [options]
 */
export function gitResult(dir, args, options = {}) {
  const result = spawnSync('git', args, { cwd: dir, env: cleanEnv(options.env), encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `git status --porcelain` output (empty when clean). @param {string} dir */
export function porcelain(dir) {
  return git(dir, ['status', '--porcelain']);
}

/** Write a file, creating its directories. @param {string} dir @param {string} path @param {string | Uint8Array} content */
export function put(dir, path, content) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** The blob git stores for PATH at REV, as text. @param {string} dir @param {string} spec */
export function blob(dir, spec) {
  return git(dir, ['cat-file', '-p', spec]);
}

/**
 * The quickstart layout's policy with the Ansible vars files in `format: ansible`: deploy/vars/*.yml
 * but common.yml sealed under KEYRING, deploy/files/.env.* but .env.example sealed in vaultfile's
 * format under the default keyring, or with `envFilesToo` in `format: ansible` under KEYRING as well.
 * @param {string} keyring
 * @param {{ envFilesToo?: boolean }} [options]
 */
export function ansibleQuickstartPolicy(keyring, options = {}) {
  const ansibleFields = `    keyring: ${keyring}\n    format: ansible\n`;
  return `version: 1
rules:
  - path: deploy/vars/*.yml
    exclude: [deploy/vars/common.yml]
${ansibleFields}  - path: deploy/files/.env.*
    exclude: [deploy/files/.env.example]
${options.envFilesToo ? ansibleFields : ''}`;
}

/**
 * A keyring NAME in DIR opened by a new key file (written to KEYFILE), made with the real core
 * in process: the same files `vault keygen` + `vault init` write, without two node start-ups.
 * @param {string} dir @param {string} name @param {string} keyFile
 */
async function makeKeyring(dir, name, keyFile) {
  const key = systemRandom(32);
  writeFileSync(keyFile, serializeKeyFile(key), { mode: 0o600 });
  const created = createKeyring(name, systemRandom);
  const unlocked = await addEntry(created, { kind: 'key-file', key, origin: keyFile }, 'key-file', new KdfCache(), systemRandom);
  put(dir, `.vaultfile/keyrings/${name}.keyring`, serializeKeyring(unlocked));
  return unlocked;
}

/**
 * @typedef {{keyrings?: string[], rules?: Array<{path: string, keyring: string}>, unlock?: boolean, cli?: boolean}} VaultRepoOptions
 * @typedef {{dir: string, keys: Record<string, string>, keyDir: string, setup: {stdout: string, stderr: string}}} VaultRepo
 */

/**
 * The repositories vaultRepo() built in this process, by options, kept untouched as templates:
 * the git setup and the first commit cost about a second each under load (the pre-commit hook
 * starts node), a copy a few milliseconds. Nothing in them names their own directory (the
 * driver and hook commands name the node binary and dist/), so a copy is a repository of its own;
 * the repositories of one test file share their data keys, which no test compares.
 * @type {Map<string, VaultRepo>}
 */
const templates = new Map();

/**
 * A repository with one key file per keyring, a policy (the given rules, or init's defaults),
 * the git setup and (unless `unlock: false`) the keys stored, committed. With `cli: true` it is
 * done with the CLI (`vault keygen`, `init`, `git setup`, `unlock`) every time, else in process
 * with the same modules once per test file and options, and copied (faster; the CLI paths have
 * their own tests).
 * @param {VaultRepoOptions} [options]
 * @returns {Promise<VaultRepo>}
 */
export async function vaultRepo(options = {}) {
  if (options.cli) return buildVaultRepo(options);
  const id = JSON.stringify(options);
  let template = templates.get(id);
  if (!template) {
    template = await buildVaultRepo(options);
    templates.set(id, template);
  }
  const dir = tempDir('vaultfile-repo-');
  cpSync(template.dir, dir, { recursive: true });
  const keyDir = tempDir('vaultfile-keys-');
  cpSync(template.keyDir, keyDir, { recursive: true });
  /** @type {Record<string, string>} */
  const keys = {};
  for (const [name, path] of Object.entries(template.keys)) keys[name] = join(keyDir, basename(path));
  return { dir, keys, keyDir, setup: template.setup };
}

/**
 * vaultRepo() without the templates.
 * @param {VaultRepoOptions} options
 * @returns {Promise<VaultRepo>}
 */
async function buildVaultRepo(options) {
  const keyrings = options.keyrings ?? ['default'];
  const dir = tempRepo();
  const keyDir = tempDir('vaultfile-keys-');
  /** @type {Record<string, string>} */
  const keys = {};
  const rules = options.rules ?? [
    { path: 'deploy/vars/*.yml', keyring: keyrings[0] },
    { path: '**/.env.*', keyring: keyrings[0] },
  ];
  const lines = rules.map((rule) => `  - path: ${JSON.stringify(rule.path)}\n    keyring: ${rule.keyring}`);
  let setup = { stdout: '', stderr: '' };
  if (options.cli) {
    for (const name of keyrings) {
      keys[name] = join(keyDir, `${name}.key`);
      await vault(keyDir, ['keygen', keys[name]]);
      await vault(dir, ['init', '--keyring', name, '--key-file', keys[name]]);
    }
    if (options.rules) put(dir, '.vaultfile/policy.yml', `version: 1\nrules:\n${lines.join('\n')}\n`);
    setup = await vault(dir, ['git', 'setup']);
    if (options.unlock !== false) {
      for (const name of keyrings) await vault(dir, ['unlock', '--keyring', name, keys[name]]);
    }
  } else {
    put(dir, '.vaultfile/policy.yml', `version: 1\nrules:\n${lines.join('\n')}\n`);
    for (const name of keyrings) {
      keys[name] = join(keyDir, `${name}.key`);
      const unlocked = await makeKeyring(dir, name, keys[name]);
      if (options.unlock !== false) {
        const id = Buffer.from(unlocked.keyring.dataKeyId).toString('hex');
        writeStoredKeys(join(dir, '.git'), { keyring: name, currentId: id, keys: new Map([[id, unlocked.dataKey]]) });
      }
    }
    await setupRepository(dir, dir, process.execPath);
  }
  git(dir, ['add', '.vaultfile', '.gitattributes']);
  git(dir, ['commit', '-q', '-m', 'vaultfile setup']);
  return { dir, keys, keyDir, setup };
}
