/**
 * Password stretching: scrypt (node:crypto, async on the libuv pool) with a cache owned by the
 * caller, so one process runs each (password, salt, parameters) derivation at most once
 * (DESIGN.md §3: bulk commands cost one scrypt). Parameters from a file are checked before any
 * memory is allocated (SECURITY.md §5 #13). No module-level state: two KdfCaches share nothing.
 */
import { scrypt as scryptCallback } from 'node:crypto';
import { FormatError, UsageError, quotePath } from '../errors.js';
import { concatBytes, copyBytes, equalBytes, toHex, utf8 } from './bytes.js';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/** 2^17 = 128 MiB, ~0.35 s on the team's 2-core box (OWASP minimum; SECURITY.md §3.4). */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ logN: 17, r: 8, p: 1 });
/** Above this a file's work factor is refused unless the caller raises the cap (1 GiB of memory). */
export const MAX_READ_LOG_N = 20;
export const MIN_LOG_N = 10;
export const MAX_WRITE_LOG_N = 20;
export const SCRYPT_SALT_LENGTH = 16;
const KEK_LENGTH = 32;
/** Domain separation: a salt used by vaultfile can never be replayed into another scrypt user. */
const SCRYPT_SALT_LABEL = utf8('vaultfile/v1 scrypt');

/** The highest cap a reader may raise --max-work-factor to (2^30: 128 GiB of memory). */
export const MAX_READ_CAP_LOG_N = 30;

/** The one range rule for a work factor (log2 of scrypt N): a whole number from MIN_LOG_N to MAX. */
export function isWorkFactor(logN: number, max: number): boolean {
  return Number.isInteger(logN) && logN >= MIN_LOG_N && logN <= max;
}

/** A work factor given as OPTION's TEXT on the command line, else UsageError saying the range (and ADVICE). */
export function parseWorkFactor(text: string, option: string, max: number, advice: string): number {
  const logN = Number(text);
  if (!isWorkFactor(logN, max)) throw new UsageError(`${option} ${text}: give a whole number from ${MIN_LOG_N} to ${max} (${advice})`);
  return logN;
}

/** Reject parameters a reader must never run: FormatError naming the file. */
export function checkScryptParams(params: ScryptParams, maxLogN: number, origin: string): void {
  const q = quotePath(origin);
  if (!Number.isInteger(params.logN) || params.logN < MIN_LOG_N) {
    throw new FormatError(`${q}: scrypt work factor 2^${params.logN} is below the minimum 2^${MIN_LOG_N}; the file is damaged or was not written by vaultfile`);
  }
  if (params.r !== 8 || params.p !== 1) {
    throw new FormatError(`${q}: unsupported scrypt parameters r=${params.r} p=${params.p} (only r=8 p=1); the file is damaged or was not written by vaultfile`);
  }
  if (params.logN > maxLogN) {
    throw new FormatError(
      `${q}: work factor 2^${params.logN} exceeds the limit 2^${maxLogN}; pass --max-work-factor ${params.logN} if you trust this file`,
    );
  }
}

/** Parameters for a new entry: logN 10..20, r 8, p 1, else UsageError. */
export function checkWriteParams(params: ScryptParams): void {
  if (!isWorkFactor(params.logN, MAX_WRITE_LOG_N) || params.r !== 8 || params.p !== 1) {
    throw new UsageError(
      `scrypt parameters logN=${params.logN} r=${params.r} p=${params.p} are not allowed; use a work factor from ${MIN_LOG_N} to ${MAX_WRITE_LOG_N} with r=8 p=1`,
    );
  }
}

interface CachedKek {
  /** A private copy of the password, compared in constant time and zeroed by wipe(). */
  password: Uint8Array;
  kek: Promise<Uint8Array>;
}

export class KdfCache {
  readonly maxLogN: number;
  /** Keyed by salt and parameters; no hash of the password is kept (it would be crackable offline). */
  readonly #cache = new Map<string, CachedKek[]>();
  #runs = 0;

  constructor(options: { maxLogN?: number } = {}) {
    this.maxLogN = options.maxLogN ?? MAX_READ_LOG_N;
    if (!isWorkFactor(this.maxLogN, MAX_READ_CAP_LOG_N)) {
      throw new UsageError(`--max-work-factor must be an integer from ${MIN_LOG_N} to ${MAX_READ_CAP_LOG_N}`);
    }
  }

  /** How many scrypt computations this cache has started (for tests and benchmarks). */
  get runs(): number {
    return this.#runs;
  }

  /**
   * The 32-byte key-encryption key for (password, 16-byte salt, params); a fresh copy each call,
   * so the caller may zero it. `origin` names the file whose parameters these are, for messages.
   */
  async derive(password: Uint8Array, salt: Uint8Array, params: ScryptParams, origin = 'keyring'): Promise<Uint8Array> {
    checkScryptParams(params, this.maxLogN, origin);
    if (salt.length !== SCRYPT_SALT_LENGTH) {
      throw new FormatError(`${quotePath(origin)}: scrypt salt must be ${SCRYPT_SALT_LENGTH} bytes; the file is damaged`);
    }
    const key = `${toHex(salt)}:${params.logN}:${params.r}:${params.p}`;
    const slot = this.#cache.get(key) ?? [];
    let cached = slot.find((entry) => equalBytes(entry.password, password));
    if (cached === undefined) {
      this.#runs++;
      const copy = copyBytes(password);
      cached = { password: copy, kek: runScrypt(copy, concatBytes(SCRYPT_SALT_LABEL, salt), params) };
      slot.push(cached);
      this.#cache.set(key, slot);
      // A failed run (out of memory) must not poison the cache.
      const failed = cached;
      failed.kek.catch(() => slot.splice(slot.indexOf(failed), 1));
    }
    return copyBytes(await cached.kek);
  }

  /** Zero and forget every cached key and password copy (call when the command is done). */
  async wipe(): Promise<void> {
    const entries = [...this.#cache.values()].flat();
    this.#cache.clear();
    for (const entry of entries) {
      const result = await entry.kek.then((kek) => kek, () => null);
      result?.fill(0);
      entry.password.fill(0);
    }
  }
}

function runScrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const N = 2 ** params.logN;
  // scrypt needs 128·r·N bytes for V plus 128·r·p for B; leave headroom for OpenSSL's own use.
  const maxmem = 128 * params.r * (N + params.p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, KEK_LENGTH, { N, r: params.r, p: params.p, maxmem }, (error, key) => {
      if (error) {
        reject(new FormatError(`scrypt failed with work factor 2^${params.logN}: ${error.message}`));
        return;
      }
      const out = copyBytes(key);
      key.fill(0);
      resolve(out);
    });
  });
}
