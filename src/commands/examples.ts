/**
 * The examples that end each command's --help: two or three command lines a user can copy. Kept
 * in one table so they read alike; test/cli-help.test.mjs checks that every visible command has
 * them. Commander wiring only.
 */
import type { Command } from 'commander';

const EXAMPLES: Record<string, string[]> = {
  init: ['vault init --password-file ~/.vault-pass', 'vault init --keyring prod --key-file prod.key'],
  keygen: ['vault keygen ci.key', 'vault keygen ~/.config/vaultfile/prod.key'],
  keys: ['vault keys list', 'vault keys add --key-file ci.key --password-file ~/.vault-pass', 'vault keys remove old-laptop --password-file ~/.vault-pass'],
  'keys list': ['vault keys list', 'vault keys list --keyring prod --json'],
  'keys add': ['vault keys add --key-file ci.key --password-file ~/.vault-pass', 'vault keys add --new-password-file new-pass --key-file ci.key'],
  'keys remove': ['vault keys remove old-laptop --password-file ~/.vault-pass', 'vault rotate --password-file ~/.vault-pass   # then re-encrypt'],
  encrypt: ['vault encrypt deploy/vars/prod.yml --password-file ~/.vault-pass', 'vault encrypt deploy/vars/*.yml deploy/files/.env.*', 'cat secrets.env | vault encrypt - --key-file ci.key > secrets.env.vault'],
  decrypt: ['vault decrypt deploy/vars/prod.yml --password-file ~/.vault-pass', 'vault decrypt deploy/vars/prod.yml -o - --key-file ci.key | grep db_'],
  view: ['vault view deploy/vars/prod.yml --key-file ci.key', 'VAULTFILE_PASSWORD_FILE=~/.vault-pass vault view deploy/vars/*.yml'],
  edit: ['vault edit deploy/vars/prod.yml', 'VAULTFILE_EDITOR=nano vault edit deploy/files/.env.prod --key-file ci.key'],
  create: ['vault create deploy/vars/staging.yml', 'vault create --keyring prod deploy/vars/prod.yml'],
  rekey: ['vault rekey vars.yml --password-file old-pass --new-password-file new-pass', 'vault rekey group_vars/all/vault.yml --vault-id prod@old --new-password-file new-pass'],
  rotate: ['vault rotate --password-file ~/.vault-pass', 'vault rotate --keyring prod --key-file prod.key'],
  'encrypt-string': ['vault encrypt-string -p -n db_password --password-file ~/.vault-pass', "printf %s 's3cret' | vault encrypt-string --stdin-name db_password --key-file ci.key"],
  migrate: ['vault migrate group_vars/ --vault-password-file ~/.ansible-pass', 'vault migrate --to ansible deploy/vars/prod.yml', 'vault migrate --from git-crypt --git-crypt-key ../git-crypt.key'],
  exec: ['vault exec -f deploy/files/.env.prod -- node server.js', 'vault exec -f deploy/vars/prod.yml --pristine -- ./deploy.sh'],
  'ssm-env': ['vault ssm-env -with-decryption node server.js', 'DB_PASSWORD=ssm:///prod/db/password vault ssm-env ./start.sh'],
  push: ['vault push deploy/files/.env.prod --to ssm:///prod/app/ --dry-run', 'vault push deploy/files/.env.prod --to secretsmanager:prod/app --ecs-secrets secrets.json'],
  export: ['vault export -f deploy/files/.env.prod', 'vault export -f deploy/vars/prod.yml --format json'],
  status: ['vault status', 'vault status --staged', 'vault status --json | jq \'.files[] | select(.index != "encrypted")\''],
  check: ['vault check', 'vault check --staged --quiet   # in a pre-commit hook', 'vault check --json'],
  unlock: ['vault unlock ci.key', 'vault unlock --password-file ~/.vault-pass'],
  lock: ['vault lock', 'vault lock --keyring prod'],
  git: ['vault git setup', 'vault git setup --check'],
  'git setup': ['vault git setup', 'vault git setup --check   # in CI: .gitattributes matches the policy'],
  completion: ['eval "$(vault completion bash)"', 'vault completion fish > ~/.config/fish/completions/vault.fish'],
};

/** The examples of the command at PATH ("keys list"), or an empty list. */
export function examplesOf(path: string): string[] {
  return EXAMPLES[path] ?? [];
}

/** Append an Examples section to the help of every command of PROGRAM that has examples. */
export function addExamples(program: Command): void {
  const visit = (command: Command, path: string): void => {
    const examples = examplesOf(path);
    if (examples.length > 0) command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  $ ${line}`).join('\n')}`);
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  for (const command of program.commands) visit(command, command.name());
}
