// Preloaded with --import by tests and benchmarks: prints the process's peak RSS (KiB) on exit to
// stderr, so memory bounds can be checked on the real CLI without a stopwatch in the tests.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `vaultfile-max-rss-kib=${process.resourceUsage().maxRSS}\n`);
});
