/**
 * Public recipients as `vault keys add` and `vault init` take them: `--recipient` (an `age1…`
 * recipient or an `ssh-ed25519`/`ssh-rsa` public key line), `--recipients-file` (age -R files and
 * authorized_keys lines, `#` comments), `--kms ARN`. Unknown or malformed recipients are refused
 * with the reason and the line. Labels are given where they are added (core/entry-labels.ts).
 */
import { readFileSync } from 'node:fs';
import type { IdentityCredential } from '../core/credential.js';
import type { UnlabelledEntry as Unlabelled } from '../core/entry-labels.js';
import { isAgeRecipient, isKmsArn } from '../core/public-entry.js';
import { parseSshPublicKey } from '../core/ssh-key.js';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { fileSystemError } from '../fs/atomic-write.js';

/** One recipient string; `where` names it in errors. */
export function parseRecipient(text: string, where: string): Unlabelled {
  const value = text.trim();
  if (value.startsWith('age1')) {
    if (!isAgeRecipient(value)) throw new FormatError(`${where}: "${value.slice(0, 24)}…" is not a valid age recipient`);
    return { kind: 'age', recipient: value, origin: where };
  }
  if (/^AGE-(SECRET|PLUGIN)-/i.test(value)) {
    throw new UsageError(`${where}: that is a secret identity, not a recipient; give its public "age1…" line (age-keygen -y FILE)`);
  }
  if (/(^|\s)(ssh-|ecdsa-|sk-)/.test(value)) {
    const key = parseSshPublicKey(value, where);
    const comment = value.split(/\s+/).slice(value.split(/\s+/).indexOf(key.type) + 2).join('-');
    return { kind: 'ssh', key, origin: where, ...(comment ? { comment } : {}) };
  }
  throw new FormatError(`${where}: unknown recipient type; give an age1… recipient or an ssh-ed25519 / ssh-rsa public key`);
}

/** The recipients of an `age -R` style file (one a line, `#` comments, blank lines). */
export function readRecipientsFile(path: string): Unlabelled[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fileSystemError(error, path, 'reading the recipients file');
  }
  const out: Unlabelled[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    out.push(parseRecipient(line, `${quotePath(path)} line ${index + 1}`));
  }
  if (out.length === 0) throw new FormatError(`${quotePath(path)}: holds no recipient`);
  return out;
}

/** A KMS key or alias ARN (region and account are in the ARN). */
export function parseKmsKey(arn: string): Unlabelled {
  if (!isKmsArn(arn)) {
    throw new UsageError(`--kms ${arn}: give a KMS key or alias ARN, like arn:aws:kms:eu-west-1:111122223333:alias/vaultfile-prod`);
  }
  return { kind: 'kms', keyArn: arn, origin: `--kms ${arn}` };
}

/** The public recipients of identity credentials (`vault init --identity`). */
export function recipientsOfIdentities(credentials: IdentityCredential[]): Unlabelled[] {
  return credentials.flatMap((c) => (c.recipients ?? []).map((r) => parseRecipient(r, c.origin)));
}
