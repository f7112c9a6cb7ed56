/**
 * `vault git setup` (filters, diff and merge drivers, .gitattributes from the policy, pre-commit
 * hook; prints what it wrote) and the plumbing git runs: `filter-process`, `clean`, `smudge`,
 * `textconv`, `merge` (hidden from help). Plumbing never prompts and writes only file content or
 * protocol to stdout; its messages go to stderr.
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { UsageError, quotePath } from '../errors.js';
import { serveFilterProcess } from '../git/filter.js';
import { mergeDriver, runSingleShot, textconv } from '../git/drivers.js';
import { openRepoContext } from '../git/policy-files.js';
import { notesStream, quietOption } from './options.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  const log = (line: string): void => void io.stderr.write(`vault: ${line}\n`);
  const writeOut = (bytes: Uint8Array): void => void io.stdout.write(bytes);
  const git = program.command('git').description('git integration: transparent encryption of the files under the policy');

  git
    .command('setup')
    .description('configure the vault filter, diff and merge drivers, .gitattributes and the pre-commit hook')
    .option('--check', 'only check that .gitattributes matches the policy (exit 1 if not)')
    .addOption(quietOption())
    .action(async (options: { check?: boolean; quiet?: boolean }) => {
      const out = notesStream(io.stdout, options.quiet);
      // Loaded here: simple-git is for setup, and the filter plumbing below should start fast.
      const { plannedAttributes, setUpGit } = await import('../git/setup.js');
      const ctx = await openRepoContext(io.cwd, io.env);
      const show = (path: string) => relative(io.cwd, path) || path;
      if (options.check) {
        const planned = await plannedAttributes(ctx.root);
        if (!planned.upToDate) {
          throw new UsageError(`${quotePath(show(planned.path))} does not match .vaultfile/policy.yml; run "vault git setup"`);
        }
        out.write(`${show(planned.path)} matches .vaultfile/policy.yml\n`);
        return;
      }
      const report = await setUpGit(ctx, io.execPath);
      out.write('wrote git config (local):\n');
      for (const [key, value] of report.config) out.write(`  ${key} = ${value}\n`);
      out.write(
        report.attributesChanged
          ? `wrote ${show(report.attributesFile)} (block generated from .vaultfile/policy.yml); commit it\n`
          : `${show(report.attributesFile)} already matches .vaultfile/policy.yml\n`,
      );
      if (report.hook.written) out.write(`installed pre-commit hook ${show(report.hook.path)} (runs "vault check --staged")\n`);
      else out.write(`pre-commit hook ${show(report.hook.path)}: ${report.hook.reason}\n`);
      if (report.locked.length > 0) {
        out.write(`next: run "vault unlock" to give the filters the key of ${report.locked.map((n) => quotePath(n)).join(', ')}\n`);
      }
    });

  git
    .command('filter-process', { hidden: true })
    .description("git's long-running filter (protocol v2); run by git")
    .action(() => {
      serveFilterProcess(io.cwd, io.env, log);
    });

  for (const name of ['clean', 'smudge'] as const) {
    git
      .command(name, { hidden: true })
      .description(`single-shot ${name} filter; run by git`)
      .argument('[path]', 'the path git is filtering (%f)')
      .action(async (path: string | undefined) => {
        await runSingleShot(name, path ?? '', io.stdin, writeOut, log, io);
      });
  }

  git
    .command('textconv', { hidden: true })
    .description('diff text conversion; run by git')
    .argument('<file>')
    .action((file: string) => {
      writeOut(textconv(file, log, io));
    });

  git
    .command('merge', { hidden: true })
    .description('merge driver; run by git with %O %A %B %L %P')
    .argument('<base>')
    .argument('<ours>')
    .argument('<theirs>')
    .argument('<marker-size>')
    .argument('<path>')
    .action((base: string, ours: string, theirs: string, markerSize: string, path: string) => {
      io.exitCode = mergeDriver({ base, ours, theirs, markerSize, path }, log, io);
    });
}
