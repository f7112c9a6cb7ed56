/**
 * `vault encrypt-string [-n NAME]... [--stdin-name NAME] [-p] [STRING...|-]`: print inline Ansible
 * Vault values (`name: !vault |` blocks) that ansible-playbook reads, as `ansible-vault
 * encrypt_string` does. The value is never written anywhere but the cipher output; a value given
 * as an argument earns a note that argv is visible to other users.
 */
import type { Command } from 'commander';
import { formatInlineVault } from '../core/ansible-inline.js';
import { ANSIBLE_DEFAULT_LABEL, describeCredential, sealAnsibleVault } from '../core/ansible-vault.js';
import type { Credential } from '../core/credential.js';
import { systemRandom } from '../core/random.js';
import { InterruptedError, NoKeyError, UsageError } from '../errors.js';
import { readStdin, writeStdout } from '../io/files.js';
import { createKeyContext } from '../io/key-sources.js';
import { addKeySourceOptions, keySourceOptions } from './options.js';

interface EncryptStringOptions extends Record<string, unknown> {
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
  encryptVaultId?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  const command = program
    .command('encrypt-string')
    .description('print an inline Ansible Vault value (a `name: !vault |` block)')
    .argument('[strings...]', 'values to encrypt ("-" reads standard input)')
    .option('-n, --name <name>', 'variable name for the next value (repeatable, in order)', collect)
    .option('--stdin-name <name>', 'read the value from standard input and name it NAME')
    .option('-p, --prompt', 'ask for the value on the terminal (not echoed)')
    .option('--encrypt-vault-id <label>', 'with several --vault-id, the label to encrypt with');
  addKeySourceOptions(command).action(async (strings: string[], options: EncryptStringOptions) => {
    const values = await collectValues(strings, options);
    const credential = chooseCredential(await createKeyContext(keySourceOptions(options)).credentials(), options.encryptVaultId);
    const label = credential.label ?? ANSIBLE_DEFAULT_LABEL;
    const blocks: string[] = [];
    for (const { name, value } of values) {
      if (value.length === 0) throw new UsageError('the value to encrypt is empty; nothing to encrypt');
      const sealed = await sealAnsibleVault(value, credential.password, { label }, systemRandom);
      value.fill(0);
      blocks.push(`${formatInlineVault(new TextDecoder().decode(sealed), name)}\n`);
    }
    await writeStdout(blocks.join(''));
  });
}

interface NamedValue {
  name: string | undefined;
  value: Uint8Array;
}

async function collectValues(strings: string[], options: EncryptStringOptions): Promise<NamedValue[]> {
  const names = [...(options.name ?? [])];
  const values: NamedValue[] = [];
  if (options.stdinName !== undefined) {
    if (strings.includes('-')) throw new UsageError('--stdin-name and "-" both read standard input; use one');
    values.push({ name: options.stdinName, value: await readStdin() });
  }
  if (options.prompt) values.push({ name: names.shift(), value: await promptValue() });
  let fromArgv = false;
  for (const text of strings) {
    if (text === '-') values.push({ name: names.shift(), value: await readStdin() });
    else {
      fromArgv = true;
      values.push({ name: names.shift(), value: new TextEncoder().encode(text) });
    }
  }
  if (values.length === 0) {
    if (process.stdin.isTTY) values.push({ name: names.shift(), value: await promptValue() });
    else values.push({ name: names.shift(), value: await readStdin() });
  }
  if (names.length > 0) throw new UsageError(`more --name options than values (${names.join(', ')} left over); give one value per name`);
  if (fromArgv) {
    process.stderr.write('vault: note: a value given as an argument is visible in the process list and shell history; prefer --stdin-name NAME\n');
  }
  return values;
}

/** Ansible's rule: one password encrypts; with several, --encrypt-vault-id picks it by label. */
function chooseCredential(credentials: Credential[], wanted: string | undefined): Credential & { kind: 'password' } {
  const passwords = credentials.filter((c): c is Credential & { kind: 'password' } => c.kind === 'password');
  if (passwords.length === 0) {
    throw new NoKeyError('an inline ansible value needs a password (key files cannot); pass --vault-id LABEL@FILE or --password-file FILE');
  }
  if (wanted !== undefined) {
    const match = passwords.find((c) => (c.label ?? ANSIBLE_DEFAULT_LABEL) === wanted);
    if (!match) throw new UsageError(`--encrypt-vault-id ${wanted}: no --vault-id has that label; given: ${passwords.map(describeCredential).join(', ')}`);
    return match;
  }
  if (passwords.length > 1) {
    throw new UsageError(`several passwords could encrypt (${passwords.map(describeCredential).join(', ')}); choose one with --encrypt-vault-id LABEL`);
  }
  return passwords[0]!;
}

async function promptValue(): Promise<Uint8Array> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw new UsageError('--prompt needs a terminal; use --stdin-name NAME to read the value from standard input');
  const { password } = await import('@inquirer/prompts');
  try {
    return new TextEncoder().encode(await password({ message: 'string to encrypt (hidden):', mask: '*' }, { output: process.stderr }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted at the prompt');
    throw error;
  }
}
