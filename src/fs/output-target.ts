/**
 * Writing a command's output file (`-o FILE`, or in place) when FILE may not be a regular file
 * (docs/SECURITY.md §4): a character device (`/dev/null`, a terminal) or a FIFO is written to
 * directly, as the user asked, never renamed over (an atomic replace would turn `mynull` into a
 * regular file holding plaintext); a socket or directory is refused; anything else goes through the
 * atomic write.
 */
import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { FileSystemError, quotePath } from '../errors.js';
import { writeFileAtomic, type AtomicWriteOptions, type WriteSource } from './atomic-write.js';

type Kind = 'regular' | 'stream' | 'refused';

function kindOf(path: string): Kind {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 'regular'; // absent: created by the atomic write
  }
  if (stat.isFile()) return 'regular';
  if (stat.isCharacterDevice() || stat.isFIFO()) return 'stream';
  return 'refused';
}

async function writeStream(path: string, source: WriteSource): Promise<void> {
  // No O_CREAT race to worry about: the path exists and is a device or FIFO.
  const out = createWriteStream(path, { flags: 'w' });
  const failed = once(out, 'error').then(([error]) => {
    throw new FileSystemError(`cannot write to ${quotePath(path)}; check it`, { cause: error });
  });
  const write = async (): Promise<void> => {
    const chunks = source instanceof Uint8Array ? [source] : source;
    for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
  };
  await Promise.race([write(), failed]);
}

/** Write SOURCE to PATH: atomically for a regular file, directly for a device or FIFO. */
export async function writeOutputFile(path: string, source: WriteSource, options: AtomicWriteOptions = {}): Promise<void> {
  const kind = kindOf(path);
  if (kind === 'refused') throw new FileSystemError(`${quotePath(path)} is neither a regular file, a device nor a FIFO; choose another output`);
  if (kind === 'stream') return writeStream(path, source);
  await writeFileAtomic(path, source, options);
}
