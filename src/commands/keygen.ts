/**
 * `vault keygen [FILE]`: a new random 256-bit key file (mode 0600, never overwritten), or the key
 * on standard output. The key opens a keyring once added with "vault keys add --key-file".
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { serializeKeyFile } from '../core/key-file.js';
import { systemRandom } from '../core/random.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { writeStdout } from '../fs/files.js';
import { unignoredSecretWarning } from '../git/ignored.js';
import type { ProgressStream } from '../fs/progress.js';
import { notesStream, quietOption } from './options.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  program
    .command('keygen')
    .description('make a new random key file (mode 0600)')
    .argument('[file]', 'where to write the key (default: standard output)')
    .option('--age', 'make an age identity instead (X25519); prints its age1… recipient')
    .option('--pq', 'with --age: a post-quantum hybrid identity (age1pq1…; needs age 1.3 or later to use with the age CLI)')
    .addOption(quietOption())
    .action(async (file: string | undefined, options: { age?: boolean; pq?: boolean; quiet?: boolean }) => {
      const notes = notesStream(io.stderr, options.quiet);
      if (options.age || options.pq) {
        await writeAgeIdentity(file, options.pq === true, io, notes);
        return;
      }
      const key = systemRandom(32);
      const text = new TextEncoder().encode(serializeKeyFile(key));
      key.fill(0);
      if (file === undefined || file === '-') {
        await writeStdout(io.stdout, text);
      } else {
        await writeFileAtomic(file, text, { newFileMode: 0o600, exclusive: true });
        notes.write(`wrote ${file} (mode 0600); keep it secret, add it with "vault keys add --key-file ${file}"\n`);
        const warning = unignoredSecretWarning(file);
        // A key file git would commit is a leak waiting to happen: printed with --quiet too.
        if (warning) io.stderr.write(`${warning}\n`);
      }
      text.fill(0);
    });
}

/** `vault keygen --age [FILE]`: an age identity file as age-keygen writes it; the recipient on stdout. */
async function writeAgeIdentity(file: string | undefined, pq: boolean, io: Context, notes: ProgressStream): Promise<void> {
  const { generateHybridIdentity, generateIdentity, identityToRecipient } = await import('age-encryption');
  const identity = pq ? await generateHybridIdentity() : await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const created = new Date().toISOString().replace(/\.[0-9]+Z$/, 'Z');
  const text = new TextEncoder().encode(`# created: ${created}\n# public key: ${recipient}\n${identity}\n`);
  if (file === undefined || file === '-') {
    await writeStdout(io.stdout, text);
    notes.write(`public key: ${recipient}\n`);
  } else {
    await writeFileAtomic(resolve(io.cwd, file), text, { newFileMode: 0o600, exclusive: true });
    io.stdout.write(`${recipient}\n`);
    notes.write(`wrote ${file} (mode 0600); give the recipient above to a teammate: "vault keys add --recipient ${recipient.slice(0, 12)}…"\n`);
  }
  text.fill(0);
}
