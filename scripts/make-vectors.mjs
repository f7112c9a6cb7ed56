#!/usr/bin/env node
// Regenerates fixtures/vectors/ (docs/FORMAT.md "Test vectors") from a fixed seed: every byte of
// randomness comes from a seeded RandomSource and scrypt runs at logN 10, so the output is the
// same on every run and test/vectors.test.mjs can check the committed files against the code.
// Usage: npm run build && node scripts/make-vectors.mjs   (writes fixtures/vectors/)
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyring, addEntry, serializeKeyring, rotateKeyring } from '../dist/core/keyring.js';
import { sealEnvelope } from '../dist/core/envelope.js';
import { KdfCache } from '../dist/core/kdf.js';
import { serializeKeyFile } from '../dist/core/key-file.js';
import { fileKeys, sha256Bytes } from '../dist/core/derive.js';

export const SEED = 'vaultfile test vectors v1';
const FAST = { logN: 10, r: 8, p: 1 };
const PASSWORD = 'correct horse battery staple';
const INLINE_PASSWORD = 'inline vector password';
const enc = (/** @type {string} */ text) => new TextEncoder().encode(text);

/**
 * SHA-256(seed || label || counter) blocks: a RandomSource with a name, so vectors don't shift
 * when another vector draws more bytes.
 * @param {string} label
 * @returns {(length: number) => Uint8Array}
 */
export function seeded(label) {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let offset = 0; offset < length; offset += 32) {
      const block = createHash('sha256').update(`${SEED}/${label}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, length - offset)), offset);
    }
    return out;
  };
}

// A second, independent armour codec (not the core's), used to corrupt the binary inside.
/** @param {Uint8Array} envelope */
function binaryOf(envelope) {
  const lines = new TextDecoder().decode(envelope).split('\n');
  return new Uint8Array(Buffer.from(lines.slice(1).join(''), 'base64'));
}
/** @param {Uint8Array} binary @param {string} [magic] */
function armour(binary, magic = '$VAULTFILE;1;AES256') {
  const text = Buffer.from(binary).toString('base64');
  const lines = [magic];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return enc(`${lines.join('\n')}\n`);
}
/** @param {Uint8Array} envelope @param {number} offset @param {number} [bit] */
function flipBit(envelope, offset, bit = 0) {
  const binary = binaryOf(envelope);
  binary[offset] ^= 1 << bit;
  return armour(binary);
}
/** The inline keyring text of an inline envelope and the offsets around it. */
function inlineParts(/** @type {Uint8Array} */ binary) {
  const start = 3 + 16 + 32;
  const length = ((binary[start] ?? 0) << 8) | (binary[start + 1] ?? 0);
  return { start, text: new TextDecoder().decode(binary.subarray(start + 2, start + 2 + length)), end: start + 2 + length };
}
/** Replace the inline keyring text (the header MAC no longer matches; the reader must fail earlier). */
function withInlineText(/** @type {Uint8Array} */ envelope, /** @type {(text: string) => string} */ edit) {
  const binary = binaryOf(envelope);
  const { start, text, end } = inlineParts(binary);
  const replaced = enc(edit(text));
  const out = Buffer.concat([binary.subarray(0, start), Buffer.from([replaced.length >> 8, replaced.length & 0xff]), replaced, binary.subarray(end)]);
  return armour(new Uint8Array(out));
}

/**
 * Every vector file (path relative to fixtures/vectors -> bytes) and the manifest describing them.
 * @returns {Promise<{ files: Map<string, Uint8Array>, manifest: any }>}
 */
export async function buildVectors() {
  /** @type {Map<string, Uint8Array>} */
  const files = new Map();
  /** @type {any[]} */
  const vectors = [];
  const kdf = new KdfCache();
  const pw = (/** @type {string} */ text) => ({ kind: 'password', password: enc(text), origin: 'vector password' });

  // The repository keyring "team": a password entry and a key-file entry.
  const ciKey = seeded('ci key')(32);
  const otherKey = seeded('other key')(32);
  files.set('keys/ci.key', enc(serializeKeyFile(ciKey, { created: '2026-11-24T00:00:00Z' })));
  files.set('keys/other.key', enc(serializeKeyFile(otherKey, { created: '2026-11-24T00:00:00Z' })));
  const teamRandom = seeded('team keyring');
  let team = createKeyring('team', teamRandom);
  team = await addEntry(team, /** @type {any} */ (pw(PASSWORD)), 'alice', kdf, teamRandom, FAST);
  team = await addEntry(team, { kind: 'key-file', key: ciKey, origin: 'ci.key' }, 'ci', kdf, teamRandom);
  const teamText = serializeKeyring(team);
  files.set('keyrings/team.keyring', enc(teamText));
  files.set('keyrings/team-edited.keyring', enc(teamText.replace('name: team', 'name: tean')));

  // Inline keyring for standalone files.
  const inlineRandom = seeded('inline keyring');
  let inline = createKeyring('', inlineRandom);
  inline = await addEntry(inline, /** @type {any} */ (pw(INLINE_PASSWORD)), 'owner', kdf, inlineRandom, FAST);

  const TEAM = { keyring: 'keyrings/team.keyring', credential: { password: PASSWORD } };
  const TEAM_KEY = { keyring: 'keyrings/team.keyring', credential: { keyFile: 'keys/ci.key' } };
  const INLINE = { keyring: null, credential: { password: INLINE_PASSWORD } };

  /**
   * @param {string} name @param {Uint8Array} bytes @param {object} opener
   * @param {'success'|'format'|'auth'|'no-key'} expect @param {string} comment @param {Uint8Array} [plaintext]
   */
  const add = (name, bytes, opener, expect, comment, plaintext) => {
    const file = `${name}.vault`;
    if (!files.has(file)) files.set(file, bytes);
    /** @type {any} */
    const vector = { name, file, ...opener, expect, comment };
    if (plaintext) {
      vector.plaintext = `plaintext/${name}.bin`;
      files.set(vector.plaintext, plaintext);
    }
    vectors.push(vector);
  };
  /** @param {string} name @param {Uint8Array} plaintext @param {any} unlocked @param {boolean} [deterministic] */
  const seal = (name, plaintext, unlocked, deterministic = false) =>
    sealEnvelope(plaintext, unlocked, deterministic ? { deterministic: true } : { random: seeded(name) });

  // Success.
  const yaml = enc('db_password: hunter2\napi_token: "s3cr3t"\n');
  const base = seal('keyring-password', yaml, team);
  add('keyring-password', base, TEAM, 'success', 'repository keyring, random mode, opened with the password', yaml);
  add('keyring-key-file', seal('keyring-key-file', yaml, team), TEAM_KEY, 'success', 'repository keyring, opened with the key file', yaml);
  add('deterministic', seal('deterministic', yaml, team, true), TEAM, 'success', 'deterministic mode (git clean filter): file salt = HMAC of the plaintext', yaml);
  const inlineBase = seal('inline', enc('standalone secret\n'), inline);
  add('inline', inlineBase, INLINE, 'success', 'inline keyring: opens with its password alone', enc('standalone secret\n'));
  add('empty', seal('empty', new Uint8Array(0), team), TEAM, 'success', 'empty plaintext: one empty last chunk', new Uint8Array(0));
  const full = seeded('64k plaintext')(65536);
  const fullEnvelope = seal('chunk-64k', full, team);
  add('chunk-64k', fullEnvelope, TEAM, 'success', 'exactly 64 KiB: one full last chunk', full);
  const plusOne = seeded('64k+1 plaintext')(65537);
  const plusOneEnvelope = seal('chunk-64k-plus-1', plusOne, team);
  add('chunk-64k-plus-1', plusOneEnvelope, TEAM, 'success', '64 KiB + 1: a full chunk, then a 1-byte last chunk', plusOne);
  const binary = new Uint8Array(512);
  for (let i = 0; i < 512; i++) binary[i] = i % 256;
  add('binary', seal('binary', binary, team), TEAM, 'success', 'every byte value, twice', binary);
  const crlf = enc('A=1\r\nB=2\r\n');
  add('crlf-plaintext', seal('crlf-plaintext', crlf, team), TEAM, 'success', 'CRLF in the plaintext is kept byte for byte', crlf);

  // A rotated keyring still opens files sealed under the previous data key.
  const rotatedKdf = new KdfCache();
  const oldFile = seal('rotated', yaml, team);
  const { unlocked: rotated } = await rotateKeyring(team, [/** @type {any} */ (pw(PASSWORD)), { kind: 'key-file', key: ciKey, origin: 'ci.key' }], rotatedKdf, seeded('rotation'));
  files.set('keyrings/team-rotated.keyring', enc(serializeKeyring(rotated)));
  add('rotated-previous-key', oldFile, { keyring: 'keyrings/team-rotated.keyring', credential: { password: PASSWORD } }, 'success', 'sealed before a rotation, opened through the previous key', yaml);

  // Keyring names (docs/FORMAT.md §3.1, §5.1). Success: the longest name the rule allows, with a
  // digit first and each of ".", "_" and "-". Failures: envelopes a writer that ignores the rule
  // would make, sealed whole under "team" (header MAC and tags are valid, only the name is wrong),
  // so a reader that holds the key still refuses them, and before it looks for a keyring file.
  const longName = `7.eu-west_1-${'k'.repeat(52)}`;
  const longRandom = seeded('long name keyring');
  let long = createKeyring(longName, longRandom);
  long = await addEntry(long, /** @type {any} */ (pw(PASSWORD)), 'alice', kdf, longRandom, FAST);
  files.set(`keyrings/${longName}.keyring`, enc(serializeKeyring(long)));
  add('keyring-name-64', seal('keyring-name-64', yaml, long), { keyring: `keyrings/${longName}.keyring`, credential: { password: PASSWORD }, keyringName: longName }, 'success', 'keyring name of 64 characters, a digit first, with ".", "_" and "-"', yaml);
  /** @type {[string, string, string][]} */
  const badNames = [
    ['keyring-name-leading-dot', '.team', 'keyring name starting with "." (a hidden file)'],
    ['keyring-name-at', 'ops@team', 'keyring name with "@" (the old header rule allowed it)'],
    ['keyring-name-dot-dot', 'team..old', 'keyring name holding ".."'],
    ['keyring-name-65', `${longName}k`, 'keyring name of 65 characters'],
    ['keyring-name-slash', 'deploy/team', 'keyring name with "/" (a path)'],
  ];
  for (const [name, keyringName, comment] of badNames) {
    const renamed = { ...team, keyring: { ...team.keyring, name: keyringName } };
    add(name, seal(name, yaml, renamed), { ...TEAM, keyringName }, 'format', comment);
  }

  // Keys that do not open.
  add('wrong-password', inlineBase, { keyring: null, credential: { password: 'not the password' } }, 'auth', 'inline keyring, wrong password');
  add('keyring-wrong-password', base, { ...TEAM, credential: { password: 'not the password' } }, 'auth', 'repository keyring, wrong password');
  add('wrong-key-file', base, { ...TEAM, credential: { keyFile: 'keys/other.key' } }, 'auth', 'a key file that matches no keyring entry');
  add('no-credential', base, { ...TEAM, credential: null }, 'no-key', 'no credential at all');
  add('keyring-edited', base, { ...TEAM, keyring: 'keyrings/team-edited.keyring' }, 'auth', 'keyring file edited by hand: its MAC fails after unlocking');

  // Bit flips (keyring "team": version 0, flags 1, name length 2, name 3-6, data key id 7-22,
  // file salt 23-54, header MAC 55-86, payload from 87).
  add('flip-name', flipBit(base, 3), TEAM, 'auth', 'header: keyring name changed (header MAC)');
  add('flip-data-key-id', flipBit(base, 10), TEAM, 'auth', 'header: data key id changed (no such key)');
  add('flip-file-salt', flipBit(base, 30), TEAM, 'auth', 'header: file salt changed (header MAC)');
  add('flip-header-mac', flipBit(base, 60, 7), TEAM, 'auth', 'header MAC changed');
  add('flip-chunk', flipBit(base, 90), TEAM, 'auth', 'payload ciphertext changed (GCM tag)');
  add('flip-tag', flipBit(base, binaryOf(base).length - 1), TEAM, 'auth', 'payload tag changed');
  add('flip-version', flipBit(base, 0, 1), TEAM, 'format', 'header version byte 3: newer than this reader');
  add('unknown-flags', flipBit(base, 1, 2), TEAM, 'format', 'header flags with an unknown bit (0x04)');
  add('flip-entry', withInlineText(inlineBase, (text) => text.replace(/wrapped=(.)/, (_, c) => `wrapped=${c === 'A' ? 'B' : 'A'}`)), INLINE, 'auth', 'inline keyring: wrapped key changed (entry commitment)');
  add('flip-entry-commit', withInlineText(inlineBase, (text) => text.replace(/commit=(.)/, (_, c) => `commit=${c === 'A' ? 'B' : 'A'}`)), INLINE, 'auth', 'inline keyring: commitment changed');

  // Structure.
  const baseBinary = binaryOf(base);
  add('truncated-header', armour(baseBinary.subarray(0, 40)), TEAM, 'format', 'ends inside the header');
  add('truncated-no-payload', armour(baseBinary.subarray(0, 87)), TEAM, 'format', 'a complete header and no chunk');
  add('truncated-chunk', armour(baseBinary.subarray(0, 87 + 10)), TEAM, 'format', 'ends inside a chunk shorter than its tag');
  const twoChunks = binaryOf(plusOneEnvelope);
  add('missing-last-chunk', armour(twoChunks.subarray(0, 87 + 65552)), TEAM, 'format', 'the 1-byte last chunk removed: input ends after a non-last chunk');
  // A valid extra chunk (index 1, last flag) sealed after the full last chunk of the 64 KiB file.
  const fullBinary = binaryOf(fullEnvelope);
  const header = fullBinary.subarray(0, 87);
  const { payloadKey } = fileKeys(team.dataKey, header.subarray(23, 55));
  const nonce = new Uint8Array(12);
  nonce[10] = 1;
  nonce[11] = 1;
  const cipher = createCipheriv('aes-256-gcm', payloadKey, nonce, { authTagLength: 16 });
  cipher.setAAD(sha256Bytes(header));
  const extra = Buffer.concat([cipher.update(enc('extra')), cipher.final(), cipher.getAuthTag()]);
  add('extra-chunk-after-last', armour(new Uint8Array(Buffer.concat([fullBinary, extra]))), TEAM, 'format', 'a second last chunk after the (full) last chunk');
  add('reordered-chunks', armour(new Uint8Array(Buffer.concat([twoChunks.subarray(0, 87), twoChunks.subarray(87 + 65552), twoChunks.subarray(87, 87 + 65552)]))), TEAM, 'auth', 'chunks swapped (counter nonces)');

  // Armour.
  const baseText = new TextDecoder().decode(base);
  const lines = baseText.split('\n');
  add('trailing-garbage', enc(`${baseText}garbage\n`), TEAM, 'format', 'text after the last line');
  add('trailing-newline', enc(`${baseText}\n`), TEAM, 'format', 'a blank line at the end');
  add('missing-final-newline', enc(baseText.slice(0, -1)), TEAM, 'format', 'no newline after the last line');
  add('cr-line-endings', enc(baseText.replace(/\n/g, '\r\n')), TEAM, 'format', 'CRLF line endings');
  add('long-line', enc([lines[0], `${lines[1]}${lines[2]}`, ...lines.slice(3)].join('\n')), TEAM, 'format', 'two lines joined: 152 columns');
  add('short-line', enc([lines[0], (lines[1] ?? '').slice(0, 40), (lines[1] ?? '').slice(40), ...lines.slice(2)].join('\n')), TEAM, 'format', 'a full line split in two');
  add('blank-line', enc([lines[0], '', ...lines.slice(1)].join('\n')), TEAM, 'format', 'a blank line after the magic line');
  add('space-in-line', enc(baseText.replace(/\n([A-Za-z0-9+/]{10})/, '\n $1')), TEAM, 'format', 'a space inside the base64');
  // A one-byte plaintext makes a 104-byte binary: the last quantum is padded (2 unused bits).
  const paddedText = new TextDecoder().decode(seal('noncanonical-base64', enc('x'), team));
  const last = paddedText.split('\n').at(-2) ?? '';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const padAt = last.indexOf('=') - 1;
  const noncanonical = `${last.slice(0, padAt)}${alphabet[alphabet.indexOf(last[padAt] ?? 'A') ^ 1]}${last.slice(padAt + 1)}`;
  add('noncanonical-base64', enc(paddedText.replace(`\n${last}\n`, `\n${noncanonical}\n`)), TEAM, 'format', 'non-zero padding bits in the last base64 quantum');
  add('unknown-version', enc(baseText.replace('$VAULTFILE;1;AES256', '$VAULTFILE;2;AES256')), TEAM, 'format', 'magic line of version 2: upgrade message');
  add('not-an-envelope', enc('db_password: hunter2\n'), TEAM, 'format', 'plaintext');
  add('empty-file', new Uint8Array(0), TEAM, 'format', 'zero bytes');

  // Inline keyring entries that a reader must refuse before any KDF runs.
  add('absurd-work-factor', withInlineText(inlineBase, (text) => text.replace('logN=10', 'logN=40')), INLINE, 'format', 'scrypt logN 40 (above the 2^20 cap): refused before allocating');
  add('wrapped-wrong-length', withInlineText(inlineBase, (text) => text.replace(/wrapped=[^ ]+/, `wrapped=${Buffer.alloc(48, 7).toString('base64')}`)), INLINE, 'format', 'wrapped key of 48 bytes (must be 40)');
  add('scrypt-r-changed', withInlineText(inlineBase, (text) => text.replace('r=8', 'r=16')), INLINE, 'format', 'scrypt r=16 (only r=8 p=1)');

  const manifest = {
    description: 'vaultfile envelope v1 test vectors (docs/FORMAT.md "Test vectors"); made by scripts/make-vectors.mjs',
    seed: SEED,
    scrypt: FAST,
    expect: { success: 'opens to plaintext', format: 'FormatError (exit 3)', auth: 'AuthError (exit 4)', 'no-key': 'NoKeyError (exit 5): no credential given' },
    vectors,
  };
  files.set('manifest.json', enc(`${JSON.stringify(manifest, null, 2)}\n`));
  return { files, manifest };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vectors');
  const { files } = await buildVectors();
  rmSync(out, { recursive: true, force: true });
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), bytes);
  }
  process.stdout.write(`wrote ${files.size} files to ${out}\n`);
}
