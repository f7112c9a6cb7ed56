/**
 * `vault check [--staged]`: exit 1 when a file the policy says must be encrypted would be (or is)
 * committed as plaintext, or sealed for the wrong keyring. `--staged` looks at the index only, for
 * the pre-commit hook and the pre-commit framework. Reads only; one line per problem on stderr.
 */
import type { Command } from 'commander';
import { VaultError } from '../errors.js';
import { hasFilterConfig } from '../git/git-query.js';
import { listPolicyFiles, openRepoContext, policyProblem } from '../git/policy-files.js';
import { findStagedHazards } from '../git/staged-hazards.js';
import { brokenDriver } from '../git/driver-health.js';
import { quietOption } from './options.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  program
    .command('check')
    .description('exit non-zero if a file that must be encrypted is not')
    .option('--staged', 'check the index (what the next commit holds); for pre-commit hooks')
    .addOption(quietOption('print nothing when all is well'))
    .option('--json', 'print the verdict as one JSON object (fields in docs/install.md)')
    .action(async (options: { staged?: boolean; quiet?: boolean; json?: boolean }) => {
      const ctx = await openRepoContext(io.cwd, io.env);
      const files = await listPolicyFiles(ctx, { staged: options.staged === true, tree: options.staged !== true });
      // Only an untracked file's verdict depends on the filter being set up: ask git only then.
      const configured = files.some((file) => file.index.kind === 'absent') && hasFilterConfig(ctx.top);
      let problems = 0;
      const found: Array<{ path: string; problem: string }> = [];
      for (const file of files) {
        const problem = policyProblem(file, configured);
        if (problem === null) continue;
        problems += 1;
        found.push({ path: file.path, problem });
        if (!options.json) io.stderr.write(`vault: ${JSON.stringify(file.path)} is ${problem}\n`);
      }
      const broken = brokenDriver(ctx.top);
      if (broken) {
        problems += 1;
        io.stderr.write(`vault: ${broken}\n`);
      }
      for (const hazard of options.staged ? await findStagedHazards(ctx.top, files) : []) {
        problems += 1;
        found.push({ path: hazard.path, problem: hazard.problem });
        if (!options.json) io.stderr.write(`vault: ${JSON.stringify(hazard.path)} is ${hazard.problem}\n`);
      }
      if (options.json) {
        const verdict = { version: 1, ok: problems === 0, staged: options.staged === true, files: files.length, problems: found };
        io.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
      }
      if (problems > 0) {
        throw new VaultError(
          `${problems} file${problems === 1 ? '' : 's'} must be encrypted; run "vault git setup" and "vault unlock", then "git add" them again (or "vault encrypt" them)`,
        );
      }
      if (options.quiet || options.json) return;
      io.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} under the policy, all encrypted${options.staged ? ' in the index' : ''}\n`);
    });
}
