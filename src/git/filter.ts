/**
 * The git filter's decisions (DESIGN.md §4.4, §6): clean turns plaintext into the deterministic
 * envelope of the keyring the policy names; smudge turns an envelope back into plaintext after
 * verifying all of it. Keys come only from the key store in the git directory (written by
 * `vault unlock`); keyrings and the policy are read from the work tree once per process. No KDF,
 * no prompt, no git subprocess, nothing on stdout: warnings go to the `warn` callback.
 */
import { join, relative, resolve, sep } from 'node:path';
import { toHex } from '../core/bytes.js';
import { isAnsibleVault } from '../core/ansible-vault.js';
import { inspectEnvelope, isEnvelope, openEnvelope, sealEnvelope } from '../core/envelope.js';
import { unlockWithDataKey, type Keyring, type UnlockedKeyring } from '../core/keyring.js';
import { AuthError, FormatError, NoKeyError, VaultError, quotePath } from '../errors.js';
import { readCommittedText } from '../fs/safe-read.js';
import { checkEnvelopeShape } from '../core/envelope-shape.js';
import { Placement, movedError } from '../repo/placement.js';
import { keyringStanding, readKeyringHistory, standingError } from '../repo/keyring-history.js';
import { findRepoRoot, keyringPath, matchRule, parsePolicy, policyPath, readKeyring, ruleFormat, type Policy } from '../repo/repo.js';
import { fdSink, fdSource } from './fd-io.js';
import { runFilterProcess } from './filter-process.js';
import { findGitDirs, readStoredKeys, type GitDirs } from '../repo/key-store.js';

const UNLOCK_HINT = 'run "vault unlock" (with --key-file or --password-file) in this clone';

/** A keyring as the filter knows it: parsed from the work tree, keys from the key store. */
type KeyringState =
  | { unlocked: UnlockedKeyring; currentId: string; currentUsable: boolean; sealError: VaultError | null }
  | { unlocked: null; reason: string };

/** True when the text holds git conflict markers: such plaintext in the tree is expected. */
export function hasConflictMarkers(content: Uint8Array): boolean {
  const head = Buffer.from(content.subarray(0, 1 << 20)).toString('latin1');
  return /^<{7}( |$)/m.test(head) && /^>{7}( |$)/m.test(head);
}

export class GitFilter {
  private readonly keyrings = new Map<string, KeyringState>();
  private readonly warned = new Set<string>();

  #policy: Policy | null = null;
  private readonly placement: Placement | null;

  private constructor(
    /** The directory holding `.vaultfile/`. */
    readonly root: string,
    /** The work tree top level: git's paths are relative to it. */
    readonly workTree: string,
    readonly dirs: GitDirs | null,
    private readonly warn: (line: string) => void,
  ) {
    this.placement = dirs ? new Placement(dirs.commonDir) : null;
  }

  /**
   * The policy, read on first use: only clean needs it, and a checkout (smudge only) then never
   * loads the YAML parser.
   */
  get policy(): Policy {
    if (this.#policy === null) {
      const file = policyPath(this.root);
      this.#policy = parsePolicy(readCommittedText(file, 'the policy') ?? '', file);
    }
    return this.#policy;
  }

  /**
   * Load the policy for the work tree at CWD (filters run at the top level). A repository without
   * `.vaultfile/` is refused: the attributes then point at a filter with nothing to apply.
   */
  static open(cwd: string, env: NodeJS.ProcessEnv, warn: (line: string) => void): GitFilter {
    const root = findRepoRoot(cwd);
    if (!root) throw new FormatError(`no .vaultfile/ directory above ${quotePath(cwd)}; run "vault init" or remove filter=vault from .gitattributes`);
    return new GitFilter(root, resolve(cwd), findGitDirs(cwd, env), warn);
  }

  /** Warn once per process per key (a checkout of 1,000 files prints one line, not 1,000). */
  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(line);
  }

  /** The keyring NAME with the stored keys, or why it is unavailable. */
  keyring(name: string): KeyringState {
    let state = this.keyrings.get(name);
    if (state) return state;
    const stored = this.dirs ? readStoredKeys(this.dirs.commonDir, name) : null;
    if (!stored) {
      state = { unlocked: null, reason: `no key for keyring ${quotePath(name)} in this clone` };
    } else {
      // Without the keyring file (an old branch checked out) the stored keys still open files.
      const keyring = readKeyring(this.root, name);
      const key = keyring ? stored.keys.get(toHex(keyring.dataKeyId)) : undefined;
      const check = keyring && key ? this.sealCheck(keyring, key, stored.currentId) : { error: null, rolledBack: false };
      // The work tree's keyring only when it is the newest we know; else the stored newest key
      // (no keyring file, or a rolled-back one: never the retired key it names).
      const useFile = keyring !== null && key !== undefined && !check.rolledBack;
      state = {
        unlocked: {
          keyring: useFile ? keyring : {
            name,
            dataKeyId: Uint8Array.from(Buffer.from(stored.currentId, 'hex')),
            entries: [],
            previous: [],
            mac: null,
            origin: keyringPath(this.root, name),
          },
          dataKey: useFile ? key : stored.keys.get(stored.currentId)!,
          dataKeys: stored.keys,
        },
        currentId: useFile ? toHex(keyring.dataKeyId) : stored.currentId,
        // The keyring file names a key we lack: it was rotated after our unlock.
        currentUsable: keyring !== null && key !== undefined,
        sealError: check.error,
      };
      if (check.rolledBack) {
        this.warn(`warning: keyring ${quotePath(name)} in the work tree is older than this clone's (rolled back, or this branch predates "vault rotate"); files are encrypted under the newest key this clone knows; merge the branch that rotated it`);
      }
    }
    this.keyrings.set(name, state);
    return state;
  }

  /**
   * Why the work tree's keyring may not be sealed under, or null: its MAC must verify under the
   * stored key (a hand-edited `data-key-id:` line fails here), and it must be the keyring this
   * clone last accepted or one rotated from it, never a replayed older one (docs/SECURITY.md §2).
   */
  private sealCheck(keyring: Keyring, dataKey: Uint8Array, storedId: string): { error: VaultError | null; rolledBack: boolean } {
    let unlocked: UnlockedKeyring;
    try {
      unlocked = unlockWithDataKey(keyring, new Uint8Array(dataKey));
    } catch (error) {
      if (error instanceof AuthError) return { error, rolledBack: false };
      throw error;
    }
    const history = this.dirs ? readKeyringHistory(this.dirs.commonDir, keyring.name) : null;
    const standing = keyringStanding(history, unlocked);
    // Rolled back to a key older than the newest stored one: seal under the stored one instead.
    if (standing === 'rolled-back' && history?.current === storedId) return { error: null, rolledBack: true };
    return { error: standingError(standing, keyring.name, relative(this.workTree, keyring.origin) || keyring.origin), rolledBack: false };
  }

  /** Repository-relative path of a path git gave (relative to the work tree). */
  private policyPath(path: string): string {
    const rel = relative(this.root, join(this.workTree, path));
    return rel.split(sep).join('/');
  }

  /** The keyring the policy assigns PATH; clean refuses paths outside the policy. */
  keyringFor(path: string): string {
    const rule = matchRule(this.policy, this.policyPath(path));
    if (!rule) {
      throw new FormatError(
        `${quotePath(path)} has filter=vault but matches no rule of .vaultfile/policy.yml; run "vault git setup" to regenerate .gitattributes`,
      );
    }
    if (ruleFormat(rule) === 'ansible') {
      // Ansible reads these files as committed: an envelope around them would hide them from it.
      throw new FormatError(
        `${quotePath(path)} has filter=vault but the policy keeps it in Ansible format; run "vault git setup" to regenerate .gitattributes`,
      );
    }
    return rule.keyring;
  }

  /** A key able to seal PATH under NAME, or a NoKeyError naming the next action. */
  private sealer(path: string, name: string): UnlockedKeyring {
    const state = this.keyring(name);
    if (state.unlocked === null) {
      throw new NoKeyError(`${quotePath(path)}: ${state.reason}, so it cannot be encrypted; ${UNLOCK_HINT}`);
    }
    if (!state.currentUsable) {
      throw new NoKeyError(`${quotePath(path)}: keyring ${quotePath(name)} has a new data key since this clone was unlocked; ${UNLOCK_HINT}`);
    }
    if (state.sealError) throw new AuthError(`${quotePath(path)}: ${state.sealError.message}`, { cause: state.sealError });
    return state.unlocked;
  }

  /**
   * Plaintext -> deterministic envelope. Input that already is an envelope of the policy's keyring
   * is kept (clean∘clean = clean), re-sealed deterministically when we hold its key so a file once
   * sealed at random, or under a previous key, does not show as modified forever.
   */
  clean(path: string, content: Uint8Array): Uint8Array {
    const name = this.keyringFor(path);
    if (isAnsibleVault(content)) {
      // Wrapping it would encrypt twice, and nothing would open it as Ansible Vault any more.
      throw new FormatError(
        `${quotePath(path)} is an Ansible Vault file but the policy keeps it as vaultfile; run "vault migrate ${path}" or give its rule "format: ansible"`,
      );
    }
    const rel = this.policyPath(path);
    // The policy is committed, so anyone with push access can change it: a file seen under one
    // keyring is never sealed under another unless "vault rekey --to-keyring" recorded the move.
    const was = this.placement?.keyringOf(rel);
    if (!isEnvelope(content)) {
      if (was !== undefined && was !== name) throw movedError(path, was, name);
      const sealed = sealEnvelope(content, this.sealer(path, name), { deterministic: true });
      this.placement?.record(rel, name);
      return sealed;
    }
    let info;
    try {
      info = inspectEnvelope(content, path);
    } catch (error) {
      if (error instanceof FormatError) throw this.notIntact(path, error);
      throw error;
    }
    if (info.keyringName === name) {
      const state = this.keyring(name);
      // Locked (fresh clone, another team's keyring): the ciphertext from the checkout goes back as
      // is, but only whole: text appended to it would otherwise be committed in the clear.
      if (state.unlocked === null || !state.unlocked.dataKeys.has(toHex(info.dataKeyId))) return this.intact(path, content);
      const plaintext = openEnvelope(content, state.unlocked, path);
      if (info.deterministic && state.currentUsable && toHex(info.dataKeyId) === state.currentId) return content;
      return sealEnvelope(plaintext, this.sealer(path, name), { deterministic: true });
    }
    if (info.keyringName === null) {
      throw new FormatError(`${quotePath(path)} is sealed with its own inline keyring; run "vault decrypt" on it, then "git add" the plaintext`);
    }
    // Sealed for another keyring than the policy says: it stays as it is (and "vault check" reports
    // it) unless "vault rekey --to-keyring" recorded the move.
    if (was !== name) return this.intact(path, content);
    const source = this.keyring(info.keyringName);
    if (source.unlocked === null) {
      throw new NoKeyError(
        `${quotePath(path)} is sealed for keyring ${quotePath(info.keyringName)} but the policy says ${quotePath(name)}; unlock both keyrings or fix the policy`,
      );
    }
    const target = this.sealer(path, name);
    return sealEnvelope(openEnvelope(content, source.unlocked, path), target, { deterministic: true });
  }

  /** CONTENT unchanged when it is a whole, well-formed envelope (checked without a key). */
  private intact(path: string, content: Uint8Array): Uint8Array {
    try {
      checkEnvelopeShape(content, path);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      throw this.notIntact(path, error);
    }
    return content;
  }

  private notIntact(path: string, cause: FormatError): FormatError {
    return new FormatError(
      `${quotePath(path)}: not an intact envelope (was text added to it?), so it is not passed through; undo the edit with "git checkout -- ${path}", or ${UNLOCK_HINT} and save the plaintext`,
      { cause },
    );
  }

  /**
   * Envelope -> plaintext, verified in full before anything is returned. No key: the ciphertext
   * stays in the work tree and the checkout goes on. Not an envelope: passed through, with a
   * warning unless it is a merge conflict we wrote.
   */
  smudge(path: string, content: Uint8Array): Uint8Array {
    if (!isEnvelope(content)) {
      if (content.length > 0 && !hasConflictMarkers(content)) {
        this.warn(`warning: ${quotePath(path)} is not encrypted in the repository; run "vault check --staged" and commit it again`);
      }
      return content;
    }
    const info = inspectEnvelope(content, path);
    if (info.keyringName !== null) this.placement?.record(this.policyPath(path), info.keyringName);
    if (info.keyringName === null) {
      this.warnOnce(`inline:${path}`, `warning: ${quotePath(path)} is sealed with an inline keyring; left encrypted, use "vault view"`);
      return content;
    }
    const state = this.keyring(info.keyringName);
    if (state.unlocked === null || !state.unlocked.dataKeys.has(toHex(info.dataKeyId))) {
      this.warnOnce(
        `locked:${info.keyringName}`,
        `warning: files of keyring ${quotePath(info.keyringName)} stay encrypted: ${state.unlocked === null ? state.reason : 'its key changed since this clone was unlocked'}; ${UNLOCK_HINT}`,
      );
      return content;
    }
    return openEnvelope(content, state.unlocked, path);
  }

  /** For textconv and the merge driver: plaintext when possible, else the input unchanged. */
  reveal(path: string, content: Uint8Array): { plaintext: Uint8Array; opened: boolean } {
    if (!isEnvelope(content)) return { plaintext: content, opened: true };
    const info = inspectEnvelope(content, path);
    if (info.keyringName === null) return { plaintext: content, opened: false };
    const state = this.keyring(info.keyringName);
    if (state.unlocked === null || !state.unlocked.dataKeys.has(toHex(info.dataKeyId))) return { plaintext: content, opened: false };
    return { plaintext: openEnvelope(content, state.unlocked, path), opened: true };
  }
}

/** git's long-running filter on this process's standard input and output (filter.vault.process). */
export function serveFilterProcess(cwd: string, env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  runFilterProcess(fdSource(0), fdSink(1), () => GitFilter.open(cwd, env, log), log);
}
