/**
 * `vault encrypt FILE... [-o OUT|-]`: seal files in place (or to OUT / standard output). The
 * policy picks the keyring inside a repository; elsewhere the file carries an inline keyring.
 * An already-encrypted input is refused, never encrypted twice. Large files stream.
 */
import type { Command } from 'commander';
import { isEnvelope } from '../core/envelope.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { syncDirectories } from '../fs/atomic-write.js';
import { writeOutputFile } from '../fs/output-target.js';
import { assertStaysInRepository } from '../repo/link-guard.js';
import { isGitCryptFile } from '../core/git-crypt.js';
import { STDIO, checkInputFile, readInput, writeStdout } from '../fs/files.js';
import { chooseEncryptCredential } from '../keys/ansible-secrets.js';
import { ansibleTargetFor } from '../formats/ansible-formats.js';
import { createKeyContext } from '../keys/key-sources.js';
import { createProgress } from '../fs/progress.js';
import {
  STREAM_THRESHOLD, SecretSession, isSealedByAnyCodec, readPrefix, sealFileStream, targetForNewFile, type SealTarget,
} from '../formats/secrets.js';
import { keySourceOptions, notesStream, type KeyFlags } from './options.js';
import { addFileCommand, inputFiles, outputFor } from './output.js';
import type { Context } from '../context.js';

interface EncryptOptions extends KeyFlags {
  output?: string;
  keyring?: string;
  format: string;
  encryptVaultId?: string;
  followSymlinks?: boolean;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = addFileCommand(program, 'encrypt', (own) =>
    own
      .option('--keyring <name>', 'seal under this keyring of the repository instead of the policy\'s')
      .option('--format <format>', 'output format: vaultfile (default) or ansible', 'vaultfile')
      .option('--encrypt-vault-id <label>', 'with --format ansible and several --vault-id, the label to encrypt with'),
  );
  command.action(async (files: string[], options: EncryptOptions) => {
    const output = options.output;
    files = inputFiles(files, output);
    if (options.format !== 'vaultfile' && options.format !== 'ansible') {
      throw new UsageError(`--format ${String(options.format)}: use vaultfile or ansible`);
    }
    const session = new SecretSession(createKeyContext(keySourceOptions(options), io));
    const directories = new Set<string>();
    const progress = createProgress(files.length, 'encrypt', notesStream(io.stderr, options.quiet));
    try {
      for (const file of files) {
        await encryptOne(file);
        progress.tick(file);
      }
    } finally {
      progress.done();
      syncDirectories(directories);
    }

    async function encryptOne(file: string): Promise<void> {
      assertStaysInRepository(file, options.followSymlinks === true);
      if (output !== undefined) assertStaysInRepository(output, options.followSymlinks === true);
      const large = file !== STDIO && (await checkInputFile(file)) > STREAM_THRESHOLD;
      const head = large ? await readPrefix(file) : await readInput(file, io);
      if (isEnvelope(head) || isSealedByAnyCodec(head) || isGitCryptFile(head)) {
        throw new FormatError(`${quotePath(file)}: is already encrypted; nothing done (use "vault rekey" to change its keys)`);
      }
      const target: SealTarget =
        options.format === 'ansible'
          ? await ansibleTarget(session, options.encryptVaultId)
          : await targetForNewFile(file, options.keyring, io);
      const destination = outputFor(file, output);
      const streams = large && (target.kind === 'keyring' || target.kind === 'inline');
      const plaintext = large && !streams ? await readInput(file, io) : head;
      const sealed = streams ? await sealFileStream(session, file, target) : await session.seal(plaintext, target);
      plaintext.fill(0);
      if (destination === STDIO) {
        if (sealed instanceof Uint8Array) await writeStdout(io.stdout, sealed);
        else for await (const piece of sealed) await writeStdout(io.stdout, piece);
      } else {
        await writeOutputFile(destination, sealed, { deferDirectorySync: directories });
      }
    }
  });
}

/** Ansible format, as ansible-vault encrypt: one vault-id (or --encrypt-vault-id); 1.1 for "default", else 1.2. */
async function ansibleTarget(session: SecretSession, wanted: string | undefined): Promise<SealTarget> {
  return ansibleTargetFor(chooseEncryptCredential(await session.credentials(), wanted, session.keys.env));
}
