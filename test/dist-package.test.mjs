// The npm package as users get it: `npm pack` of the built tree, `npm install -g` of the tarball
// into a temporary prefix (its two small dependencies from npm's cache), then `vault` and
// `vaultfile` from that prefix run the tour from empty directories, git filter included.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, removeDir, tempDir } from './helpers.mjs';
import { packTarball, repositoryTour, runner, standaloneTour } from './dist-support.mjs';

/** Bytes under DIR. @param {string} dir @returns {number} */
function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(path) : statSync(path).size;
  }
  return total;
}

const work = tempDir('vaultfile-pack-');
const prefix = join(work, 'prefix');
let tarball = '';

test.after(() => removeDir(work));

test('npm pack prints only the tarball name and ships no sources, maps or declarations', () => {
  const packed = packTarball(work);
  assert.match(packed.stdout, /^vaultfile-\d+\.\d+\.\d+\S*\.tgz\n$/);
  tarball = packed.tarball;
  const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  assert.ok(list.includes('package/bundle/bin/vault.js'));
  assert.ok(list.includes('package/bundle/bin/package.json'));
  assert.ok(list.includes('package/bundle/bin/cli.mjs'));
  assert.ok(list.includes('package/bundle/bin/git-filter.js'));
  assert.ok(list.includes('package/package.json'));
  // npm 11 warns, on a tarball install, about every package whose install scripts (preinstall,
  // install, postinstall, and prepare for a non-registry source) no allowScripts covers: the build
  // a clone runs on "npm install" is postprepare and prepack, which installs never run.
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
  for (const name of ['preinstall', 'install', 'postinstall', 'prepare']) assert.not.ok(name in manifest.scripts, `scripts.${name} is not shipped`);
  for (const name of list) {
    assert.not.match(name, /\.map$|\.d\.ts$|^package\/(src|test|dist|node_modules)\//, `${name} is not shipped`);
  }
});

test('npm install -g of the tarball: nothing printed but npm\'s summary, three packages, under 10 MB', () => {
  // --prefer-offline: the two dependencies come from the cache `npm install` filled.
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: work, env: cleanEnv({ npm_config_update_notifier: 'false' }), encoding: 'utf8',
  });
  assert.is(install.status, 0, install.stderr);
  assert.is(install.stderr, '', 'no warning or notice (install scripts, lifecycle output)');
  assert.match(install.stdout, /^\nadded 3 packages in [\d.]+m?s\n$/);
  const installed = join(prefix, 'lib', 'node_modules', 'vaultfile');
  assert.ok(existsSync(join(installed, 'bundle', 'bin', 'vault.js')));
  // yaml and picomatch, loaded on first use (scripts/build-bundle.mjs); nothing else.
  const packages = readdirSync(join(installed, 'node_modules')).filter((name) => !name.startsWith('.')).sort();
  assert.equal(packages, ['picomatch', 'yaml']);
  const size = sizeOf(installed);
  assert.ok(size < 10 * 1024 * 1024, `installed size ${size} bytes`);
  console.log(`installed: ${packages.length + 1} packages, ${(size / 1024 / 1024).toFixed(1)} MB`);
});

test('vault and vaultfile from the prefix: --version from any directory', () => {
  const elsewhere = tempDir('vaultfile-empty-');
  for (const name of ['vault', 'vaultfile']) {
    const result = runner(join(prefix, 'bin', name))(elsewhere, ['--version']);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  }
  removeDir(elsewhere);
});

test('the installed vault runs the tour from empty directories, git filter included', () => {
  const vault = runner(join(prefix, 'bin', 'vault'));
  removeDir(standaloneTour(vault));
  const { dir, setup } = repositoryTour(vault);
  // The filter git runs is the installed package's, not the source tree's.
  assert.match(setup, new RegExp(`filter\\.vault\\.process = .* ; exec \\S*node\\S* ${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/lib/node_modules/vaultfile/bundle/bin/git-filter\\.js filter-process`));
  removeDir(dir);
});

test.run();
