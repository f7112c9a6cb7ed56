/**
 * The command list `vault --help` prints, kept here so that `vault --help` and `vault --version`
 * load no command module (a command module pulls in its operation and its dependencies: half the
 * start-up). test/cli-startup.test.mjs checks that it matches, line for line, the list the command
 * modules themselves register (`vault help`); `node scripts/command-summaries.mjs` rewrites it. Commander wiring only; no logic.
 */
import { Help, type Command } from 'commander';

/** [how help shows the command, its description], in help order. */
export const COMMAND_SUMMARIES: Array<[term: string, summary: string]> = [
  ['init [options]', 'create a keyring (and the policy file) in this repository'],
  ['keygen [options] [file]', 'make a new random key file (mode 0600)'],
  ['keys [options]', 'list, add and remove the keys of a keyring'],
  ['encrypt [options] [files...]', 'encrypt files in place ("-" reads standard input and writes standard output)'],
  ['decrypt [options] [files...]', 'decrypt files in place ("-" reads standard input and writes standard output)'],
  ['view [options] <files...>', 'print the plaintext of files (pager on a terminal)'],
  ['edit [options] <file>', 'edit an encrypted file in $EDITOR (unchanged content is not rewritten)'],
  ['create [options] <file>', 'create a new encrypted file in $EDITOR'],
  ['rekey [options] <files...>', 're-encrypt files for new keys, in memory (standalone and Ansible files)'],
  ['rotate [options]', 'new data key for a keyring; re-encrypt every file under it (resumable)'],
  ['encrypt-string|encrypt_string [options] [strings...]', 'print an inline Ansible Vault value (a `name: !vault |` block)'],
  ['migrate [options] [paths...]', 'convert Ansible Vault files to vaultfile envelopes (or back with --to ansible), or a git-crypt repository (--from git-crypt)'],
  ['exec [options] <command> [args...]', 'run COMMAND with secrets as environment variables (no shell; exits with its status)'],
  ['export [options]', 'print the resolved variables as dotenv, JSON or shell export lines'],
  ['ssm-env [options] [args...]', 'remind101/ssm-env drop-in: replace ssm:///NAME values with SSM parameters, then run COMMAND'],
  ['push [options] <file>', 'write the variables of FILE to SSM Parameter Store or Secrets Manager, and the references a task needs'],
  ['status [options]', 'files under the policy: keyring and key id, encrypted in the index? plaintext in the work tree? key here?'],
  ['check [options]', 'exit non-zero if a file that must be encrypted is not'],
  ['unlock [options] [keyfile]', 'store the data keys for the git filters and decrypt the work tree'],
  ['lock [options]', 'remove the stored keys and re-encrypt the work tree'],
  ['git [options]', 'git integration: transparent encryption of the files under the policy'],
  ['completion [options] <shell>', 'print a shell completion script (bash, zsh or fish)'],
];

/** Register placeholder commands that help lists with their real usage; they never run. */
export function registerSummaries(program: Command): void {
  const terms = new Map<string, string>();
  for (const [term, summary] of COMMAND_SUMMARIES) {
    const name = term.split(/[ |]/)[0]!;
    terms.set(name, term);
    program.command(name).description(summary);
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command) });
}
