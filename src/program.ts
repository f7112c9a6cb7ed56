/**
 * Commander wiring only: each command lives in its own file under src/commands/ and registers
 * itself here. No logic, no I/O.
 */
import { Command } from 'commander';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('vault')
    .description('keep deployment secrets encrypted in git')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces on errors')
    .enablePositionalOptions()
    .showHelpAfterError('(run "vault --help" for usage)')
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`vault: ${text.replace(/^error: /, '')}`),
    });
  // Commands: one line each, in help order.
  return program;
}
