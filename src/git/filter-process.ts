/**
 * git's long-running filter protocol, version 2 (gitattributes(5) "Long Running Filter Process"):
 * handshake, capability negotiation (clean and smudge only; `delay` is for network filters), then
 * one request per file until git closes the pipe. A failing file gets `status=error` and the
 * session goes on. Writes nothing but protocol to its output stream; diagnostics go to `log`.
 */
import { FormatError, VaultError } from '../errors.js';
import { PacketReader, PacketWriter, type ChunkSink, type ChunkSource } from './pkt-line.js';

export type FilterCommand = 'clean' | 'smudge';

/** What the process filter calls per file; a thrown VaultError fails that file only. */
export interface FilterHandler {
  clean(path: string, content: Uint8Array): Uint8Array;
  smudge(path: string, content: Uint8Array): Uint8Array;
}

const SUPPORTED: readonly FilterCommand[] = ['clean', 'smudge'];

/** One line for stderr from any thrown value; unexpected errors show only their code. */
export function describeError(error: unknown): string {
  if (error instanceof VaultError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `unexpected ${code}` : 'unexpected internal error';
}

/** Split `key=value` on the first `=` only: values (paths) may contain `=`. */
export function parseKeyValues(lines: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const key = line.slice(0, at);
    // The first occurrence wins; git never repeats the keys we read.
    if (!map.has(key)) map.set(key, line.slice(at + 1));
  }
  return map;
}

/**
 * Speak the protocol on INPUT/OUTPUT until git closes INPUT. Synchronous: git sends one request
 * and waits for its answer, so there is never anything else to do meanwhile. `makeHandler` runs
 * once, on the first request, so a handshake-only session (git probing the filter) costs nothing;
 * if it throws, every file of the session fails with that message.
 */
export function runFilterProcess(
  input: ChunkSource,
  output: ChunkSink,
  makeHandler: () => FilterHandler,
  log: (line: string) => void,
): void {
  const reader = new PacketReader(input);
  const writer = new PacketWriter(output);

  const welcome = reader.readTextList();
  if (welcome === null) return;
  if (welcome[0] !== 'git-filter-client' || !welcome.includes('version=2')) {
    throw new FormatError('filter-process: git did not offer protocol version 2; use git 2.11 or later');
  }
  writer.text('git-filter-server').text('version=2').flushPacket().send();

  const offered = reader.readTextList() ?? [];
  const capabilities = SUPPORTED.filter((name) => offered.includes(`capability=${name}`));
  for (const name of capabilities) writer.text(`capability=${name}`);
  writer.flushPacket().send();

  let handler: FilterHandler | null = null;
  let handlerError: unknown = null;
  for (;;) {
    const headers = reader.readTextList();
    if (headers === null) return;
    const fields = parseKeyValues(headers);
    // git sends no response-worthy request without content; read it before answering (the spec
    // forbids responding early).
    const content = reader.readContent();
    const command = fields.get('command');
    const path = fields.get('pathname') ?? '';
    let result: Uint8Array;
    try {
      if (command !== 'clean' && command !== 'smudge') {
        throw new FormatError(`filter-process: unsupported command ${JSON.stringify(command ?? '')}`);
      }
      if (handler === null) {
        if (handlerError !== null) throw handlerError;
        try {
          handler = makeHandler();
        } catch (error) {
          handlerError = error;
          throw error;
        }
      }
      result = command === 'clean' ? handler.clean(path, content) : handler.smudge(path, content);
    } catch (error) {
      log(describeError(error));
      writer.text('status=error').flushPacket().send();
      continue;
    }
    // An empty second list keeps the status; empty content is just the flush.
    writer.text('status=success').flushPacket().content(result).flushPacket().flushPacket().send();
  }
}
