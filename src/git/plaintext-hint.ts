/**
 * For `view`, `decrypt` and `encrypt` of a work-tree file the git filter keeps as plaintext
 * (filter=vault decrypted it on checkout): "not a vault file; encrypt it first" would lead the user
 * to encrypt it by hand and commit an envelope of an envelope. Turns that error into one that says
 * what happened. Asks git only after a format error; never prints.
 */
import { FormatError, UsageError, quotePath } from '../errors.js';
import { hasVaultFilter } from './git-query.js';

/** ERROR, or a clearer one when FILE is plaintext only because the git filter decrypted it. */
export function explainFilterPlaintext(error: unknown, file: string): unknown {
  if (!(error instanceof FormatError) || file === '-' || !/: not a vault file;/.test(error.message) || !hasVaultFilter(file)) return error;
  return new UsageError(
    `${quotePath(file)} is plaintext in the work tree because the git filter (filter=vault) decrypted it on checkout; read it directly, and "git add" encrypts it`,
    { cause: error },
  );
}
