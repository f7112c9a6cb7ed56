/**
 * Environment sources on disk: reads a file through a reader (plaintext, or decrypted by the
 * caller's key context) and parses it by its name: `.yml`/`.yaml`/`.json` as a flat map, anything
 * else as dotenv. Only names and line numbers reach error messages, never file content.
 */
import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { AuthError, FormatError, quotePath } from '../errors.js';
import { fileSystemError } from '../fs/atomic-write.js';
import { parseDotenv, type EnvVars } from './dotenv.js';
import { parseEnvMap, type SealedVariables } from './env-map.js';

/** Turns a path into the plaintext bytes of the file (decrypting when needed). */
export type SourceReader = (path: string) => Promise<Uint8Array>;

export type EnvFileFormat = 'dotenv' | 'map';

/** The syntax of PATH, from its extension (an encrypted file keeps its plaintext name). */
export function envFileFormatOf(path: string): EnvFileFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.yml' || ext === '.yaml' || ext === '.json' ? 'map' : 'dotenv';
}

/**
 * Parse plaintext BYTES of PATH into variables. SEALED, when given, receives the variables whose
 * inline `!vault` values no key opened (env-map.ts); without it such a file is refused.
 */
export function parseEnvFile(bytes: Uint8Array, path: string, sealed?: SealedVariables): EnvVars {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${quotePath(path)}: not UTF-8 text; an environment file must be text`);
  }
  const vars = envFileFormatOf(path) === 'map' ? parseEnvMap(text, path, sealed) : parseDotenv(text, path);
  for (const [name, value] of vars) {
    // execve cannot pass a NUL byte; say so here rather than let spawn fail obscurely.
    if (value.includes('\0')) throw new FormatError(`${quotePath(path)}: ${name} holds a NUL character; remove it`);
  }
  return vars;
}

/**
 * The refusal when variables a command must set stay sealed: names them and the vault-id they are
 * sealed for, never a value. OUTCOME says what did not happen; ALTERNATIVE is another way on.
 */
export function sealedVariablesError(path: string, sealed: SealedVariables, outcome: string, alternative = ''): AuthError {
  const labels = new Set(sealed.values());
  const label = labels.size === 1 ? [...labels][0] : null;
  const sealedFor = label ? ` (sealed for vault-id ${quotePath(label)})` : '';
  return new AuthError(
    `${quotePath(path)}: ${[...sealed.keys()].join(', ')} cannot be opened with the keys given${sealedFor}; ${outcome}; add --vault-id ${label ?? 'LABEL'}@FILE${alternative}`,
  );
}

/** Read PATH as it is on disk (sealed or not); errors name the file and the next action. */
export const readPlainFile: SourceReader = async (path) => {
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (error) {
    throw fileSystemError(error, path, 'reading the -f file');
  }
};
