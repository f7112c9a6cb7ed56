/**
 * Do the vault drivers configured in this clone still run (docs/SECURITY.md §4)? `vault git setup`
 * writes absolute paths of node and of this package; after a Node upgrade or a move, git add dies
 * with a shell or Node error while status and check would say all is well. Checks that both files
 * the configured command names still exist. Reads the config only; never prints.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { quotePath } from '../errors.js';
import { splitCommandLine } from '../fs/editor.js';

/** A one-line problem with the configured filter command, or null when it looks runnable. */
export function brokenDriver(top: string): string | null {
  const result = spawnSync('git', ['config', '--get', 'filter.vault.process'], { cwd: top, encoding: 'utf8' });
  if (result.status !== 0 || result.stdout.trim() === '') return null;
  let words: string[];
  try {
    words = splitCommandLine(result.stdout.trim(), 'filter.vault.process');
  } catch {
    return 'the vault filter command in .git/config does not parse; run "vault git setup" to write it again';
  }
  // The program runs after the guard's `exec` (guardedCommand in setup.ts; older setups wrote it
  // bare): node, then the entry script (driverCommand); a custom command is not second-guessed.
  const exec = words.indexOf('exec');
  for (const [index, word] of words.slice(exec + 1, exec + 3).entries()) {
    if (!word.startsWith('/')) break;
    try {
      accessSync(word, index === 0 ? constants.X_OK : constants.R_OK);
    } catch {
      return `the vault filter in .git/config runs ${quotePath(word)}, which no longer exists (Node upgraded or vaultfile moved), so "git add" would fail; run "vault git setup" to point it at this installation`;
    }
  }
  return null;
}
