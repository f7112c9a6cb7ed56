// Bounded in-process fuzzing (docs/SECURITY.md §6): at least 20,000 mutated envelopes, keyrings
// and Ansible vaults (bit flips, truncation, line edits, base64 and header field edits, chunk
// reorder/duplicate/drop, CRLF, huge declared lengths). Each must end in a format or
// authentication error, never another exception, and never release plaintext other than the
// original (a mutation Ansible's own reader tolerates, such as CRLF, may still open). Seeded, so
// a failure replays; capped at 60 seconds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addEntry, createKeyring, openKeyring, parseKeyring, rotateKeyring, serializeKeyring, unlockWithDataKey } from '../dist/core/keyring.js';
import { openEnvelope, openInlineEnvelope, sealEnvelope } from '../dist/core/envelope.js';
import { openAnsibleVault, sealAnsibleVault } from '../dist/core/ansible-vault.js';
import { KdfCache } from '../dist/core/kdf.js';
import { AuthError, FormatError, NoKeyError } from '../dist/errors.js';

const DEADLINE_MS = 60_000;
const TARGET = { envelope: 14_000, keyring: 4_000, ansible: 2_500 };

/** xorshift32: a seeded, replayable stream of numbers. @param {number} seed */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return {
    next() {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      return x;
    },
    /** @param {number} n */
    below(n) {
      return this.next() % Math.max(1, n);
    },
    /** @param {number} n */
    bytes(n) {
      return Uint8Array.from({ length: n }, () => this.next() & 0xff);
    },
  };
}

const rng = prng(0x5eed1e55);
const random = (/** @type {number} */ n) => rng.bytes(n);
const enc = new TextEncoder();

/** @param {Uint8Array} bytes */
const lines = (bytes) => Buffer.from(bytes).toString('latin1').split('\n');
/** @param {string[]} parts */
const join = (parts) => Uint8Array.from(Buffer.from(parts.join('\n'), 'latin1'));

/** The base64 body of an armoured envelope as binary, and its magic line. @param {Uint8Array} bytes */
function unarmour(bytes) {
  const all = lines(bytes);
  return { magic: all[0], binary: Buffer.from(all.slice(1).join(''), 'base64') };
}

/** @param {string} magic @param {Uint8Array} binary */
function armour(magic, binary) {
  const text = Buffer.from(binary).toString('base64');
  const out = [magic];
  for (let i = 0; i < text.length; i += 76) out.push(text.slice(i, i + 76));
  return join([...out, '']);
}

/** Text-level mutations shared by every format. @param {Uint8Array} input */
function mutateText(input) {
  const bytes = Uint8Array.from(input);
  const all = lines(bytes);
  switch (rng.below(9)) {
    case 0: { // bit flips
      for (let i = 1 + rng.below(3); i > 0; i--) bytes[rng.below(bytes.length)] ^= 1 << rng.below(8);
      return bytes;
    }
    case 1: // truncation
      return bytes.subarray(0, rng.below(bytes.length));
    case 2: { // delete a line
      all.splice(rng.below(all.length), 1);
      return join(all);
    }
    case 3: { // duplicate a line
      const i = rng.below(all.length);
      all.splice(i, 0, all[i] ?? '');
      return join(all);
    }
    case 4: { // swap two lines
      const i = rng.below(all.length);
      const j = rng.below(all.length);
      [all[i], all[j]] = [all[j] ?? '', all[i] ?? ''];
      return join(all);
    }
    case 5: { // replace one character of a line with a base64, hex or field character
      const i = rng.below(all.length);
      const line = all[i] ?? '';
      const alphabet = 'AZaz09+/=;: 0x-fF\r\t';
      const at = rng.below(line.length + 1);
      all[i] = line.slice(0, at) + alphabet[rng.below(alphabet.length)] + line.slice(at + 1);
      return join(all);
    }
    case 6: // CRLF
      return join(all.map((line) => `${line}\r`));
    case 7: { // garbage appended (plaintext added to the file)
      return Uint8Array.from([...bytes, ...enc.encode('STRIPE_KEY=sk_live_123\n')]);
    }
    default: { // a header field replaced by a huge or odd number
      const i = rng.below(Math.min(all.length, 6));
      all[i] = (all[i] ?? '').replace(/[0-9]+/, ['99999999999999999999', '-1', '0', '40', '0x12', '018'][rng.below(6)] ?? '1');
      return join(all);
    }
  }
}

/** Binary-level mutations of an envelope under valid armour: header fields and chunks. @param {Uint8Array} input */
function mutateEnvelope(input) {
  if (rng.below(3) === 0) return mutateText(input);
  const { magic, binary } = unarmour(input);
  const out = Buffer.from(binary);
  const headerEnd = Math.min(out.length, 80 + rng.below(200));
  switch (rng.below(6)) {
    case 0: // a header byte replaced (name length, flags, version, lengths: huge declared lengths)
      out[rng.below(headerEnd)] = [0xff, 0x00, 0x7f, 0x80, rng.next() & 0xff][rng.below(5)] ?? 0;
      return armour(magic ?? '', out);
    case 1: { // drop a chunk-sized slice
      const at = headerEnd + rng.below(Math.max(1, out.length - headerEnd));
      return armour(magic ?? '', Buffer.concat([out.subarray(0, at), out.subarray(at + 65552)]));
    }
    case 2: { // duplicate a slice
      const at = headerEnd + rng.below(Math.max(1, out.length - headerEnd));
      return armour(magic ?? '', Buffer.concat([out.subarray(0, at), out.subarray(at, at + 65552), out.subarray(at)]));
    }
    case 3: { // reorder: move the tail in front of a middle part
      const a = headerEnd + rng.below(Math.max(1, out.length - headerEnd));
      const b = a + rng.below(Math.max(1, out.length - a));
      return armour(magic ?? '', Buffer.concat([out.subarray(0, a), out.subarray(b), out.subarray(a, b)]));
    }
    case 4: // truncate the binary, re-armoured (valid armour, short payload)
      return armour(magic ?? '', out.subarray(0, rng.below(out.length)));
    default: // a bit flip in the payload, re-armoured
      out[headerEnd + rng.below(Math.max(1, out.length - headerEnd))] ^= 1 << rng.below(8);
      return armour(magic ?? '', out);
  }
}

/** @param {unknown} error */
const expected = (error) => error instanceof FormatError || error instanceof AuthError || error instanceof NoKeyError;

/**
 * Run OPEN on MUTATED: it must fail with a format or auth error, or succeed with exactly ORIGINAL.
 * @param {string} what @param {Uint8Array} mutated @param {(b: Uint8Array) => Promise<Uint8Array | string>} open @param {Uint8Array | string} original
 */
async function check(what, mutated, open, original) {
  let result;
  try {
    result = await open(mutated);
  } catch (error) {
    if (!expected(error)) {
      assert.unreachable(`${what}: ${String(error)}\nmutated (base64): ${Buffer.from(mutated).toString('base64').slice(0, 2000)}`);
    }
    return;
  }
  const same = typeof original === 'string' ? result === original : Buffer.from(/** @type {Uint8Array} */ (result)).equals(Buffer.from(original));
  assert.ok(same, `${what}: a mutation released something other than the original\nmutated (base64): ${Buffer.from(mutated).toString('base64').slice(0, 2000)}`);
}

test('fuzz: mutated envelopes, keyrings and Ansible vaults end in format or auth errors', async () => {
  const started = Date.now();
  const kdf = new KdfCache({ maxLogN: 12 });
  const keyFile = { kind: 'key-file', key: random(32), origin: 'fuzz.key' };
  let team = await addEntry(createKeyring('team', random), /** @type {any} */ (keyFile), 'ci', kdf, random);
  team = (await rotateKeyring(team, [/** @type {any} */ (keyFile)], kdf, random)).unlocked;
  const inline = await addEntry(createKeyring('', random), /** @type {any} */ (keyFile), 'ci', kdf, random);
  const small = enc.encode('db_password: hunter2\napi_key: abc123\n');
  const large = random(150_000);
  const envelopes = [
    { plaintext: small, bytes: sealEnvelope(small, team, { random }), open: (/** @type {Uint8Array} */ b) => Promise.resolve(openEnvelope(b, team, 'fuzz')) },
    { plaintext: large, bytes: sealEnvelope(large, team, { random }), open: (/** @type {Uint8Array} */ b) => Promise.resolve(openEnvelope(b, team, 'fuzz')) },
    { plaintext: small, bytes: sealEnvelope(small, team, { deterministic: true }), open: (/** @type {Uint8Array} */ b) => Promise.resolve(openEnvelope(b, team, 'fuzz')) },
    { plaintext: new Uint8Array(0), bytes: sealEnvelope(new Uint8Array(0), team, { random }), open: (/** @type {Uint8Array} */ b) => Promise.resolve(openEnvelope(b, team, 'fuzz')) },
    { plaintext: small, bytes: sealEnvelope(small, inline, { random }), open: (/** @type {Uint8Array} */ b) => openInlineEnvelope(b, [/** @type {any} */ (keyFile)], kdf, 'fuzz') },
  ];
  const keyringText = serializeKeyring(team);
  const password = enc.encode('correct horse battery staple');
  const ansible = await sealAnsibleVault(small, password, { label: 'prod' }, random);
  const counts = { envelope: 0, keyring: 0, ansible: 0 };
  const inTime = () => Date.now() - started < DEADLINE_MS;

  for (; counts.envelope < TARGET.envelope && inTime(); counts.envelope++) {
    const sample = envelopes[counts.envelope % envelopes.length];
    if (!sample) break;
    await check('envelope', mutateEnvelope(sample.bytes), sample.open, sample.plaintext);
  }
  const openRing = async (/** @type {Uint8Array} */ bytes) => {
    const text = Buffer.from(bytes).toString('utf8');
    const parsed = parseKeyring(text, 'fuzz.keyring');
    // Both ways in: the stored data key (the git filter) and a key file (the commands).
    unlockWithDataKey(parsed, Uint8Array.from(team.dataKey));
    await openKeyring(parsed, [/** @type {any} */ (keyFile)], kdf);
    return text;
  };
  for (; counts.keyring < TARGET.keyring && inTime(); counts.keyring++) {
    await check('keyring', mutateText(enc.encode(keyringText)), openRing, keyringText);
  }
  const credential = { kind: 'password', password, origin: 'fuzz password', label: 'prod' };
  for (; counts.ansible < TARGET.ansible && inTime(); counts.ansible++) {
    await check('ansible', mutateText(ansible), async (b) => (await openAnsibleVault(b, [/** @type {any} */ (credential)], 'fuzz')).plaintext, small);
  }
  const total = counts.envelope + counts.keyring + counts.ansible;
  assert.ok(Date.now() - started < DEADLINE_MS + 5_000, 'bounded in time');
  assert.ok(total >= 20_000, `only ${total} cases ran in the time allowed (${JSON.stringify(counts)})`);
});

test.run();
