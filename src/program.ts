/**
 * Commander wiring only: each command lives in its own file under src/commands/ and registers
 * itself here. No logic, no I/O.
 */
import { Command, Option } from 'commander';
import { VERSION } from './version.js';
import { register as registerInit } from './commands/init.js';
import { register as registerKeygen } from './commands/keygen.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerEncrypt } from './commands/encrypt.js';
import { register as registerDecrypt } from './commands/decrypt.js';
import { register as registerView } from './commands/view.js';
import { register as registerEdit } from './commands/edit.js';
import { register as registerCreate } from './commands/create.js';
import { register as registerRekey } from './commands/rekey.js';
import { register as registerExec } from './commands/exec.js';
import { register as registerExport } from './commands/export.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerUnlock } from './commands/unlock.js';
import { register as registerLock } from './commands/lock.js';
import { register as registerGit } from './commands/git.js';
import { registerAnsible } from './io/ansible-secrets.js';
import { register as registerEncryptString } from './commands/encrypt-string.js';

export function buildProgram(): Command {
  registerAnsible(); // Ansible Vault formats and --vault-id semantics (src/io/ansible-secrets.ts)
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
  registerInit(program);
  registerKeygen(program);
  registerKeys(program);
  registerEncrypt(program);
  registerDecrypt(program);
  registerView(program);
  registerEdit(program);
  registerCreate(program);
  registerRekey(program);
  registerExec(program);
  registerExport(program);
  registerStatus(program);
  registerCheck(program);
  registerUnlock(program);
  registerLock(program);
  registerGit(program);
  registerEncryptString(program);
  addDebugOption(program);
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
