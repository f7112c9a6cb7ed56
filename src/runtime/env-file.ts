/**
 * Environment sources on disk: reads a file through a reader (plaintext, or decrypted by the
 * caller's key context) and parses it by its name: `.yml`/`.yaml`/`.json` as a flat map, anything
 * else as dotenv. Only names and line numbers reach error messages, never file content.
 */
import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { FormatError, quotePath } from '../errors.js';
import { fileSystemError } from '../fs/atomic-write.js';
import { parseDotenv, type EnvVars } from './dotenv.js';
import { parseEnvMap } from './env-map.js';

/** Turns a path into the plaintext bytes of the file (decrypting when needed). */
export type SourceReader = (path: string) => Promise<Uint8Array>;

export type EnvFileFormat = 'dotenv' | 'map';

/** The syntax of PATH, from its extension (an encrypted file keeps its plaintext name). */
export function envFileFormatOf(path: string): EnvFileFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.yml' || ext === '.yaml' || ext === '.json' ? 'map' : 'dotenv';
}

/** Parse plaintext BYTES of PATH into variables. */
export function parseEnvFile(bytes: Uint8Array, path: string): EnvVars {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${quotePath(path)}: not UTF-8 text; an environment file must be text`);
  }
  const vars = envFileFormatOf(path) === 'map' ? parseEnvMap(text, path) : parseDotenv(text, path);
  for (const [name, value] of vars) {
    // execve cannot pass a NUL byte; say so here rather than let spawn fail obscurely.
    if (value.includes('\0')) throw new FormatError(`${quotePath(path)}: ${name} holds a NUL character; remove it`);
  }
  return vars;
}

/** Read PATH as it is on disk (sealed or not); errors name the file and the next action. */
export const readPlainFile: SourceReader = async (path) => {
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (error) {
    throw fileSystemError(error, path, 'reading the -f file');
  }
};
