/**
 * Commander wiring only: each command lives in its own file under src/commands/ and registers
 * itself. Only the command being run is loaded (start-up time is most of a small command's cost,
 * and `vault view` of one file should not load git or AWS code); --help and --version load none
 * (src/command-summaries.ts), `vault help` and unknown commands load them all. No logic, no I/O.
 */
import { Command, Option } from 'commander';
import type { Context } from './context.js';
import { VERSION } from './version.js';

type Register = (program: Command, context: Context) => void;
type Loader = () => Promise<{ register: Register }>;

/** Commands in help order: name -> module. */
const COMMANDS: [string, Loader][] = [
  ['init', () => import('./commands/init.js')],
  ['keygen', () => import('./commands/keygen.js')],
  ['keys', () => import('./commands/keys.js')],
  ['encrypt', () => import('./commands/encrypt.js')],
  ['decrypt', () => import('./commands/decrypt.js')],
  ['view', () => import('./commands/view.js')],
  ['edit', () => import('./commands/edit.js')],
  ['create', () => import('./commands/create.js')],
  ['rekey', () => import('./commands/rekey.js')],
  ['rotate', () => import('./commands/rotate.js')],
  ['encrypt-string', () => import('./commands/encrypt-string.js')],
  ['migrate', () => import('./commands/migrate.js')],
  ['exec', () => import('./commands/exec.js')],
  ['export', () => import('./commands/export.js')],
  ['ssm-env', () => import('./commands/ssm-env.js')],
  ['push', () => import('./commands/push.js')],
  ['status', () => import('./commands/status.js')],
  ['check', () => import('./commands/check.js')],
  ['unlock', () => import('./commands/unlock.js')],
  ['lock', () => import('./commands/lock.js')],
  ['git', () => import('./commands/git.js')],
  ['completion', () => import('./commands/completion.js')],
];

/** The subcommand named in ARGS (the first argument that is not an option), if any. */
function commandName(args: string[]): string | undefined {
  return args.find((arg) => !arg.startsWith('-'));
}

export async function buildProgram(args: string[], context: Context): Promise<Command> {
  const name = commandName(args);
  const program = new Command('vault')
    .description('keep deployment secrets encrypted in git')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces on errors')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void context.stdout.write(text),
      writeErr: (text) => void context.stderr.write(text),
      // One line: commander's message and where to read the usage.
      outputError: (text, write) => write(`vault: ${text.replace(/^error: /, '').trimEnd()}; see "vault --help"\n`),
    });
  if (name === undefined) {
    // --version, --help or nothing: list the commands without loading them (src/command-summaries.ts).
    (await import('./command-summaries.js')).registerSummaries(program);
    return program;
  }
  // completion describes every command; help and unknown commands list them all.
  const selected = name === 'completion' ? [] : COMMANDS.filter(([command]) => command === name);
  for (const [, load] of selected.length === 1 ? selected : COMMANDS) (await load()).register(program, context);
  addDebugOption(program);
  if (name === 'help' || args.includes('--help') || args.includes('-h')) (await import('./commands/examples.js')).addExamples(program);
  return program;
}

/** --debug is accepted after any subcommand too (positional options keep it per command). */
function addDebugOption(command: Command): void {
  for (const sub of command.commands) {
    if (!sub.options.some((option) => option.long === '--debug')) {
      sub.addOption(new Option('--debug', 'show stack traces on errors').hideHelp());
    }
    addDebugOption(sub);
  }
}
