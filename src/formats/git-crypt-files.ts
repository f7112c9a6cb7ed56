/**
 * git-crypt's files in the shell: reading a key `git-crypt export-key` wrote (or the one
 * `git-crypt unlock` keeps in `.git/git-crypt/keys/`), and opening a blob git-crypt committed, so
 * history stays readable without git-crypt installed (`git show OLD:f | vault view - --git-crypt-key
 * K`). The formats themselves are in src/core/git-crypt.ts. Prints nothing; writes nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isGitCryptFile, openGitCrypt, parseGitCryptKey, type GitCryptKey } from '../core/git-crypt.js';
import { STDIO, readInput } from '../fs/files.js';
import { readSecretFile } from '../keys/key-sources.js';
import { openPlaintext, type SecretSession } from './secrets.js';

/** A git-crypt key file (refused when others can write it, like every key file). */
export async function readGitCryptKey(path: string): Promise<GitCryptKey> {
  const bytes = await readSecretFile(path, 'git-crypt key');
  try {
    return parseGitCryptKey(bytes, path);
  } finally {
    bytes.fill(0);
  }
}

/** Where `git-crypt unlock` keeps key NAME (null: the default key) in the git directory GITDIR. */
export function storedGitCryptKeyPath(gitDir: string, name: string | null): string | null {
  const path = join(gitDir, 'git-crypt', 'keys', name ?? 'default');
  return existsSync(path) ? path : null;
}

/** The plaintext of FILE: a git-crypt blob opened with KEY, anything else as the session opens it. */
export async function openWithGitCryptKey(session: SecretSession, file: string, key: GitCryptKey): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  if (file !== STDIO) {
    const bytes = await readInput(file, session.keys.io);
    if (isGitCryptFile(bytes)) return openGitCrypt(bytes, key, file);
    return openPlaintext(session, file);
  }
  const bytes = await readInput(file, session.keys.io);
  if (isGitCryptFile(bytes)) return openGitCrypt(bytes, key, 'standard input');
  return (await session.open(bytes, file)).plaintext;
}
