// Helpers for the identity tests: real identities from Debian's age-keygen and ssh-keygen, a
// repository with a password entry, and reading a keyring's entries and data key id back.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanEnv, git, runVaultBinary, tempDir, tempRepo, writeSecret } from './helpers.mjs';
import { runAsync } from './runtime-support.mjs';

/**
 * Run a peer tool; throws with its stderr on failure.
 * @param {string} command @param {string[]} args @param {{ input?: Uint8Array }} [options]
 */
export function tool(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'buffer', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** An age identity made by age-keygen: { path, recipient }. @param {string} dir @param {string} name */
export function ageIdentity(dir, name) {
  const path = join(dir, name);
  tool('age-keygen', ['-o', path]);
  return { path, recipient: tool('age-keygen', ['-y', path]).toString().trim() };
}

/**
 * An OpenSSH key made by ssh-keygen: { path, publicLine }; TYPE ed25519 or rsa.
 * @param {string} dir @param {string} name
 */
export function sshIdentity(dir, name, type = 'ed25519', passphrase = '') {
  const path = join(dir, name);
  tool('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', `${name}@laptop`, '-f', path]);
  return { path, publicLine: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A home directory with nothing in it (no default identities), and an environment using it. */
export function emptyHome() {
  const home = tempDir('vaultfile-home-');
  return { home, env: { HOME: home, XDG_CONFIG_HOME: join(home, '.config'), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } };
}

/** A repository with keyring "default" (one password entry) and one encrypted, committed file. */
/** @param {Record<string, string>} env */
export function passwordRepo(env) {
  const repo = tempRepo();
  const password = writeSecret(join(tempDir(), 'pw'), 'correct horse battery staple\n');
  const init = runVaultBinary(['init', '--password-file', password, '--work-factor', '10'], { cwd: repo, env });
  if (init.code !== 0) throw new Error(init.stderr);
  mkdirSync(join(repo, 'deploy', 'vars'), { recursive: true });
  writeFileSync(join(repo, 'deploy', 'vars', 'prod.yml'), 'db_password: hunter2\n');
  const enc = runVaultBinary(['encrypt', 'deploy/vars/prod.yml'], { cwd: repo, env });
  if (enc.code !== 0) throw new Error(enc.stderr);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'init']);
  // Forget the data key kept in .git/ since init, so every command must open the keyring.
  const lock = runVaultBinary(['lock'], { cwd: repo, env });
  if (lock.code !== 0) throw new Error(lock.stderr);
  return { repo, password };
}

export const KEYRING = '.vaultfile/keyrings/default.keyring';

/** The entries of a keyring file as { id, type, label, fields } (fields: key=value pairs). */
/** @param {string} repo @returns {{ id: string, type: string, label: string, fields: Record<string, string> }[]} */
export function entriesOf(repo) {
  const text = readFileSync(join(repo, KEYRING), 'utf8');
  return text.split('\n').filter((l) => l.startsWith('entry: ')).map((line) => {
    const [id, type, label, ...rest] = line.slice(7).split(' ');
    return { id, type, label, fields: Object.fromEntries(rest.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)])) };
  });
}

/** The data key id line of the keyring, and the id a data key would have (FORMAT.md §5.1). */
/** @param {string} repo */
export function dataKeyIdOf(repo) {
  return /^data-key-id: (.+)$/m.exec(readFileSync(join(repo, KEYRING), 'utf8'))?.[1];
}
/** @param {Uint8Array} dataKey */
export function idOfDataKey(dataKey) {
  return createHmac('sha256', dataKey).update('vaultfile/v1 data key id').digest().subarray(0, 16).toString('base64');
}

/**
 * Run `vault ARGS` (the binary) without blocking this process (the loopback AWS server lives in
 * it), in the clean environment plus ENV; a variable set to undefined is removed.
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined>, nodeArgs?: string[] }} [options]
 */
export function runVaultAsync(args, options = {}) {
  const env = /** @type {Record<string, string>} */ (cleanEnv(/** @type {Record<string, string>} */ (options.env ?? {})));
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
  return runAsync(args, { env, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}) });
}

/**
 * Node arguments that log every `@aws-sdk/…` module the CLI resolves to LOG (a loader hook).
 * @param {string} dir @param {string} log
 */
export function sdkTracer(dir, log) {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const seen = new Set();
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/')) appendFileSync(${JSON.stringify(log)}, specifier + '\\n');
  const result = await next(specifier, context);
  // In the bundle the SDK has no specifier of its own: a chunk's module comments name its packages.
  if (result.url.startsWith('file:') && result.url.includes('/bundle/chunks/') && !seen.has(result.url)) {
    seen.add(result.url);
    const text = readFileSync(fileURLToPath(result.url), 'utf8');
    const names = new Set([...text.matchAll(/^\\/\\/ node_modules\\/(@aws-sdk\\/client-[\\w-]+)\\//gm)].map((match) => match[1]));
    for (const name of names) appendFileSync(${JSON.stringify(log)}, name + '\\n');
  }
  return result;
}
`);
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return ['--import', register];
}
