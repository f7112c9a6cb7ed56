/**
 * `vault encrypt-string [-n NAME]... [--stdin-name NAME] [-p] [STRING...|-]`: print inline Ansible
 * Vault values (`name: !vault |` blocks) that ansible-playbook reads, as `ansible-vault
 * encrypt_string` does. The value is never written anywhere but the cipher output; a value given
 * as an argument earns a note that argv is visible to other users.
 */
import type { Command } from 'commander';
import { formatInlineVault } from '../core/ansible-inline.js';
import { ANSIBLE_DEFAULT_LABEL, ansiblePasswordOf, sealAnsibleVault } from '../core/ansible-vault.js';
import { systemRandom } from '../core/random.js';
import { InterruptedError, UsageError } from '../errors.js';
import { chooseEncryptCredential, encryptSalt } from '../keys/ansible-secrets.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readStdin, writeStdout } from '../fs/files.js';
import { createKeyContext } from '../keys/key-sources.js';
import { addKeySourceOptions, collect, keySourceOptions, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface EncryptStringOptions extends KeyFlags {
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
  encryptVaultId?: string;
  output?: string;
}


export function register(program: Command, io: Context): void {
  const command = program
    .command('encrypt-string')
    .alias('encrypt_string')
    .description('print an inline Ansible Vault value (a `name: !vault |` block)')
    .argument('[strings...]', 'values to encrypt ("-" reads standard input)')
    .option('-n, --name <name>', 'variable name for the next value (repeatable, in order)', collect)
    .option('--stdin-name <name>', 'read the value from standard input and name it NAME')
    .option('-p, --prompt', 'ask for the value on the terminal (not echoed)')
    .option('--encrypt-vault-id <label>', 'with several --vault-id, the label to encrypt with')
    .option('--output <file>', 'write the blocks to FILE instead of standard output ("-")')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (strings: string[], options: EncryptStringOptions) => {
    const values = await collectValues(strings, options, io);
    const keys = createKeyContext(keySourceOptions(options), io);
    const credential = chooseEncryptCredential(await keys.credentials(), options.encryptVaultId, keys.env, { what: 'an inline ansible value' });
    const label = credential.label ?? ANSIBLE_DEFAULT_LABEL;
    const password = ansiblePasswordOf(credential);
    const blocks: string[] = [];
    for (const { name, value } of values) {
      if (value.length === 0) throw new UsageError('the value to encrypt is empty; nothing to encrypt');
      const sealed = await sealAnsibleVault(value, password, { label, ...encryptSalt(keys.env) }, systemRandom);
      value.fill(0);
      blocks.push(`${formatInlineVault(new TextDecoder().decode(sealed), name)}\n`);
    }
    const text = blocks.join('');
    if (options.output === undefined || options.output === '-') await writeStdout(io.stdout, text);
    else await writeFileAtomic(options.output, new TextEncoder().encode(text));
  });
}

interface NamedValue {
  name: string | undefined;
  value: Uint8Array;
}

async function collectValues(strings: string[], options: EncryptStringOptions, io: Context): Promise<NamedValue[]> {
  const names = [...(options.name ?? [])];
  const values: NamedValue[] = [];
  if (options.stdinName !== undefined) {
    if (strings.includes('-')) throw new UsageError('--stdin-name and "-" both read standard input; use one');
    values.push({ name: options.stdinName, value: await readStdin(io.stdin) });
  }
  if (options.prompt) {
    // ansible-vault encrypt_string -p asks for the variable name first (enter for none).
    const name = names.length > 0 ? names.shift() : await promptName(io);
    values.push({ name, value: await promptValue(io) });
  }
  let fromArgv = false;
  for (const text of strings) {
    if (text === '-') values.push({ name: names.shift(), value: await readStdin(io.stdin) });
    else {
      fromArgv = true;
      values.push({ name: names.shift(), value: new TextEncoder().encode(text) });
    }
  }
  if (values.length === 0) {
    if (io.stdin.isTTY) values.push({ name: names.shift(), value: await promptValue(io) });
    else values.push({ name: names.shift(), value: await readStdin(io.stdin) });
  }
  if (names.length > 0) throw new UsageError(`more --name options than values (${names.join(', ')} left over); give one value per name`);
  if (fromArgv) {
    io.stderr.write('vault: note: a value given as an argument is visible in the process list and shell history; prefer --stdin-name NAME\n');
  }
  return values;
}

async function promptName(io: Context): Promise<string | undefined> {
  if (!io.stdin.isTTY || !io.stderr.isTTY) throw new UsageError('--prompt needs a terminal; use --stdin-name NAME to read the value from standard input');
  const { input } = await import('@inquirer/prompts');
  try {
    const name = (await input({ message: 'variable name (enter for no name):' }, { input: io.stdin, output: io.stderr })).trim();
    return name === '' ? undefined : name;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted at the prompt');
    throw error;
  }
}

async function promptValue(io: Context): Promise<Uint8Array> {
  if (!io.stdin.isTTY || !io.stderr.isTTY) throw new UsageError('--prompt needs a terminal; use --stdin-name NAME to read the value from standard input');
  const { password } = await import('@inquirer/prompts');
  try {
    return new TextEncoder().encode(await password({ message: 'string to encrypt (hidden):', mask: '*' }, { input: io.stdin, output: io.stderr }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new InterruptedError('interrupted at the prompt');
    throw error;
  }
}
