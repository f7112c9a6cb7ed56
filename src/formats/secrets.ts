/**
 * The shell's one way to turn a secret file into plaintext and back (DESIGN.md §3, §5): a static
 * table of formats (FORMATS: the vaultfile envelope, keyring-referenced or inline; the Ansible
 * Vault file; YAML with inline Ansible values) recognises the file and loads the codec of its
 * format (the Ansible ones only for Ansible files and targets), the session finds and unlocks
 * the keyring once per command, and plaintext is sealed the way the file was sealed before (or as
 * the policy says for a new file). Keeps no plaintext on disk and prints nothing.
 */
import { promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isSecretCredential, type Credential } from '../core/credential.js';
import { createReadStream } from 'node:fs';
import {
  EnvelopeOpener,
  EnvelopeSealer,
  inspectEnvelope,
  isEnvelope,
  openEnvelope,
  sealEnvelope,
  type EnvelopeInfo,
} from '../core/envelope.js';
import {
  addEntry, createKeyring, unlockWithDataKey, type UnlockedKeyring,
} from '../core/keyring.js';
import { concatBytes, toHex } from '../core/bytes.js';
import { systemRandom } from '../core/random.js';
import { FormatError, NoKeyError, UsageError, quotePath, type VaultError } from '../errors.js';
import { STDIO, checkInputFile, readInput, readStdinHead } from '../fs/files.js';
import { NoKeyGivenError, namedKeySources, type KeyContext } from '../keys/key-sources.js';
import { openWithKeys } from '../keys/open-keyring.js';
import { findGitDirs, readStoredKeys } from '../repo/key-store.js';
import { hasInlineVaultTag, isAnsibleVault } from '../core/ansible-detect.js';
import { DEFAULT_KEYRING, findRepoRoot, hasKeyring, keyringPath, matchRule, readKeyring, readPolicy, repoRelative } from '../repo/repo.js';

/** How a file is (or will be) sealed. */
export type SealTarget =
  | { kind: 'keyring'; root: string; name: string }
  | { kind: 'inline' }
  /**
   * PASSWORD: what it seals with (the one that opened it, or the one chosen for new output);
   * KEYRING: sealed with that keyring's Ansible password (a `format: ansible` rule; keyring-ansible.ts).
   */
  | { kind: 'ansible'; label?: string; version: '1.1' | '1.2'; password?: Uint8Array; keyring?: { root: string; name: string } }
  /** A YAML file with inline `!vault` values: re-sealed value by value against the original. */
  | { kind: 'ansible-inline'; original: Uint8Array };

export interface OpenedSecret {
  plaintext: Uint8Array;
  target: SealTarget;
  /** Inline values no key opened, left sealed in `plaintext` (YAML with `!vault` values only). */
  unopened?: VaultError[];
}

/** How a format of the table opens and seals files. */
export interface SecretCodec {
  /** ORIGIN names the file in messages; FILEPATH ("-" for stdin) locates its repository. */
  open(bytes: Uint8Array, origin: string, session: SecretSession, filePath: string): Promise<OpenedSecret>;
  seal(plaintext: Uint8Array, target: SealTarget, session: SecretSession, options: { deterministic?: boolean }): Promise<Uint8Array>;
}

/** One format of the table: how to recognise it and its targets; its codec is loaded on first use. */
export interface SecretFormat {
  detect(bytes: Uint8Array): boolean;
  handles(target: SealTarget): boolean;
  /** False for files that are plaintext with sealed parts (YAML with inline values). */
  isWholeFileVault?: boolean;
  codec(): Promise<SecretCodec>;
}

/** The vaultfile envelope: a repository keyring named in its header, or its own inline keyring. */
const envelopeCodec: SecretCodec = {
  async open(bytes, origin, session, filePath) {
    const info = inspectEnvelope(bytes, origin);
    const cwd = session.keys.io.cwd;
    const unlocked = await session.keyringFor(info, filePath === '-' ? `${cwd}/-` : filePath);
    const plaintext = openEnvelope(bytes, unlocked, origin);
    const target: SealTarget =
      info.keyringName === null
        ? { kind: 'inline' }
        : { kind: 'keyring', root: session.repoRootOf(dirname(resolve(cwd, filePath)))!, name: info.keyringName };
    return { plaintext, target };
  },
  async seal(plaintext, target, session, options) {
    return sealEnvelope(plaintext, await session.unlockedFor(target), options);
  },
};

const envelopeFormat: SecretFormat = {
  detect: isEnvelope,
  handles: (target) => target.kind === 'keyring' || target.kind === 'inline',
  codec: async () => envelopeCodec,
};

/**
 * Every format vaultfile reads and writes, in the order they are tried. The Ansible codecs
 * (formats/ansible-formats.ts) load only for an Ansible file or target.
 */
export const FORMATS: readonly SecretFormat[] = [
  envelopeFormat,
  {
    detect: isAnsibleVault,
    handles: (target) => target.kind === 'ansible',
    codec: async () => (await import('./ansible-formats.js')).ansibleVaultCodec,
  },
  {
    detect: hasInlineVaultTag,
    handles: (target) => target.kind === 'ansible-inline',
    isWholeFileVault: false,
    codec: async () => (await import('./ansible-formats.js')).ansibleInlineCodec,
  },
];

/** True when BYTES are a whole sealed file of another format (an Ansible vault). */
export function isSealedByAnyCodec(bytes: Uint8Array): boolean {
  return FORMATS.some((format) => format !== envelopeFormat && format.detect(bytes) && format.isWholeFileVault !== false);
}

/** Per-command state: unlocked keyrings by path, and the one inline keyring of this process. */
export class SecretSession {
  private readonly keyrings = new Map<string, Promise<UnlockedKeyring>>();
  private readonly sealing = new Map<string, Promise<UnlockedKeyring>>();
  private inline: Promise<UnlockedKeyring> | null = null;
  /** Repository roots found for this command's directories. */
  private readonly roots = new Map<string, string | null>();

  constructor(readonly keys: KeyContext) {}

  /** The repository root (the directory holding .vaultfile/) at or above DIR, looked up once per directory. */
  repoRootOf(dir: string): string | null {
    return findRepoRoot(dir, this.roots);
  }

  credentials(): Promise<Credential[]> {
    return this.keys.credentials();
  }

  /** Unlock the keyring NAME of the repository at ROOT (once per command). */
  unlockKeyring(root: string, name: string): Promise<UnlockedKeyring> {
    const path = keyringPath(root, name);
    let pending = this.keyrings.get(path);
    if (!pending) {
      pending = (async () => {
        const keyring = readKeyring(root, name);
        if (keyring === null) {
          throw new NoKeyError(`keyring ${quotePath(name)} not found at ${quotePath(path)}; run "vault init --keyring ${name}" or check the policy`);
        }
        // An unlocked repository (vault init / vault unlock) holds the data key in .git/, as
        // git-crypt does: with no key source named, use it rather than prompt or fail.
        if (!namedKeySources(this.keys.options, this.keys.env).any) {
          const stored = storedDataKey(root, name, keyring.dataKeyId, this.keys.env);
          if (stored) return unlockWithDataKey(keyring, stored);
        }
        return openWithKeys(keyring, this.keys);
      })();
      this.keyrings.set(path, pending);
    }
    return pending;
  }

  /**
   * The keyring NAME unlocked for sealing: refused when this clone has seen a newer one (a replayed
   * keyring) or one it does not descend from (docs/SECURITY.md §2); checked once per command.
   */
  sealingKeyring(root: string, name: string): Promise<UnlockedKeyring> {
    const path = keyringPath(root, name);
    let pending = this.sealing.get(path);
    if (!pending) {
      pending = this.unlockKeyring(root, name).then(async (unlocked) => {
        // The clone's record of the keyrings it saw is read only to seal: opening a file needs none of it.
        const { acceptKeyringForSealing } = await import('../repo/keyring-history.js');
        acceptKeyringForSealing(findGitDirs(root, this.keys.env), unlocked, repoRelative(root, path) ?? path);
        return unlocked;
      });
      this.sealing.set(path, pending);
    }
    return pending;
  }

  /**
   * The inline keyring of this process: a fresh data key wrapped for every credential given, made
   * once so that a bulk command costs one KDF run per credential (DESIGN.md §3).
   */
  inlineKeyring(): Promise<UnlockedKeyring> {
    this.inline ??= (async () => {
      const credentials = await this.credentials();
      let unlocked = createKeyring('', systemRandom);
      let index = 0;
      // An inline keyring holds entries for the secrets given; identities and KMS have none here.
      const secrets = credentials.filter(isSecretCredential);
      if (secrets.length === 0) {
        throw new NoKeyError('a file outside a repository is sealed for a password or key file; pass --password-file or --key-file (identities open repository keyrings)');
      }
      for (const credential of secrets) {
        index += 1;
        unlocked = await addEntry(unlocked, credential, `${credential.kind}-${index}`, this.keys.kdf, systemRandom);
      }
      return unlocked;
    })();
    return this.inline;
  }

  /** The unlocked keyring an envelope needs. */
  async keyringFor(info: EnvelopeInfo, filePath: string): Promise<UnlockedKeyring> {
    if (info.keyringName === null) {
      if (info.inlineEntries === null) throw new FormatError(`${quotePath(filePath)}: envelope has no keyring; the file is damaged`);
      // Files sealed in one run share their inline keyring: unwrap it once. Safe to reuse: the
      // same data key id and entries give the same data key, and each file's header MAC is still
      // checked under it.
      const cacheKey = `inline:${toHex(info.dataKeyId)}:${info.inlineEntries}`;
      let pending = this.keyrings.get(cacheKey);
      if (!pending) {
        pending = openWithKeys(info.inlineKeyring!, this.keys);
        this.keyrings.set(cacheKey, pending);
      }
      return pending;
    }
    const root = this.repoRootOf(dirname(resolve(this.keys.io.cwd, filePath)));
    if (!root) {
      throw new NoKeyError(
        `${quotePath(filePath)}: sealed for keyring ${quotePath(info.keyringName)} but no .vaultfile/ directory was found above it; run the command inside the repository`,
      );
    }
    return this.unlockKeyring(root, info.keyringName);
  }

  /** Open BYTES read from FILEPATH ("-" for stdin) into plaintext. */
  /** PARTIAL: inline values no key opens may stay sealed (reported in `unopened`); else they fail. */
  async open(bytes: Uint8Array, filePath: string, options: { partial?: boolean } = {}): Promise<OpenedSecret> {
    const origin = filePath === '-' ? 'standard input' : filePath;
    const format = FORMATS.find((candidate) => candidate.detect(bytes));
    if (!format) throw await notAVaultFile(origin, bytes);
    try {
      const opened = await (await format.codec()).open(bytes, origin, this, filePath);
      if (opened.unopened?.length && !options.partial) throw opened.unopened[0]!;
      return opened;
    } catch (error) {
      // Key sources know no file: name the one that needed a key.
      if (error instanceof NoKeyGivenError) throw new NoKeyGivenError(`${quotePath(origin)}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** Seal PLAINTEXT as TARGET says. */
  async seal(plaintext: Uint8Array, target: SealTarget, options: { deterministic?: boolean } = {}): Promise<Uint8Array> {
    const format = FORMATS.find((candidate) => candidate.handles(target));
    if (!format) throw new UsageError(`format ${target.kind} is not available in this build`);
    return (await format.codec()).seal(plaintext, target, this, options);
  }

  /** The unlocked keyring for streaming TARGET (vaultfile targets only). */
  async unlockedFor(target: SealTarget): Promise<UnlockedKeyring> {
    if (target.kind === 'keyring') return this.sealingKeyring(target.root, target.name);
    if (target.kind === 'inline') return this.inlineKeyring();
    throw new UsageError('streaming is only available for vaultfile envelopes');
  }
}

/**
 * Where a new encryption of FILEPATH goes: an explicit --keyring, the policy's rule, the
 * repository's default keyring, or (outside any repository) an inline keyring.
 */
export async function targetForNewFile(
  filePath: string, explicitKeyring: string | undefined, { cwd, env }: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<SealTarget> {
  const base = filePath === '-' ? cwd : dirname(resolve(cwd, filePath));
  const root = findRepoRoot(base);
  if (!root) {
    if (explicitKeyring) throw new UsageError(`--keyring ${explicitKeyring}: no .vaultfile/ directory found; run "vault init" first`);
    return { kind: 'inline' };
  }
  if (explicitKeyring) {
    if (!hasKeyring(root, explicitKeyring)) {
      throw new UsageError(`keyring ${quotePath(explicitKeyring)} does not exist; run "vault init --keyring ${explicitKeyring}"`);
    }
    return { kind: 'keyring', root, name: explicitKeyring };
  }
  const rel = filePath === '-' ? null : repoRelative(root, filePath);
  if (rel !== null) {
    const rule = matchRule(await readPolicy(root, cwd), rel);
    if (rule) {
      // The policy is committed: a file this clone saw under another keyring is not moved silently.
      const dirs = findGitDirs(root, env);
      if (dirs) new (await import('../repo/placement.js')).Placement(dirs.commonDir).assertSameKeyring(rel, rule.keyring);
      if (rule.format === 'ansible') return { kind: 'ansible', version: '1.2', label: rule.keyring, keyring: { root, name: rule.keyring } };
      return { kind: 'keyring', root, name: rule.keyring };
    }
  }
  if (hasKeyring(root, DEFAULT_KEYRING)) return { kind: 'keyring', root, name: DEFAULT_KEYRING };
  return { kind: 'inline' };
}

/** Files above this size stream through the envelope in 64 KiB chunks (bounded memory). */
export const STREAM_THRESHOLD = 8 * 1024 * 1024;
const PREFIX_LENGTH = 256 * 1024;

/** The first bytes of a file: enough for format detection and any envelope header. */
export async function readPrefix(path: string): Promise<Uint8Array> {
  const handle = await fs.open(path, 'r');
  try {
    const buffer = new Uint8Array(PREFIX_LENGTH);
    const { bytesRead } = await handle.read(buffer, 0, PREFIX_LENGTH, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Plaintext of a large envelope file as a stream: each chunk is released only after its tag
 * verified; a truncated file throws at the end (so an atomic write of it never lands).
 */
export async function openEnvelopeStream(session: SecretSession, path: string): Promise<AsyncIterable<Uint8Array>> {
  return openEnvelopeFrom(session, await readPrefix(path), createReadStream(path, { highWaterMark: 1 << 20 }), path, path);
}

/**
 * The same for an envelope read from SOURCE, whose first bytes are HEAD (enough for its header);
 * PATH finds its repository, ORIGIN names it in messages.
 */
async function openEnvelopeFrom(
  session: SecretSession, head: Uint8Array, source: AsyncIterable<Uint8Array>, path: string, origin: string,
): Promise<AsyncIterable<Uint8Array>> {
  const info = inspectEnvelope(head, origin);
  const opener = new EnvelopeOpener(await session.keyringFor(info, path), origin);
  return (async function* () {
    for await (const chunk of source) yield* opener.push(chunk);
    yield* opener.finish();
  })();
}

/** An envelope of a large plaintext file, as a stream. */
export async function sealFileStream(session: SecretSession, path: string, target: SealTarget): Promise<AsyncIterable<Uint8Array>> {
  const sealer = new EnvelopeSealer(await session.unlockedFor(target));
  return (async function* () {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield* sealer.push(chunk as Buffer);
    yield* sealer.finish();
  })();
}


/** The plaintext of FILE ("-" for standard input): a stream for a large envelope, else bytes. */
export async function openPlaintext(
  session: SecretSession, file: string, partial?: (unopened: VaultError) => void,
): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  if (file !== STDIO && (await checkInputFile(file)) > STREAM_THRESHOLD) {
    const prefix = await readPrefix(file);
    if (isEnvelope(prefix)) return openEnvelopeStream(session, file);
    // Not ours and no codec's: say so from the first bytes, never read a huge plaintext whole.
    if (!FORMATS.some((format) => format.detect(prefix))) return (await session.open(prefix, file)).plaintext;
  }
  let bytes: Uint8Array;
  if (file === STDIO) {
    // Standard input has no size to look at first: up to the streaming threshold it is read whole
    // (and so authenticated whole before anything is shown, as a small file is); past it an
    // envelope streams like a large file, and anything of no known format is refused at once.
    const { head, rest } = await readStdinHead(session.keys.io.stdin, STREAM_THRESHOLD);
    if (rest !== null && isEnvelope(head)) {
      const source = (async function* () {
        yield head;
        yield* rest;
      })();
      return openEnvelopeFrom(session, head, source, `${session.keys.io.cwd}/-`, 'standard input');
    }
    if (rest !== null && !FORMATS.some((format) => format.detect(head))) throw await notAVaultFile('standard input', head);
    const parts = [head];
    if (rest !== null) for await (const piece of rest) parts.push(piece);
    bytes = parts.length === 1 ? head : concatBytes(...parts);
  } else {
    bytes = await readInput(file, session.keys.io);
  }
  // PARTIAL (view, decrypt to stdout): what opens is shown, each value left sealed is reported to it.
  const opened = await session.open(bytes, file, { partial: partial !== undefined });
  for (const error of opened.unopened ?? []) partial!(error);
  return opened.plaintext;
}

/** Why BYTES (from ORIGIN), which no format recognises, cannot be opened (git-crypt's code loads only here). */
async function notAVaultFile(origin: string, bytes: Uint8Array): Promise<FormatError> {
  const { isGitCryptFile } = await import('../core/git-crypt.js');
  if (isGitCryptFile(bytes)) {
    // Encrypting it again would wrap ciphertext: say what it is and how to read it.
    return new FormatError(
      `${quotePath(origin)}: is encrypted by git-crypt, not vaultfile; read it with "vault view --git-crypt-key KEY", or convert the repository with "vault migrate --from git-crypt"`,
    );
  }
  return new FormatError(`${quotePath(origin)}: not a vault file; encrypt it first with "vault encrypt"`);
}

/**
 * The data key `vault unlock` stored for keyring NAME of the repository at ROOT, if it is current.
 * (key-store.ts is imported statically: opening a file in an unlocked repository is the common
 * case, and the quick `vault view` has no code that import() would load.)
 */
function storedDataKey(root: string, name: string, dataKeyId: Uint8Array, env: NodeJS.ProcessEnv): Uint8Array | null {
  const dirs = findGitDirs(root, env);
  if (!dirs) return null;
  const stored = readStoredKeys(dirs.commonDir, name);
  const key = stored?.keys.get(toHex(dataKeyId));
  return key ? new Uint8Array(key) : null;
}
