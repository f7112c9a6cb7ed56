/**
 * `vault keygen [FILE]`: a new random 256-bit key file (mode 0600, never overwritten), or the key
 * on standard output. The key opens a keyring once added with "vault keys add --key-file".
 */
import type { Command } from 'commander';
import { serializeKeyFile } from '../core/key-file.js';
import { systemRandom } from '../core/random.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { writeStdout } from '../fs/files.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  program
    .command('keygen')
    .description('make a new random key file (mode 0600)')
    .argument('[file]', 'where to write the key (default: standard output)')
    .action(async (file: string | undefined) => {
      const key = systemRandom(32);
      const text = new TextEncoder().encode(serializeKeyFile(key));
      key.fill(0);
      if (file === undefined || file === '-') {
        await writeStdout(io.stdout, text);
      } else {
        await writeFileAtomic(file, text, { newFileMode: 0o600, exclusive: true });
        io.stderr.write(`wrote ${file} (mode 0600); keep it secret, add it with "vault keys add --key-file ${file}"\n`);
      }
      text.fill(0);
    });
}
