/**
 * `vault export [-f FILE]... [--format dotenv|json|shell]`: prints the variables that the sources
 * define and the references resolve, with the values `vault exec` would give them, for tools that
 * need a file or `eval "$(vault export --format shell ...)"`. Prints nothing else of the environment.
 */
import { Command, Option } from 'commander';
import { addKeySourceOptions, quietOption } from './options.js';
import { EXPORT_FORMATS, formatEnv, type ExportFormat } from '../runtime/env-format.js';
import { addEnvironmentOptions, commandEnvironment, type EnvironmentFlags } from './exec.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  const command = program
    .command('export')
    .description('print the resolved variables as dotenv, JSON or shell export lines');
  addEnvironmentOptions(command).addOption(
    new Option('--format <format>', 'output syntax').choices(EXPORT_FORMATS).default('dotenv'),
  ).addOption(quietOption());
  addKeySourceOptions(command);
  command.action(async (options: EnvironmentFlags & { format: ExportFormat }) => {
    const built = await commandEnvironment(options, io);
    const selected = new Map<string, string>();
    for (const name of built.defined) {
      const value = built.env.get(name);
      if (value !== undefined) selected.set(name, value);
    }
    io.stdout.write(formatEnv(selected, options.format));
  });
}
