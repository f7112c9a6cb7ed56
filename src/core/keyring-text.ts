/**
 * The keyring file's text form (docs/FORMAT.md §5.1): strict line-based parsing, serialization
 * with the keyring MAC, and the entry lines carried by inline keyrings. Needs the data key only to
 * compute the MAC; verifying it is openKeyring's job. No file access.
 */
import { FormatError, UsageError, quotePath } from '../errors.js';
import { utf8, wipe } from './bytes.js';
import { damaged } from './damage.js';
import { decodeBase64, encodeBase64 } from './armour.js';
import { DATA_KEY_ID_LENGTH, hmacSha256, keyringMacKey } from './derive.js';
import { KEYRING_NAME_RULE, isKeyringName } from './keyring-name.js';
import { WRAPPED_LENGTH, formatEntry, parseEntry, type KeyringEntry } from './entry.js';
import type { Keyring, PreviousKey, UnlockedKeyring } from './keyring.js';

export const KEYRING_HEADER = 'vaultfile-keyring v1';
export const MAX_ENTRIES = 64;
export const MAX_INLINE_ENTRIES = 8;
export const MAX_PREVIOUS = 1000;
const MAC_LENGTH = 32;

/** Every line above the `mac:` line, each ending with `\n`: what the keyring MAC covers. */
export function signedText(keyring: Keyring): string {
  const lines = [KEYRING_HEADER, `name: ${keyring.name}`, `data-key-id: ${encodeBase64(keyring.dataKeyId)}`];
  for (const entry of keyring.entries) lines.push(`entry: ${formatEntry(entry)}`);
  for (const old of keyring.previous) lines.push(`previous: ${encodeBase64(old.dataKeyId)} ${encodeBase64(old.wrapped)}`);
  return lines.map((line) => `${line}\n`).join('');
}

/** The keyring file text (ends with `\n`), its MAC recomputed under the data key. */
export function serializeKeyring(unlocked: UnlockedKeyring): string {
  const { keyring, dataKey } = unlocked;
  if (keyring.name === '') throw new UsageError('an inline keyring has no keyring file');
  if (keyring.entries.length === 0) throw new UsageError(`keyring "${keyring.name}" has no entries; add one before writing it`);
  refuseUnknownEntries(keyring);
  const text = signedText(keyring);
  const key = keyringMacKey(dataKey);
  const mac = hmacSha256(key, utf8(text));
  wipe(key);
  return `${text}mac: ${encodeBase64(mac)}\n`;
}

/** Parse a keyring file strictly (docs/FORMAT.md §5.1); no key needed. */
export function parseKeyring(text: string, origin: string): Keyring {
  const bad = (detail: string): FormatError => damaged(origin, detail);
  if (text.includes('\r')) throw bad('the keyring has CR line endings (restore LF endings; check core.autocrlf)');
  if (!text.endsWith('\n')) throw bad('truncated (the last line has no newline)');
  const lines = text.slice(0, -1).split('\n');
  const first = lines[0] as string;
  if (first !== KEYRING_HEADER) {
    const version = /^vaultfile-keyring v([0-9]+)$/.exec(first)?.[1];
    if (version !== undefined && /^[1-9][0-9]*$/.test(version) && Number(version) > 1) {
      throw new FormatError(`${quotePath(origin)}: written by a newer vaultfile (keyring version ${version}); upgrade vaultfile`);
    }
    throw new FormatError(`${quotePath(origin)}: not a vaultfile keyring (the first line is not "${KEYRING_HEADER}")`);
  }
  let n = 1;
  const field = (prefix: string): string => {
    const line = lines[n];
    if (line === undefined || !line.startsWith(prefix)) throw bad(`line ${n + 1} must start with "${prefix}"`);
    n++;
    return line.slice(prefix.length);
  };
  const name = field('name: ');
  if (!isKeyringName(name)) throw bad(`line 2: a keyring name is ${KEYRING_NAME_RULE}`);
  const dataKeyId = decodeBase64(field('data-key-id: '));
  if (dataKeyId === null || dataKeyId.length !== DATA_KEY_ID_LENGTH) throw bad(`line 3: data-key-id must be ${DATA_KEY_ID_LENGTH} bytes of canonical base64`);
  const entries: KeyringEntry[] = [];
  while (lines[n]?.startsWith('entry: ')) {
    if (entries.length >= MAX_ENTRIES) throw bad(`more than ${MAX_ENTRIES} entries`);
    const entry = parseEntry((lines[n] as string).slice(7), origin, `line ${n + 1}`);
    if (entries.some((e) => e.id === entry.id || e.label === entry.label)) throw bad(`line ${n + 1}: duplicate entry id or label`);
    entries.push(entry);
    n++;
  }
  const previous: PreviousKey[] = [];
  while (lines[n]?.startsWith('previous: ')) {
    if (previous.length >= MAX_PREVIOUS) throw bad(`more than ${MAX_PREVIOUS} previous keys`);
    const parts = (lines[n] as string).slice(10).split(' ');
    const id = parts.length === 2 ? decodeBase64(parts[0] as string) : null;
    const wrapped = parts.length === 2 ? decodeBase64(parts[1] as string) : null;
    if (id === null || id.length !== DATA_KEY_ID_LENGTH || wrapped === null || wrapped.length !== WRAPPED_LENGTH) {
      throw bad(`line ${n + 1}: a previous key is a ${DATA_KEY_ID_LENGTH}-byte id and a ${WRAPPED_LENGTH}-byte wrapped key in canonical base64`);
    }
    previous.push({ dataKeyId: id, wrapped });
    n++;
  }
  const mac = decodeBase64(field('mac: '));
  if (mac === null || mac.length !== MAC_LENGTH) throw bad(`line ${n}: mac must be ${MAC_LENGTH} bytes of canonical base64`);
  if (n !== lines.length) throw bad(`line ${n + 1}: nothing may follow the mac line`);
  if (entries.length === 0) throw bad('the keyring has no entries');
  return { name, dataKeyId, entries, previous, mac, origin };
}

/** Inline keyrings (inside an envelope): the entry lines only, each ending with `\n`. */
export function serializeInlineEntries(keyring: Keyring): string {
  return keyring.entries.map((entry) => `entry: ${formatEntry(entry)}\n`).join('');
}

export function parseInlineEntries(text: string, origin: string): KeyringEntry[] {
  if (!text.endsWith('\n')) throw damaged(origin, 'the inline keyring does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  // A hostile file could list many slow scrypt entries; an inline keyring is made by one run of
  // the tool for the few credentials it was given (DESIGN.md §3), so a small cap costs nothing.
  if (lines.length > MAX_INLINE_ENTRIES) throw damaged(origin, `more than ${MAX_INLINE_ENTRIES} inline keyring entries`);
  const entries = lines.map((line, i) => {
    if (!line.startsWith('entry: ')) throw damaged(origin, `inline keyring line ${i + 1} is not an entry`);
    return parseEntry(line.slice(7), origin, `inline keyring line ${i + 1}`);
  });
  return entries;
}

/** A keyring with entry types from a newer vaultfile is never rewritten by this one (FORMAT.md §5.5.5). */
export function refuseUnknownEntries(keyring: Keyring): void {
  const unknown = keyring.entries.find((e) => e.kind === 'unknown');
  if (unknown) {
    throw new UsageError(
      `${quotePath(keyring.origin)}: entry "${unknown.label}" has type "${(unknown as { type: string }).type}", written by a newer vaultfile; upgrade vaultfile to change this keyring`,
    );
  }
}
