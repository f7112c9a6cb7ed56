/**
 * Node's compile cache (module.enableCompileCache, Node 22.1 and later) for the whole program the
 * launcher loads: the bytecode of cli.mjs and of the chunks a command reads, kept between runs
 * (docs/benchmarks.md has what it saves). Node 20 has none, and there this does nothing.
 *
 * V8 runs cached code as it finds it, so the cache lives where the code cache of `vault view`
 * does, under the same rule (src/bin/code-cache.ts): `compile/` in the user's cache directory, used
 * only when that directory and `compile/` are this user's alone; NODE_DISABLE_COMPILE_CACHE turns
 * it off (Node's own switch, which Node also honours). Node makes a directory per Node version in
 * it, with the process's umask: 077 while it does, so that one is this user's alone too. Node
 * checks each entry against a hash of the module's source, and writes its files 0600.
 */
import { Module } from 'node:module';
import { join } from 'node:path';
import { cacheDirectory, isPrivateDirectory, makePrivateDirectory } from './code-cache.js';

/** module.enableCompileCache, which @types/node 20 does not declare. */
type EnableCompileCache = (directory: string) => unknown;

/** Turn on Node's compile cache for the modules loaded from now on, where it is safe to. */
export function enableCompileCache(env: NodeJS.ProcessEnv): void {
  const enable = (Module as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== 'function') return;
  const base = cacheDirectory(env);
  if (base === null) return;
  const directory = join(base, 'compile');
  // compile/ first: making it makes the user's directory too, which is then checked as it is.
  if (!makePrivateDirectory(directory) || !isPrivateDirectory(base)) return;
  const umask = process.umask(0o077);
  try {
    enable(directory);
  } catch {
    // a run without it
  } finally {
    process.umask(umask);
  }
}
