/**
 * `vault view` without the command-line framework, for the command line scripts, CI and task start
 * use most: `vault view [--key-file K]... [--password-file P] [--no-pager] [--no-kms] [-q] [--] FILE...`.
 * Start-up is most of what such a run costs (docs/benchmarks.md), and commander with everything
 * it loads is a third of it. This path is only an optimisation: whenever it is not certain to do
 * what the whole program does, it declines (null) before writing anything, and the caller runs
 * the whole program (src/run.ts), which then does it. It declines:
 * - a command line with anything else (src/commands/view-args.ts); the launcher asks first, so such
 *   a command line does not even load this path;
 * - any failure while it opens the files, before it shows any, so that every message has one
 *   source (the whole program writes it);
 * - a terminal on standard output: the pager is the whole program's;
 * - reading standard input (its getter throws): nothing is taken from it that the whole program
 *   would then miss;
 * - in the package and the single executable, any code this path was built without: their build of
 *   it replaces each import() by a module that throws (scripts/build-bundle.mjs), so Ansible files,
 *   identities, KMS, the prompt, the pager and git-crypt are left to the whole program.
 * What it writes to standard error before all files are open is held, and dropped when it declines.
 */
import { Writable } from 'node:stream';
import { openContext, withProperties, type Host, type Output } from './context.js';
import { EXIT } from './errors.js';
import { reportError } from './run.js';
import { openFiles, showFiles, usesPager, type Plaintext } from './commands/view-files.js';
import { readViewArgs } from './commands/view-args.js';
import { writeStdout } from './fs/files.js';

/**
 * Run `vault view` for ARGS on HOST: the exit code, or null when this path declines (see above)
 * and the whole program is to run instead.
 */
export async function quickView(args: readonly string[], host: Host): Promise<number | null> {
  const request = readViewArgs(args);
  if (request === null) return null;
  // What goes to standard error while this path may still decline waits here.
  let held: (string | Uint8Array)[] | null = [];
  const stderr = new Writable({
    decodeStrings: false,
    write(chunk: string | Uint8Array, _encoding, done) {
      if (held === null) host.stderr.write(chunk, (error) => done(error ?? null));
      else {
        held.push(chunk);
        done();
      }
    },
  });
  const quickHost: Host = withProperties(host, {
    get stdin(): never {
      throw new Error('the quick path of vault view reads no standard input');
    },
    stderr: Object.defineProperty(stderr, 'isTTY', { get: () => host.stderr.isTTY }) as Output,
  });
  const { context, close } = openContext(quickHost);
  try {
    // The pager is the whole program's (a child process).
    if (usesPager(request.options, context)) return null;
    let parts: Plaintext[];
    try {
      parts = await openFiles(request.files, request.options, context);
    } catch {
      return null;
    }
    // Committed: what was held goes out, and from here on this path reports its own failures.
    for (const chunk of held) await writeStdout(host.stderr, chunk);
    held = null;
    try {
      await showFiles(parts, request.options, context);
    } catch (error) {
      return reportError(error, host.stderr, host.env.VAULTFILE_DEBUG === '1');
    }
    return context.exitCode ?? EXIT.OK;
  } finally {
    close();
  }
}
