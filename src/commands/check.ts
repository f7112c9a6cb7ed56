/**
 * `vault check [--staged]`: exit 1 when a file the policy says must be encrypted would be (or is)
 * committed as plaintext, or sealed for the wrong keyring. `--staged` looks at the index only, for
 * the pre-commit hook and the pre-commit framework. Reads only (git/check.ts); one line per problem
 * on stderr.
 */
import type { Command } from 'commander';
import { VaultError } from '../errors.js';
import { checkRepository, type CheckReport } from '../git/check.js';
import { openRepoContext } from '../git/policy-files.js';
import { quietOption } from './options.js';
import type { Context } from '../context.js';

/** The verdict as text (a line per problem on stderr, the count on stdout) or as one JSON object. */
function printReport(report: CheckReport, options: { quiet?: boolean; json?: boolean }, io: Context): void {
  const say = (line: string): void => void io.stderr.write(`vault: ${line}\n`);
  if (!options.json) for (const { path, problem } of report.problems) say(`${JSON.stringify(path)} is ${problem}`);
  if (report.brokenDriver) say(report.brokenDriver);
  if (!options.json) for (const { path, problem } of report.hazards) say(`${JSON.stringify(path)} is ${problem}`);
  const problems = report.problems.length + (report.brokenDriver ? 1 : 0) + report.hazards.length;
  if (options.json) {
    const verdict = { version: 1, ok: problems === 0, staged: report.staged, files: report.files, problems: [...report.problems, ...report.hazards] };
    io.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
  }
  if (problems > 0) {
    throw new VaultError(
      `${problems} file${problems === 1 ? '' : 's'} must be encrypted; run "vault git setup" and "vault unlock", then "git add" them again (or "vault encrypt" them)`,
    );
  }
  if (options.quiet || options.json) return;
  io.stdout.write(`${report.files} file${report.files === 1 ? '' : 's'} under the policy, all encrypted${report.staged ? ' in the index' : ''}\n`);
}

export function register(program: Command, io: Context): void {
  program
    .command('check')
    .description('exit non-zero if a file that must be encrypted is not')
    .option('--staged', 'check the index (what the next commit holds); for pre-commit hooks')
    .addOption(quietOption('print nothing when all is well'))
    .option('--json', 'print the verdict as one JSON object (fields in docs/install.md)')
    .action(async (options: { staged?: boolean; quiet?: boolean; json?: boolean }) => {
      const ctx = await openRepoContext(io.cwd, io.env);
      printReport(await checkRepository(ctx, options.staged === true), options, io);
    });
}
