/**
 * Typed errors and the one table that maps them to exit codes (DESIGN.md §8).
 * Every message is one lowercase line naming the file and the next action, and never holds a
 * secret. The core throws these too; only the error boundaries (src/run.ts, and
 * src/bin/git-filter.ts for the git drivers) turn them into text and an exit code.
 */

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  FORMAT: 3,
  AUTH: 4,
  NO_KEY: 5,
  FILESYSTEM: 6,
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base class: a failure the user can act on. `message` is shown as is, on one line. */
export class VaultError extends Error {
  readonly exitCode: number = EXIT.FAILURE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The base of a VaultError subclass that exits with CODE: the classes below differ only in their
 * code (and their name, which `new.target` gives).
 */
function exitingWith(code: ExitCode) {
  return class extends VaultError {
    override readonly exitCode: number = code;
  };
}

/** Bad command line: unknown option, missing argument, conflicting flags. */
export class UsageError extends exitingWith(EXIT.USAGE) {}

/** Input is not a vault file, or is malformed: bad armour, bad lengths, unknown version, truncated. */
export class FormatError extends exitingWith(EXIT.FORMAT) {}

/**
 * Wrong key or tampered data. One class on purpose: telling the two apart would give an attacker
 * who submits files to an automated decrypter a partitioning oracle (reference/SECURITY.md §3.3).
 */
export class AuthError extends exitingWith(EXIT.AUTH) {}

/** No key source was given or found (no --password-file, no env variable, no TTY to prompt on). */
export class NoKeyError extends exitingWith(EXIT.NO_KEY) {}

/** The filesystem refused: missing file, directory given as a file, read-only target, disk full. */
export class FileSystemError extends exitingWith(EXIT.FILESYSTEM) {}

/** The user interrupted (SIGINT, SIGTERM, SIGHUP). */
export class InterruptedError extends exitingWith(EXIT.INTERRUPTED) {}

/** Quote a path the way every message does: `"deploy/vars/prod.yml"`. */
export function quotePath(path: string): string {
  return JSON.stringify(path);
}

/** Exit code for any thrown value; unknown errors are plain failures. */
export function exitCodeOf(error: unknown): number {
  return error instanceof VaultError ? error.exitCode : EXIT.FAILURE;
}
