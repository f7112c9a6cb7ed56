/**
 * `vault keys list` output (text or --json): per entry its id, type, label, recipient (age
 * recipient, SSH public key or KMS key ARN) and fingerprint; and the access warnings that
 * `keys list` and `keys remove` print when every entry depends on one outside service or none
 * works offline. Reads only public data: no key needed.
 */
import type { Output } from '../context.js';
import type { Keyring, KeyringEntry } from '../core/keyring.js';
import { encodeBase64 } from '../core/armour.js';
import { describeRecipient, type PublicEntry } from '../core/public-entry.js';

interface Row { id: string; type: string; label: string; recipient: string; fingerprint: string }

function rowOf(entry: KeyringEntry): Row {
  const base = { id: entry.id, label: entry.label };
  if (entry.kind === 'unknown') return { ...base, type: entry.type, recipient: '(written by a newer vaultfile)', fingerprint: '' };
  if (entry.kind === 'password') return { ...base, type: 'password', recipient: '', fingerprint: '' };
  if (entry.kind === 'key-file') return { ...base, type: 'key-file', recipient: '', fingerprint: `key-id:${encodeBase64(entry.keyId)}` };
  return { ...base, type: entry.kind, ...describeRecipient(entry as PublicEntry) };
}

/** Warnings about losing access: all entries behind AWS KMS, or (with unknown types) none known offline. */
export function accessWarnings(keyring: Keyring): string[] {
  const offline = keyring.entries.filter((e) => e.kind === 'password' || e.kind === 'key-file' || e.kind === 'age' || e.kind === 'ssh');
  if (offline.length > 0) return [];
  const kms = keyring.entries.filter((e): e is PublicEntry & { kind: 'kms' } => e.kind === 'kms');
  const accounts = new Set(kms.map((e) => e.keyArn.split(':')[4]));
  const service = kms.length === keyring.entries.length
    ? `AWS KMS (account${accounts.size === 1 ? '' : 's'} ${[...accounts].join(', ')})`
    : 'a service or key type this vaultfile cannot check';
  return [
    `every entry of keyring "${keyring.name}" depends on ${service}; no entry works offline. ` +
      'if that access is lost, nobody can open the keyring: add a recipient or key file kept offline (vault keys add --recipient …)',
  ];
}

export function listEntries(keyring: Keyring, where: string, json: boolean, io: { stdout: Output; stderr: Output }): void {
  const rows = keyring.entries.map(rowOf);
  const warnings = accessWarnings(keyring);
  if (json) {
    io.stdout.write(`${JSON.stringify({ keyring: keyring.name, path: where, entries: rows, warnings }, null, 2)}\n`);
    return;
  }
  io.stdout.write(`keyring ${keyring.name} (${where})\n`);
  const width = (key: keyof Row) => Math.max(key.length, ...rows.map((row) => row[key].length));
  const [type, label] = [width('type'), width('label')];
  for (const row of rows) {
    const tail = row.recipient === '' && row.fingerprint === '' ? '' : `  ${row.recipient}${row.fingerprint ? `  ${row.fingerprint}` : ''}`;
    io.stdout.write(`  ${row.id}  ${row.type.padEnd(type)}  ${row.label.padEnd(label)}${tail}`.trimEnd() + '\n');
  }
  for (const warning of warnings) io.stderr.write(`vault: warning: ${warning}\n`);
}
