/**
 * Which keyring each file of the repository was last seen sealed under, as this clone knows it
 * (docs/FORMAT.md §5.7, docs/SECURITY.md §3): `<common git dir>/vaultfile/placement`, one line per
 * change, `<keyring> <JSON path>`, the last line for a path winning. The git filter records what
 * it checks out and what it seals; `vault rekey --to-keyring` records an explicit move. The policy
 * is committed and so attacker-controlled: this memory is what lets a seal notice that the policy
 * now sends a file to another keyring, and refuse to move it silently. Not secret; never prints.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isKeyringName } from '../core/keyring-name.js';
import { AuthError, FileSystemError, quotePath } from '../errors.js';
import { readBoundedFile } from '../fs/safe-read.js';

const MAX_PLACEMENT_BYTES = 64 * 1024 * 1024;

export function placementPath(commonDir: string): string {
  return join(commonDir, 'vaultfile', 'placement');
}

/** Repository-relative path -> keyring name, from the text of a placement file (bad lines skipped). */
export function parsePlacement(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 1) continue;
    const name = line.slice(0, space);
    let path: unknown;
    try {
      path = JSON.parse(line.slice(space + 1));
    } catch {
      continue; // a line cut short by a crash: the next record of that path repairs it
    }
    if (isKeyringName(name) && typeof path === 'string') map.set(path, name);
  }
  return map;
}

export class Placement {
  #map: Map<string, string> | null = null;

  constructor(readonly commonDir: string) {}

  private get map(): Map<string, string> {
    if (this.#map === null) {
      const bytes = readBoundedFile(placementPath(this.commonDir), MAX_PLACEMENT_BYTES, 'the keyring placement record');
      this.#map = bytes === null ? new Map() : parsePlacement(bytes.toString('utf8'));
    }
    return this.#map;
  }

  /** The keyring PATH (repository-relative) was last seen under, if any. */
  keyringOf(path: string): string | undefined {
    return this.map.get(path);
  }

  /** Remember that PATH is now under keyring NAME (appends only when it changed). */
  record(path: string, name: string): void {
    if (this.map.get(path) === name) return;
    this.map.set(path, name);
    const file = placementPath(this.commonDir);
    try {
      mkdirSync(join(this.commonDir, 'vaultfile'), { recursive: true, mode: 0o700 });
      // One write of one short line with O_APPEND: concurrent filters never interleave inside it.
      const fd = openSync(file, 'a', 0o600);
      try {
        writeSync(fd, `${name} ${JSON.stringify(path)}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new FileSystemError(`cannot write ${quotePath(file)}; check permissions on the git directory`, { cause: error });
    }
  }

  /**
   * Refuse to seal PATH under keyring NAME when it was last under another keyring: the policy
   * changed (perhaps by someone who wants the file under a keyring they hold).
   */
  assertSameKeyring(path: string, name: string): void {
    const was = this.keyringOf(path);
    if (was !== undefined && was !== name) throw movedError(path, was, name);
  }
}

export function movedError(path: string, was: string, now: string): AuthError {
  return new AuthError(
    `${quotePath(path)} is encrypted for keyring ${quotePath(was)} but the policy now says ${quotePath(now)}: vaultfile never moves a file to another keyring silently; if intended run "vault rekey --to-keyring ${now} ${path}", else restore .vaultfile/policy.yml`,
  );
}
