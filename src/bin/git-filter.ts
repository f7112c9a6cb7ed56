#!/usr/bin/env node
/**
 * What git runs for the vault drivers (`vault git setup` writes `node <this file> filter-process`
 * and the like into the repository config): starts the drivers' program (./git-filter-program.js).
 * In the package this file is a small launcher that runs the program's own file with the user's
 * V8 code cache for it (src/bin/git-filter-cached.ts, scripts/build-bundle.mjs): git starts it
 * on every checkout, status and add, and compiling the program was most of what it cost in
 * JavaScript (docs/benchmarks.md).
 */
import { start } from './git-filter-program.js';

void start(process.argv.slice(2));
