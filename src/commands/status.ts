/**
 * `vault status [--staged] [--all]`: one line per file under the policy (with --all, also every
 * other file holding an envelope): its keyring, the id of the data
 * key that sealed it (marked when it is an older key of the keyring, as after an unfinished
 * rotation), whether the index holds it encrypted, whether the work tree holds plaintext, and
 * whether this clone has the key, and the format the policy keeps it in. Temp files of interrupted writes are reported on stderr.
 * Reads only.
 */
import type { Command } from 'commander';
import { toHex } from '../core/bytes.js';
import { hasFilterConfig } from '../git/git-query.js';
import { listPolicyFiles, openRepoContext, type PolicyFile, type Side } from '../git/policy-files.js';
import { findLeftoverTemps, leftoverTempWarning } from '../repo/keyring-files.js';
import { listKeyrings, readKeyring } from '../repo/repo.js';
import { rollbackNotice } from '../repo/keyring-history.js';
import { brokenDriver } from '../git/driver-health.js';
import { quietOption } from './options.js';
import type { Context } from '../context.js';

/** Shown like rotate shows a new key: the first 16 hex digits of the 16-byte id. */
const ID_LENGTH = 16;

function describe(side: Side, expected: string | null): string {
  switch (side.kind) {
    case 'absent':
      return '-';
    case 'plaintext':
      return 'plaintext';
    case 'damaged':
      return 'damaged';
    case 'ansible':
      return side.inline ? 'ansible-inline' : 'ansible';
    default:
      return expected !== null && side.keyring !== expected ? `encrypted(${side.keyring ?? 'inline'})` : 'encrypted';
  }
}

/** Data key ids of a repository keyring, read without a key; null when it cannot be read. */
type KeyIds = { current: string; previous: Set<string> } | null;

function readKeyIds(root: string, name: string): KeyIds {
  try {
    const keyring = readKeyring(root, name);
    if (keyring === null) return null;
    return { current: toHex(keyring.dataKeyId), previous: new Set(keyring.previous.map((key) => toHex(key.dataKeyId))) };
  } catch {
    return null;
  }
}

/**
 * The key id of the envelope the user cares about: the work tree's (what `vault rotate` rewrites),
 * or the index's when the tree holds plaintext (git filter) or with --staged. "(old)" marks an
 * earlier key of the keyring, "(not in keyring)" one the keyring does not know.
 */
function keyIdCell(file: PolicyFile, staged: boolean, ids: (name: string) => KeyIds): string {
  const sides = staged ? [file.index] : [file.tree, file.index];
  const side = sides.find((candidate) => candidate.kind === 'encrypted');
  if (side?.kind !== 'encrypted' || side.dataKeyId === undefined) return '-';
  const shown = side.dataKeyId.slice(0, ID_LENGTH);
  if (side.keyring === null) return shown; // an inline keyring: one key, nothing older
  const known = ids(side.keyring);
  if (known === null || known.current === side.dataKeyId) return shown;
  return known.previous.has(side.dataKeyId) ? `${shown} (old)` : `${shown} (not in keyring)`;
}

/** For a file no rule covers: the keyring its envelope names, "inline", or "-". */
function keyringOfContent(file: PolicyFile): string {
  const side = [file.tree, file.index].find((candidate) => candidate.kind === 'encrypted');
  if (side?.kind !== 'encrypted') return '-';
  return side.keyring === null ? '(inline)' : `(${side.keyring})`;
}

/** One side (index or tree) in `status --json`: its state, and for an envelope its keyring and key id. */
function sideJson(side: Side): Record<string, unknown> {
  return side.kind === 'encrypted' ? { state: 'encrypted', keyring: side.keyring, keyId: side.dataKeyId ?? null } : { state: side.kind };
}

export function register(program: Command, io: Context): void {
  program
    .command('status')
    .description('files under the policy: keyring and key id, encrypted in the index? plaintext in the work tree? key here?')
    .option('--staged', 'only files in the index')
    .option('--all', 'also list encrypted files outside the policy (reads a prefix of every file)')
    .option('--json', 'print one JSON object (fields in docs/install.md)')
    .addOption(quietOption())
    .action(async (options: { staged?: boolean; all?: boolean; json?: boolean }) => {
      const ctx = await openRepoContext(io.cwd, io.env);
      const staged = options.staged === true;
      const files = await listPolicyFiles(ctx, { staged, all: options.all === true });
      const cache = new Map<string, KeyIds>();
      const ids = (name: string): KeyIds => {
        if (!cache.has(name)) cache.set(name, readKeyIds(ctx.root, name));
        return cache.get(name)!;
      };
      if (options.json) {
        const json = files.map((file) => ({
          path: file.path, keyring: file.keyring, filtered: file.filtered, index: sideJson(file.index), tree: sideJson(file.tree), key: file.key, format: file.format ?? null,
        }));
        io.stdout.write(`${JSON.stringify({ version: 1, filterConfigured: hasFilterConfig(ctx.top), files: json }, null, 2)}\n`);
        for (const leftover of await findLeftoverTemps(ctx.top)) io.stderr.write(`${leftoverTempWarning(leftover)}\n`);
        return;
      }
      const rows = [['PATH', 'KEYRING', 'KEY ID', 'INDEX', 'TREE', 'KEY', 'FORMAT']];
      for (const file of files) {
        rows.push([
          // A file name is committed text: a control character in it must not reach the terminal raw.
          /[\u0000-\u001f\u007f]/.test(file.path) ? JSON.stringify(file.path) : file.path, file.keyring ?? (file.filtered ? '-' : keyringOfContent(file)), keyIdCell(file, staged, ids), describe(file.index, file.keyring), describe(file.tree, file.keyring),
          file.key ? 'yes' : 'no', file.format ?? '-',
        ]);
      }
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      for (const row of rows) io.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
      for (const name of await listKeyrings(ctx.root)) {
        const notice = rollbackNotice(ctx.dirs.commonDir, name, ids(name)?.current ?? null);
        if (notice) io.stdout.write(`${notice}\n`);
      }
      const broken = brokenDriver(ctx.top);
      if (broken) io.stdout.write(`${broken}\n`);
      if (!hasFilterConfig(ctx.top)) io.stdout.write('the vault filter is not configured in this clone; run "vault git setup"\n');
      for (const leftover of await findLeftoverTemps(ctx.top)) io.stderr.write(`${leftoverTempWarning(leftover)}\n`);
    });
}
