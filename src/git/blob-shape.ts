/**
 * For `vault check --staged`: streams staged blobs through the keyless envelope validator
 * (core/envelope-shape.ts), one `git cat-file --batch` for all of them, in bounded memory. A blob
 * that starts like an envelope but has text appended or spliced in is reported, so a clone without
 * the key cannot commit plaintext inside an envelope. Reads only; never prints.
 */
import { EnvelopeShapeChecker } from '../core/envelope-shape.js';
import { VaultError } from '../errors.js';
import { streamBlobs } from './git-query.js';

/** sha -> why the blob is not a whole envelope (absent when it is one). */
export async function findMalformedEnvelopes(top: string, shas: string[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  let current: { sha: string; checker: EnvelopeShapeChecker; failed: boolean } | null = null;
  const guard = (step: () => void): void => {
    if (current!.failed) return;
    try {
      step();
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      current!.failed = true;
      problems.set(current!.sha, error.message.replace(/^"[^"]*": /, ''));
    }
  };
  await streamBlobs(top, shas, {
    start: (sha) => {
      current = { sha, checker: new EnvelopeShapeChecker(sha), failed: false };
    },
    data: (chunk) => guard(() => current!.checker.push(chunk)),
    end: () => guard(() => current!.checker.finish()),
  });
  return problems;
}
