/**
 * The one wording for malformed input, so every reader (armour, header, chunks, keyring) tells the
 * user the same thing: which file, what is wrong, what to do next. Builds errors; throws nothing.
 */
import { FormatError, quotePath } from '../errors.js';

/** A FormatError for a damaged or malformed vault file: `"path": damaged vault file: <detail>; ...`. */
export function damaged(origin: string, detail: string): FormatError {
  return new FormatError(
    `${quotePath(origin)}: damaged vault file: ${detail}; restore it from version control or a backup`,
  );
}
