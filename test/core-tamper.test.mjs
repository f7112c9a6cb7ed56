// Every single-bit flip of a small envelope fails with a format or auth error, never success and
// never another error class: for the armoured text and for the binary inside (re-armoured).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sealEnvelope, openEnvelope, openInlineEnvelope } from '../dist/core/envelope.js';
import { AuthError, FormatError, NoKeyError, UsageError } from '../dist/errors.js';
import { makeKeyring, password, enc } from './core-helpers.mjs';

const { unlocked } = await makeKeyring('team', ['pw']);
const { unlocked: inline, kdf } = await makeKeyring('', ['inline pw'], 'inline');

/** @param {Uint8Array} envelope */
function binaryOf(envelope) {
  return new Uint8Array(Buffer.from(new TextDecoder().decode(envelope).split('\n').slice(1).join(''), 'base64'));
}
/** @param {Uint8Array} binary */
function armour(binary) {
  const text = Buffer.from(binary).toString('base64');
  const lines = ['$VAULTFILE;1;AES256'];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return enc(`${lines.join('\n')}\n`);
}
/** @param {() => unknown} open */
async function outcome(open) {
  try {
    await open();
    return 'success';
  } catch (error) {
    if (error instanceof FormatError) return 'format';
    if (error instanceof AuthError) return 'auth';
    if (error instanceof NoKeyError) return 'no-key';
    throw error;
  }
}

test('every bit flip of the armoured text fails (keyring envelope)', async () => {
  const sealed = sealEnvelope(enc('db: x\n'), unlocked);
  assert.is(await outcome(() => openEnvelope(sealed, unlocked, 'f')), 'success');
  const counts = { format: 0, auth: 0 };
  for (let i = 0; i < sealed.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = sealed.slice();
      copy[i] ^= 1 << bit;
      const result = await outcome(() => openEnvelope(copy, unlocked, 'f'));
      assert.ok(result === 'format' || result === 'auth', `byte ${i} bit ${bit}: ${result}`);
      counts[/** @type {'format'|'auth'} */ (result)]++;
    }
  }
  assert.ok(counts.format > 0 && counts.auth > 0);
});

test('every bit flip of the binary fails (inline keyring, and deterministic mode)', async () => {
  /** @type {[Uint8Array, (bytes: Uint8Array) => unknown][]} */
  const cases = [
    [sealEnvelope(enc('standalone'), inline), (bytes) => openInlineEnvelope(bytes, [password('inline pw')], kdf, 'f')],
    [sealEnvelope(enc('filtered'), unlocked, { deterministic: true }), (bytes) => openEnvelope(bytes, unlocked, 'f')],
  ];
  for (const [sealed, open] of cases) {
    const binary = binaryOf(sealed);
    assert.is(await outcome(() => open(armour(binary))), 'success');
    for (let i = 0; i < binary.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = binary.slice();
        copy[i] ^= 1 << bit;
        const result = await outcome(() => open(armour(copy)));
        assert.ok(result === 'format' || result === 'auth', `byte ${i} bit ${bit}: ${result}`);
      }
    }
  }
});

test('deterministic mode refuses an inline keyring (its header could change under one salt)', async () => {
  let error;
  try {
    sealEnvelope(enc('x'), inline, { deterministic: true });
  } catch (caught) {
    error = caught;
  }
  assert.instance(error, UsageError);
});

test.run();
