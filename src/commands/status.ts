/**
 * `vault status [--staged]`: one line per file under the policy: its keyring, whether the index
 * holds it encrypted, whether the work tree holds plaintext, and whether this clone has the key.
 * Reads only.
 */
import type { Command } from 'commander';
import { hasFilterConfig } from '../git/git-query.js';
import { listPolicyFiles, openRepoContext, type Side } from '../git/policy-files.js';

function describe(side: Side, expected: string | null): string {
  switch (side.kind) {
    case 'absent':
      return '-';
    case 'plaintext':
      return 'plaintext';
    case 'damaged':
      return 'damaged';
    default:
      return expected !== null && side.keyring !== expected ? `encrypted(${side.keyring ?? 'inline'})` : 'encrypted';
  }
}

export function register(program: Command): void {
  program
    .command('status')
    .description('files under the policy: encrypted in the index? plaintext in the work tree? key here?')
    .option('--staged', 'only files in the index')
    .action(async (options: { staged?: boolean }) => {
      const ctx = await openRepoContext(process.cwd());
      const files = await listPolicyFiles(ctx, { staged: options.staged === true });
      const rows = [['PATH', 'KEYRING', 'INDEX', 'TREE', 'KEY']];
      for (const file of files) {
        rows.push([file.path, file.keyring ?? '-', describe(file.index, file.keyring), describe(file.tree, file.keyring), file.key ? 'yes' : 'no']);
      }
      const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
      for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
      if (!hasFilterConfig(ctx.top)) process.stdout.write('the vault filter is not configured in this clone; run "vault git setup"\n');
    });
}
