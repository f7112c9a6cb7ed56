/**
 * `vault encrypt FILE... [-o OUT|-]`: seal files in place (or to OUT / standard output). The
 * policy picks the keyring inside a repository; elsewhere the file carries an inline keyring.
 * An already-encrypted input is refused, never encrypted twice.
 */
import type { Command } from 'commander';
import { isEnvelope } from '../core/envelope.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { STDIO, readInput, writeStdout } from '../io/files.js';
import { createKeyContext } from '../io/key-sources.js';
import { SecretSession, isSealedByAnyCodec, targetForNewFile, type SealTarget } from '../io/secrets.js';
import { addKeySourceOptions, keySourceOptions } from './options.js';
import { checkOutputOption, outputFor } from './output.js';

interface EncryptOptions extends Record<string, unknown> {
  output?: string;
  keyring?: string;
  format?: string;
}

export function register(program: Command): void {
  const command = program
    .command('encrypt')
    .description('encrypt files in place ("-" reads standard input and writes standard output)')
    .argument('<files...>', 'files to encrypt')
    .option('-o, --output <file>', 'write to FILE instead ("-" for standard output); one input only')
    .option('--keyring <name>', 'seal under this keyring of the repository instead of the policy\'s')
    .option('--format <format>', 'output format: vaultfile (default) or ansible', 'vaultfile');
  addKeySourceOptions(command).action(async (files: string[], options: EncryptOptions) => {
    checkOutputOption(files, options.output);
    if (options.format !== 'vaultfile' && options.format !== 'ansible') {
      throw new UsageError(`--format ${options.format}: use vaultfile or ansible`);
    }
    const session = new SecretSession(createKeyContext(keySourceOptions(options)));
    for (const file of files) {
      const plaintext = await readInput(file);
      if (isEnvelope(plaintext) || isSealedByAnyCodec(plaintext)) {
        throw new FormatError(`${quotePath(file)}: is already encrypted; nothing done (use "vault rekey" to change its keys)`);
      }
      const target: SealTarget =
        options.format === 'ansible'
          ? await ansibleTarget(session)
          : await targetForNewFile(file, options.keyring);
      const sealed = await session.seal(plaintext, target);
      plaintext.fill(0);
      const output = outputFor(file, options.output);
      if (output === STDIO) await writeStdout(sealed);
      else await writeFileAtomic(output, sealed);
    }
  });
}

/** Ansible format: version 1.2 with the label of the first --vault-id that has one, else 1.1. */
async function ansibleTarget(session: SecretSession): Promise<SealTarget> {
  const labelled = (await session.credentials()).find((c) => c.kind === 'password' && c.label);
  const label = labelled?.kind === 'password' ? labelled.label : undefined;
  return label ? { kind: 'ansible', version: '1.2', label } : { kind: 'ansible', version: '1.1' };
}
