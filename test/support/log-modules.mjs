// Preloaded with --import: records every module the program loads, one path or URL per line, into
// the file named by VAULTFILE_TEST_MODULE_LOG (ESM through a resolve hook, CommonJS from the
// require cache at exit), so tests can assert what a command does not load.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.VAULTFILE_TEST_MODULE_LOG;
register('./log-modules-hooks.mjs', import.meta.url, { data: { log } });
process.on('exit', () => {
  if (log) appendFileSync(log, Object.keys(createRequire(import.meta.url).cache).map((path) => `${path}\n`).join(''));
});
