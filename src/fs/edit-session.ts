/**
 * The editing loop shared by `vault edit` and `vault create` (SECURITY.md §3.9-3.10): plaintext
 * (already decrypted and verified in memory) goes into a private temporary copy, the editor runs,
 * the result is read back and checked. The caller seals it; `saveEdited` then writes it over the
 * original only if nobody changed the original meanwhile, and otherwise keeps the edit, sealed, in
 * a side file. Never writes plaintext anywhere but the private copy; never overwrites a file that
 * changed under the editor.
 */
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from '../context.js';
import { FileSystemError, FormatError, InterruptedError, VaultError, quotePath } from '../errors.js';
import { fileSystemError, writeFileAtomic } from './atomic-write.js';
import { resolveEditor, runEditor } from './editor.js';
import { withFileLock, type LockHost } from './file-lock.js';
import { reportLeftovers, withPrivateTemp, type TempHost } from './private-temp.js';

/** What an edit needs of the run: the terminal, the environment, signals and the run's end. */
export type EditHost = TempHost & Pick<Context, 'stdin'>;
import { describeProblem, findPlaintextProblem } from '../formats/validate-plaintext.js';

/** An editor back this fast with nothing changed probably forked and did not wait. */
const QUICK_RETURN_MS = 1000;

/** Signals the private-temp handlers catch; an editor killed by one of them was likely interrupted with us. */
const INTERRUPTS = new Set<string>(['SIGINT', 'SIGTERM', 'SIGHUP']);
const SIGNAL_GRACE_MS = 300;

/** What the file looked like when we read it: compared again just before writing. */
export interface FileSnapshot {
  bytes: Uint8Array;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Read a file and remember how it looked; null when it does not exist. */
export async function snapshotFile(path: string): Promise<FileSnapshot | null> {
  try {
    const bytes = new Uint8Array(await fs.readFile(path));
    const info = await fs.stat(path);
    return { bytes, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileSystemError(error, path, 'reading');
  }
}

/**
 * Refuse, before the editor opens, a file we could not replace afterwards: read-only (by mode, which
 * binds even root's intent) or in a directory we cannot create the temp file in. Otherwise the
 * user's edit would be typed and then lost.
 */
export async function assertReplaceable(path: string): Promise<void> {
  let real: string;
  try {
    real = await fs.realpath(path);
    const info = await fs.stat(real);
    if ((info.mode & 0o222) === 0) throw new FileSystemError(`${quotePath(path)}: is read-only; make it writable (chmod u+w) and retry`);
    await fs.access(real, constants.W_OK);
    await fs.access(dirname(real), constants.W_OK);
  } catch (error) {
    throw fileSystemError(error, path, 'checking that it can be replaced');
  }
}

function sameSnapshot(a: FileSnapshot | null, b: FileSnapshot | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && Buffer.compare(a.bytes, b.bytes) === 0;
}

/** Interactive only when both ends a person uses are terminals. */
function isInteractive(host: EditHost): boolean {
  return host.stdin.isTTY === true && host.stderr.isTTY === true;
}

async function askReopen(message: string, host: EditHost): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message: `${message}. open the editor again?`, default: true }, { input: host.stdin, output: host.stderr });
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted; nothing was written');
    throw error;
  }
}

/**
 * Open the editor on a private copy of `plaintext` named like `path`, until the result parses (or
 * the user gives up). Returns the new plaintext, or null when it is byte-identical to the input.
 * Throws (and nothing may be written) when the editor fails or the result does not parse.
 * With FINISH (sealing, say), its result is returned instead; a FormatError from it counts as a
 * result that does not parse, so the user can fix the edit in the editor rather than lose it.
 */
/** quiet: no note about an editor that returned at once (the command's --quiet). */
export interface EditOptions { quiet?: boolean }

export async function editPlaintext(path: string, plaintext: Uint8Array, host: EditHost, finish?: undefined, options?: EditOptions): Promise<Uint8Array | null>;
export async function editPlaintext<T>(
  path: string, plaintext: Uint8Array, host: EditHost, finish: (edited: Uint8Array) => Promise<T>, options?: EditOptions,
): Promise<T | null>;
export async function editPlaintext<T>(
  path: string, plaintext: Uint8Array, host: EditHost, finish?: (edited: Uint8Array) => Promise<T>, options: EditOptions = {},
): Promise<T | Uint8Array | null> {
  reportLeftovers(host.env, host.stderr);
  const editor = resolveEditor(host.env);
  // A file that did not parse before the edit is not the editor's fault: check only what was valid.
  const checkResult = findPlaintextProblem(path, plaintext) === null;
  return withPrivateTemp(
    path,
    plaintext,
    async (temp) => {
      for (;;) {
        const started = Date.now();
        const result = await runEditor(editor, temp.file, (child) => {
          temp.onInterrupt((signal) => child.kill(signal));
        }, host.env);
        if (result.code !== 0) {
          // Ctrl-C on a terminal signals the editor and vault together. When the editor's exit is seen
          // first, give vault's own handler a moment: it says "interrupted" once and exits 128 + n.
          if (result.signal !== null && INTERRUPTS.has(result.signal)) await new Promise((resolve) => setTimeout(resolve, SIGNAL_GRACE_MS));
          const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
          throw new VaultError(`the editor ${how}; ${quotePath(path)} was left as it was`);
        }
        let edited: Uint8Array;
        try {
          edited = new Uint8Array(await fs.readFile(temp.file));
        } catch (error) {
          throw new VaultError(`the editor removed the temporary copy; ${quotePath(path)} was left as it was`, { cause: error });
        }
        if (Buffer.compare(edited, plaintext) === 0) {
          edited.fill(0);
          if (options.quiet !== true && Date.now() - started < QUICK_RETURN_MS) {
            host.stderr.write(
              `vault: warning: the editor ${JSON.stringify(editor.argv[0])} returned within a second without a change; it may not have waited for you (give it its wait option in ${editor.source}, such as "code --wait" or "subl -w")\n`,
            );
          }
          return null;
        }
        const problem = checkResult ? findPlaintextProblem(path, edited) : null;
        let message: string;
        if (problem !== null) {
          message = describeProblem(quotePath(path), problem);
        } else if (finish === undefined) {
          return edited;
        } else {
          try {
            return await finish(edited);
          } catch (error) {
            if (!(error instanceof FormatError)) throw error;
            message = error.message;
          }
        }
        edited.fill(0);
        if (isInteractive(host) && (await askReopen(message, host))) continue;
        throw new VaultError(`${message}; nothing was written (fix it in the editor, or check the file's syntax)`);
      }
    },
    host,
  );
}

/** `deploy/prod.yml` -> `deploy/prod.yml.vault-conflict-20261124T235959Z` (UTC, sorts by time). */
export function conflictPath(path: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${path}.vault-conflict-${stamp}`;
}

/**
 * Write `sealed` over `path` if it still looks like `before` (null: it must still not exist).
 * Otherwise the edit goes, still sealed, to a side file and a FileSystemError says where. The check
 * and the rename happen under the file's lock, so of two edits saved at the same instant exactly
 * one replaces the file and the other sees it changed.
 */
export async function saveEdited(path: string, before: FileSnapshot | null, sealed: Uint8Array, host: LockHost): Promise<void> {
  await withFileLock(path, host, async () => {
    if (sameSnapshot(before, await snapshotFile(path))) {
      try {
        await writeFileAtomic(path, sealed, before === null ? { newFileMode: 0o600, exclusive: true } : {});
        return;
      } catch (error) {
        // create: a file of that name appeared after the check (not through vault): keep the edit.
        if (!(before === null && isAlreadyExists(error))) throw error;
      }
    }
    let side = conflictPath(path);
    for (let n = 2; await exists(side); n++) side = `${conflictPath(path)}-${n}`;
    await writeFileAtomic(side, sealed, { newFileMode: 0o600, exclusive: true });
    throw new FileSystemError(
      `${quotePath(path)} changed on disk while the editor was open; it was not overwritten. ` +
        `your edit is saved encrypted in ${quotePath(side)}: compare with "vault view", merge, then remove it`,
    );
  });
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof FileSystemError && (error.cause as { code?: string } | undefined)?.code === 'EEXIST';
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}
