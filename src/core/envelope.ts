/**
 * Envelope v1 (docs/FORMAT.md): the whole-buffer API over the streaming sealer and opener, the
 * magic check, and header inspection without a key. Pure: bytes in, bytes out; never reads a
 * keyring file or prompts — the shell unlocks keyrings and passes them in.
 */
import { FormatError, quotePath } from '../errors.js';
import type { Credential } from './credential.js';
import { ArmourDecoder, hasEnvelopePrefix } from './armour.js';
import { concatBytes } from './bytes.js';
import { damaged } from './damage.js';
import { FLAG_DETERMINISTIC, FLAG_INLINE_KEYRING, parseHeader, type EnvelopeHeader } from './header.js';
import type { KdfCache } from './kdf.js';
import { openKeyring, parseInlineEntries, type Keyring, type UnlockedKeyring } from './keyring.js';
import { EnvelopeOpener, EnvelopeSealer, sealDeterministic } from './stream.js';
import type { RandomSource } from './random.js';

export { ENVELOPE_MAGIC } from './armour.js';
export { EnvelopeOpener, EnvelopeSealer, CHUNK_SIZE } from './stream.js';

export interface EnvelopeInfo {
  /** null when the envelope carries its keyring inline. */
  keyringName: string | null;
  dataKeyId: Uint8Array;
  deterministic: boolean;
  /** The inline keyring's entry lines as stored (null for a repository keyring). */
  inlineEntries: string | null;
  /** The inline keyring, parsed from inlineEntries on first access. */
  readonly inlineKeyring?: Keyring;
}

export interface SealOptions {
  /** Git clean filter only: equal plaintext gives byte-equal output (docs/FORMAT.md §6 says what leaks). */
  deterministic?: boolean;
  random?: RandomSource;
}

/** True when the first line starts like an envelope of any version (`$VAULTFILE;`). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return hasEnvelopePrefix(bytes);
}

function infoOf(header: EnvelopeHeader, origin: string): EnvelopeInfo {
  const info: EnvelopeInfo = {
    keyringName: (header.flags & FLAG_INLINE_KEYRING) !== 0 ? null : header.keyringName,
    dataKeyId: header.dataKeyId,
    deterministic: (header.flags & FLAG_DETERMINISTIC) !== 0,
    inlineEntries: header.inlineEntries,
  };
  const text = header.inlineEntries;
  if (text !== null) {
    // Parsed on first use: a bulk command sees the same entries in every file of one run and
    // parses them once (the caller caches by the text, which the header MAC covers).
    let parsed: Keyring | undefined;
    Object.defineProperty(info, 'inlineKeyring', {
      enumerable: true,
      get: (): Keyring => {
        parsed ??= {
          name: '',
          dataKeyId: header.dataKeyId,
          entries: parseInlineEntries(text, origin),
          previous: [],
          // The inline keyring has no MAC of its own: the header MAC covers it, checked by openEnvelope.
          mac: null,
          origin,
        };
        return parsed;
      },
    });
  }
  return info;
}

/**
 * Parse the header without a key (which keyring, which data key, deterministic?). Reads only as
 * many armour lines as the header needs, so a prefix of a large file is enough.
 */
export function inspectEnvelope(bytes: Uint8Array, origin: string): EnvelopeInfo {
  const decoder = new ArmourDecoder(origin);
  let binary: Uint8Array = new Uint8Array(0);
  // Feed the armour a few lines at a time, growing, and stop once the header is complete: a
  // header is ~300 bytes, so a small file is not decoded twice (here and when opened).
  let step = 20 + 77 * 8;
  for (let offset = 0; offset < bytes.length; offset += step, step *= 2) {
    for (const piece of decoder.push(bytes.subarray(offset, offset + step))) binary = concatBytes(binary, piece);
    const parsed = parseHeader(binary, origin);
    if (parsed !== null) return infoOf(parsed.header, origin);
  }
  decoder.finish();
  throw damaged(origin, 'truncated header');
}

export function sealEnvelope(plaintext: Uint8Array, unlocked: UnlockedKeyring, options: SealOptions = {}): Uint8Array {
  if (options.deterministic) return concatBytes(...sealDeterministic(plaintext, unlocked));
  const sealer = new EnvelopeSealer(unlocked, options.random ? { random: options.random } : {});
  return concatBytes(...sealer.push(plaintext), ...sealer.finish());
}

export function openEnvelope(bytes: Uint8Array, unlocked: UnlockedKeyring, origin: string): Uint8Array {
  const opener = new EnvelopeOpener(unlocked, origin);
  return concatBytes(...opener.push(bytes), ...opener.finish());
}

/** A standalone file: unlock its inline keyring with `credentials`, then open it. */
export async function openInlineEnvelope(
  bytes: Uint8Array, credentials: Credential[], kdf: KdfCache, origin: string,
): Promise<Uint8Array> {
  const info = inspectEnvelope(bytes, origin);
  if (!info.inlineKeyring) {
    throw new FormatError(`${quotePath(origin)}: encrypted with keyring ${info.keyringName}, not an inline keyring; run the command inside its repository`);
  }
  const unlocked = await openKeyring(info.inlineKeyring, credentials, kdf);
  return openEnvelope(bytes, unlocked, origin);
}

