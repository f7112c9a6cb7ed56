#!/usr/bin/env node
/**
 * The `vault` and `vaultfile` executables as the npm package installs them: a launcher that answers
 * `vault --version` alone itself, runs a plain `vault view` on its quick path (./view.js,
 * src/quick-view.ts), and otherwise loads the program (./cli.js; cli.mjs in the package). The
 * package builds it as a CommonJS file (bundle/bin/vault.js, the version inlined): Node starts a
 * CommonJS entry faster than an ES module one, and for so small an answer that difference is most
 * of the cost (docs/benchmarks.md). It imports nothing of the program at its top, so that answer
 * costs none of it.
 */
import { VERSION } from '../version.js';
import { asksVersion } from './version-question.js';
import { readViewArgs } from '../commands/view-args.js';
import { writeToFd } from './fd-output.js';

const args = process.argv.slice(2);

if (asksVersion(args)) {
  // run() gives the same line through commander.
  writeToFd(1, new TextEncoder().encode(`${VERSION}\n`));
} else if (readViewArgs(args) !== null) {
  // No top-level await: this is a CommonJS file in the package and part of one in the single
  // executable.
  void import('./view.js')
    .then((view) => view.start(args))
    .then((ran) => {
      if (!ran) return import('./cli.js');
      // A view that succeeded has written everything, waited for each write, and saved its code
      // cache: end now rather than let Node wind down (a collection of the young generation it
      // schedules was half a millisecond of a 28 ms view).
      if (process.exitCode === 0) process.exit();
      return undefined;
    });
} else {
  void import('./cli.js');
}
