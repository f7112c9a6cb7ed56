// Unit tests of the pkt-line codec and the filter protocol loop, in process, against byte
// sequences written from gitprotocol-common(5) and gitattributes(5).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FLUSH,
  PKT_MAX_PAYLOAD,
  PacketReader,
  PacketWriter,
  encodePacket,
  encodeTextPacket,
} from '../dist/git/pkt-line.js';
import { parseKeyValues, runFilterProcess, describeError } from '../dist/git/filter-process.js';
import { FormatError } from '../dist/errors.js';
import { fdSink, fdSource } from '../dist/git/fd-io.js';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const enc = new TextEncoder();
const text = (/** @type {Uint8Array} */ b) => Buffer.from(b).toString('latin1');

/** @param {Array<string | Uint8Array>} parts */
function bytes(...parts) {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

/** A chunk source that returns DATA in chunks of SIZE bytes, then null. @param {Uint8Array} data @param {number} size */
function chunked(data, size) {
  let offset = 0;
  return () => {
    if (offset >= data.length) return null;
    const chunk = data.subarray(offset, offset + size);
    offset += size;
    return chunk;
  };
}

/** A sink that records everything written. */
function sink() {
  /** @type {Buffer[]} */
  const parts = [];
  return { write: (/** @type {Uint8Array} */ chunk) => void parts.push(Buffer.from(chunk)), bytes: () => Buffer.concat(parts) };
}

/** Read all packets of BYTES as strings ("0000" for flush). @param {Uint8Array} data */
function packets(data, size = 3) {
  const reader = new PacketReader(chunked(data, size));
  const out = [];
  for (;;) {
    const packet = reader.readPacket();
    if (packet === null) return out;
    out.push(packet === FLUSH ? '0000' : text(packet));
  }
}

test('encodePacket counts the four length bytes, lowercase hex', () => {
  assert.is(text(encodeTextPacket('a')), '0006a\n');
  assert.is(text(encodePacket(enc.encode('git-filter-client\n'))), '0016git-filter-client\n');
  const big = encodePacket(new Uint8Array(PKT_MAX_PAYLOAD));
  assert.is(text(big.subarray(0, 4)), 'fff0');
  assert.is(big.length, 65520);
});

test('encodePacket refuses empty and oversized payloads', () => {
  assert.throws(() => encodePacket(new Uint8Array(0)), /outside 1\.\.65516/);
  assert.throws(() => encodePacket(new Uint8Array(PKT_MAX_PAYLOAD + 1)), /65517 bytes/);
});

test('reader decodes packets split at every boundary, flush, either hex case', () => {
  const data = bytes('0006a\n', '0000', '000Ahello\n', '0009bin\x00\xff', '0000');
  for (const size of [1, 2, 3, 5, 64]) {
    assert.equal(packets(data, size), ['a\n', '0000', 'hello\n', 'bin\x00\xff', '0000']);
  }
});

test('reader skips empty chunks', () => {
  const chunks = [new Uint8Array(0), bytes('0006a'), new Uint8Array(0), bytes('\n0000')];
  const reader = new PacketReader(() => chunks.shift() ?? null);
  assert.equal(reader.readTextList(), ['a']);
  assert.is(reader.readTextList(), null);
});

test('reader: text lists strip one LF and accept lines without it', () => {
  const reader = new PacketReader(chunked(bytes('0008a=1\n', '0007b=2', '0000'), 4));
  assert.equal(reader.readTextList(), ['a=1', 'b=2']);
  assert.is(reader.readTextList(), null, 'EOF between lists is a clean end');
});

test('reader: content packets are joined; an empty content is just a flush', () => {
  const payload = new Uint8Array(200_000).map((_, i) => i % 251);
  const out = sink();
  new PacketWriter(out.write).content(payload).flushPacket().flushPacket().send();
  const reader = new PacketReader(chunked(out.bytes(), 7000));
  const got = reader.readContent();
  assert.is(got.length, payload.length);
  assert.ok(Buffer.from(got).equals(Buffer.from(payload)));
  assert.is((reader.readContent()).length, 0);
});

test('reader: writer splits content into maximal packets', () => {
  const out = sink();
  new PacketWriter(out.write).content(new Uint8Array(PKT_MAX_PAYLOAD * 2 + 1)).flushPacket().send();
  const lengths = (packets(out.bytes(), 65536)).map((p) => (p === '0000' ? 0 : p.length));
  assert.equal(lengths, [PKT_MAX_PAYLOAD, PKT_MAX_PAYLOAD, 1, 0]);
});

test('writer: nothing queued sends nothing; one response is one write', () => {
  let writes = 0;
  new PacketWriter(() => writes++).send();
  assert.is(writes, 0);
  const out = sink();
  let calls = 0;
  new PacketWriter((chunk) => {
    calls++;
    out.write(chunk);
  }).text('status=success').flushPacket().content(new Uint8Array(100_000)).flushPacket().send();
  assert.is(calls, 1);
  assert.is(out.bytes().length, 19 + 4 + 100_000 + 2 * 4 + 4);
});

test('reader: malformed or truncated input is a FormatError', () => {
  const cases = [
    [bytes('00zz'), /bad length field/],
    [bytes('0003'), /invalid packet length 3/],
    [bytes('0001'), /invalid packet length 1/],
    [bytes('fff5', new Uint8Array(65521)), /invalid packet length/],
    [bytes('00'), /inside a length field/],
    [bytes('0010abc'), /inside a packet/],
  ];
  for (const [data, message] of cases) {
    const reader = new PacketReader(chunked(/** @type {Uint8Array} */ (data), 2));
    try {
      reader.readPacket();
      assert.unreachable('should throw');
    } catch (error) {
      assert.instance(error, FormatError);
      assert.match(/** @type {Error} */ (error).message, /** @type {RegExp} */ (message));
    }
  }
  const list = new PacketReader(chunked(bytes('0006a\n'), 6));
  try {
    list.readTextList();
    assert.unreachable('should throw');
  } catch (error) {
    assert.match(/** @type {Error} */ (error).message, /inside a list/);
  }
  const content = new PacketReader(chunked(bytes('0006a\n'), 6));
  try {
    content.readContent();
    assert.unreachable('should throw');
  } catch (error) {
    assert.match(/** @type {Error} */ (error).message, /inside content/);
  }
});

test('parseKeyValues splits on the first "=" and ignores lines without a key', () => {
  const map = parseKeyValues(['command=clean', 'pathname=a=b.yml', 'junk', '=x', 'command=smudge']);
  assert.is(map.get('command'), 'clean');
  assert.is(map.get('pathname'), 'a=b.yml');
  assert.is(map.size, 2);
});

test('describeError shows VaultError messages and only the code of others', () => {
  assert.is(describeError(new FormatError('bad thing')), 'bad thing');
  assert.is(describeError(Object.assign(new Error('secret detail'), { code: 'EIO' })), 'unexpected EIO');
  assert.is(describeError(new Error('secret detail')), 'unexpected internal error');
  assert.is(describeError(null), 'unexpected internal error');
});

/** Build git's side of a session. @param {Array<{headers: string[], content: Uint8Array}>} requests */
function gitSide(requests, capabilities = ['clean', 'smudge', 'delay']) {
  const parts = [encodeTextPacket('git-filter-client'), encodeTextPacket('version=2'), bytes('0000')];
  for (const c of capabilities) parts.push(encodeTextPacket(`capability=${c}`));
  parts.push(bytes('0000'));
  for (const request of requests) {
    for (const h of request.headers) parts.push(encodeTextPacket(h));
    parts.push(bytes('0000'));
    for (let i = 0; i < request.content.length; i += PKT_MAX_PAYLOAD) {
      parts.push(encodePacket(request.content.subarray(i, i + PKT_MAX_PAYLOAD)));
    }
    parts.push(bytes('0000'));
  }
  return bytes(...parts);
}

const upper = {
  /** @param {string} path @param {Uint8Array} content */
  clean(path, content) {
    if (path === 'fail.yml') throw new FormatError(`"${path}": refused`);
    return enc.encode(Buffer.from(content).toString('utf8').toUpperCase());
  },
  /** @param {string} _path @param {Uint8Array} content */
  smudge(_path, content) {
    return enc.encode(Buffer.from(content).toString('utf8').toLowerCase());
  },
};

test('filter process: handshake, capabilities subset, per-file status, unknown keys ignored', () => {
  const input = gitSide([
    { headers: ['command=clean', 'pathname=a.yml', 'future-key=1'], content: enc.encode('abc') },
    { headers: ['command=clean', 'pathname=fail.yml'], content: enc.encode('x') },
    { headers: ['command=smudge', 'pathname=b.yml', 'blob=0123', 'treeish=abc'], content: enc.encode('XYZ') },
    { headers: ['command=list_available_blobs'], content: new Uint8Array(0) },
    { headers: ['command=clean', 'pathname=empty.yml'], content: new Uint8Array(0) },
  ]);
  const out = sink();
  /** @type {string[]} */
  const logs = [];
  runFilterProcess(chunked(input, 5), out.write, () => upper, (line) => logs.push(line));
  assert.equal(packets(out.bytes()), [
    'git-filter-server\n', 'version=2\n', '0000',
    'capability=clean\n', 'capability=smudge\n', '0000',
    'status=success\n', '0000', 'ABC', '0000', '0000',
    'status=error\n', '0000',
    'status=success\n', '0000', 'xyz', '0000', '0000',
    'status=error\n', '0000',
    'status=success\n', '0000', '0000', '0000',
  ]);
  assert.equal(logs, ['"fail.yml": refused', 'filter-process: unsupported command "list_available_blobs"']);
});

test('filter process: only the offered capabilities are claimed; EOF ends quietly', () => {
  const out = sink();
  runFilterProcess(chunked(gitSide([], ['smudge']), 100), out.write, () => upper, () => {});
  assert.equal(packets(out.bytes()), ['git-filter-server\n', 'version=2\n', '0000', 'capability=smudge\n', '0000']);
  const none = sink();
  runFilterProcess(chunked(new Uint8Array(0), 1), none.write, () => upper, () => {});
  assert.is(none.bytes().length, 0);
});

test('filter process: a wrong welcome is refused before anything is written', () => {
  const out = sink();
  const input = bytes(encodeTextPacket('git-filter-client'), encodeTextPacket('version=3'), '0000');
  try {
    runFilterProcess(chunked(input, 100), out.write, () => upper, () => {});
    assert.unreachable('should throw');
  } catch (error) {
    assert.match(/** @type {Error} */ (error).message, /version 2/);
  }
  assert.is(out.bytes().length, 0);
});

test('filter process: a handler that cannot start fails every file, once made', () => {
  let made = 0;
  const input = gitSide([
    { headers: ['command=clean', 'pathname=a'], content: enc.encode('a') },
    { headers: ['command=smudge', 'pathname=b'], content: enc.encode('b') },
  ]);
  const out = sink();
  /** @type {string[]} */
  const logs = [];
  runFilterProcess(
    chunked(input, 50),
    out.write,
    () => {
      made += 1;
      throw new FormatError('policy is broken');
    },
    (line) => logs.push(line),
  );
  assert.is(made, 1);
  assert.equal(logs, ['policy is broken', 'policy is broken']);
  assert.equal((packets(out.bytes())).slice(6), ['status=error\n', '0000', 'status=error\n', '0000']);
});

test('fd-io: on a non-blocking descriptor, reads and writes wait out EAGAIN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaultfile-fifo-'));
  const fifo = join(dir, 'fifo');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    // A writer is open but nothing is written yet: read() says EAGAIN until the child writes.
    spawn('sh', ['-c', `sleep 0.2; printf abc > '${fifo}'`], { stdio: 'ignore' });
    assert.is(Buffer.from(/** @type {Uint8Array} */ (fdSource(reader)())).toString(), 'abc');
    // More than a pipe holds: write() says EAGAIN until the child drains it.
    spawn('sh', ['-c', `sleep 0.2; head -c 300000 '${fifo}' > /dev/null`], { stdio: 'ignore' });
    fdSink(writer)(new Uint8Array(300_000));
  } finally {
    closeSync(reader);
    closeSync(writer);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
