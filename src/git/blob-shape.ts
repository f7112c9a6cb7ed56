/**
 * For `vault check --staged`: streams staged blobs through the keyless envelope validator
 * (core/envelope-shape.ts), one `git cat-file --batch` for all of them, in bounded memory. A blob
 * that starts like an envelope but has text appended or spliced in is reported, so a clone without
 * the key cannot commit plaintext inside an envelope. Reads only; never prints.
 */
import { spawn } from 'node:child_process';
import { EnvelopeShapeChecker } from '../core/envelope-shape.js';
import { FileSystemError, VaultError } from '../errors.js';

/** sha -> why the blob is not a whole envelope (absent when it is one). */
export function findMalformedEnvelopes(top: string, shas: string[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  const unique = [...new Set(shas)];
  if (unique.length === 0) return Promise.resolve(problems);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'ignore'] });
    let pending: Buffer = Buffer.alloc(0);
    let current: { sha: string; checker: EnvelopeShapeChecker; remaining: number; failed: boolean } | null = null;
    const fail = (sha: string, error: unknown): void => {
      if (!(error instanceof VaultError)) throw error;
      problems.set(sha, error.message.replace(/^"[^"]*": /, ''));
    };
    const take = (chunk: Buffer): void => {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      while (data.length > 0) {
        if (current === null) {
          const eol = data.indexOf(0x0a);
          if (eol < 0) {
            pending = data;
            return;
          }
          const header = data.subarray(0, eol).toString('utf8').split(' ');
          data = data.subarray(eol + 1);
          if (header[1] === 'missing') continue;
          current = { sha: header[0]!, checker: new EnvelopeShapeChecker(header[0]!), remaining: Number(header[2]) + 1, failed: false };
        }
        // remaining counts the LF git writes after each blob; it is not part of the blob.
        const n = Math.min(current.remaining, data.length);
        const body = Math.min(n, current.remaining - 1);
        if (body > 0 && !current.failed) {
          try {
            current.checker.push(data.subarray(0, body));
          } catch (error) {
            current.failed = true;
            fail(current.sha, error);
          }
        }
        current.remaining -= n;
        data = data.subarray(n);
        if (current.remaining === 0) finishBlob();
      }
    };
    const finishBlob = (): void => {
      const done = current!;
      current = null;
      if (done.failed) return;
      try {
        done.checker.finish();
      } catch (error) {
        fail(done.sha, error);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        take(chunk);
      } catch (error) {
        child.kill();
        reject(error);
      }
    });
    child.on('error', (error) => reject(new FileSystemError('cannot run git cat-file; is git installed?', { cause: error })));
    child.on('close', () => resolve(problems));
    child.stdin.end(`${unique.join('\n')}\n`);
  });
}
