/**
 * Keyless validation of a whole envelope (docs/FORMAT.md §3.4): the armour (magic line, canonical
 * base64, line lengths, final line), the header fields, and a payload whose length is a whole
 * number of sealed chunks ending in a valid last chunk. A clone without the key passes an envelope
 * through the git filter, and `vault check --staged` accepts it, only when all of this holds: text
 * appended to or spliced into an envelope (plaintext committed from a locked clone) fails here.
 * It cannot check tags (that needs the key). Streaming, bounded memory; pure.
 */
import { ArmourDecoder } from './armour.js';
import { concatBytes } from './bytes.js';
import { damaged } from './damage.js';
import { parseHeader, type EnvelopeHeader } from './header.js';
import { parseInlineEntries } from './keyring-text.js';
import { CHUNK_SIZE, TAG_LENGTH } from './stream.js';

const SEALED_CHUNK = CHUNK_SIZE + TAG_LENGTH;

export class EnvelopeShapeChecker {
  readonly #origin: string;
  readonly #armour: ArmourDecoder;
  #pending: Uint8Array = new Uint8Array(0);
  #header: EnvelopeHeader | null = null;
  #payload = 0;

  constructor(origin: string) {
    this.#origin = origin;
    this.#armour = new ArmourDecoder(origin);
  }

  push(text: Uint8Array): void {
    for (const binary of this.#armour.push(text)) {
      if (this.#header !== null) {
        this.#payload += binary.length;
        continue;
      }
      this.#pending = concatBytes(this.#pending, binary);
      const parsed = parseHeader(this.#pending, this.#origin);
      if (parsed === null) continue;
      this.#header = parsed.header;
      if (parsed.header.inlineEntries !== null) parseInlineEntries(parsed.header.inlineEntries, this.#origin);
      this.#payload = this.#pending.length - parsed.length;
      this.#pending = new Uint8Array(0);
    }
  }

  /** The header, once the whole envelope proved well formed; FormatError otherwise. */
  finish(): EnvelopeHeader {
    this.#armour.finish();
    if (this.#header === null) throw damaged(this.#origin, 'truncated header');
    const length = this.#payload;
    if (length === 0) throw damaged(this.#origin, 'truncated (no payload)');
    // The same split as the opener: full sealed chunks, then a last chunk of TAG..SEALED bytes.
    const last = length % SEALED_CHUNK === 0 ? SEALED_CHUNK : length % SEALED_CHUNK;
    if (last < TAG_LENGTH) throw damaged(this.#origin, 'truncated (a chunk is shorter than its tag)');
    if (last === TAG_LENGTH && length > TAG_LENGTH) throw damaged(this.#origin, 'an empty last chunk follows other chunks');
    return this.#header;
  }
}

/** Validate BYTES as a whole envelope without a key (FormatError when it is not one). */
export function checkEnvelopeShape(bytes: Uint8Array, origin: string): EnvelopeHeader {
  const checker = new EnvelopeShapeChecker(origin);
  checker.push(bytes);
  return checker.finish();
}
