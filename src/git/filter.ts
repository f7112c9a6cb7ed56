/**
 * The git filter's decisions (DESIGN.md §4.4, §6): clean turns plaintext into the deterministic
 * envelope of the keyring the policy names; smudge turns an envelope back into plaintext after
 * verifying all of it. Keys come only from the key store in the git directory (written by
 * `vault unlock`); keyrings and the policy are read from the work tree once per process. No KDF,
 * no prompt, no git subprocess, nothing on stdout: warnings go to the `warn` callback.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isAnsibleVault } from '../core/ansible-vault.js';
import { inspectEnvelope, isEnvelope, openEnvelope, sealEnvelope } from '../core/envelope.js';
import { parseKeyring, type UnlockedKeyring } from '../core/keyring.js';
import { FormatError, NoKeyError, quotePath } from '../errors.js';
import { findRepoRoot, keyringPath, matchRule, parsePolicy, policyPath, ruleFormat, type Policy } from '../repo/repo.js';
import { fdSink, fdSource } from './fd-io.js';
import { runFilterProcess } from './filter-process.js';
import { findGitDirs, readStoredKeys, type GitDirs } from '../repo/key-store.js';

const HEX = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const UNLOCK_HINT = 'run "vault unlock" (with --key-file or --password-file) in this clone';

/** A keyring as the filter knows it: parsed from the work tree, keys from the key store. */
type KeyringState = { unlocked: UnlockedKeyring; currentId: string; currentUsable: boolean } | { unlocked: null; reason: string };

/** True when the text holds git conflict markers: such plaintext in the tree is expected. */
export function hasConflictMarkers(content: Uint8Array): boolean {
  const head = Buffer.from(content.subarray(0, 1 << 20)).toString('latin1');
  return /^<{7}( |$)/m.test(head) && /^>{7}( |$)/m.test(head);
}

export class GitFilter {
  private readonly keyrings = new Map<string, KeyringState>();
  private readonly warned = new Set<string>();

  #policy: Policy | null = null;

  private constructor(
    /** The directory holding `.vaultfile/`. */
    readonly root: string,
    /** The work tree top level: git's paths are relative to it. */
    readonly workTree: string,
    readonly dirs: GitDirs | null,
    private readonly warn: (line: string) => void,
  ) {}

  /**
   * The policy, read on first use: only clean needs it, and a checkout (smudge only) then never
   * loads the YAML parser.
   */
  get policy(): Policy {
    if (this.#policy === null) {
      const file = policyPath(this.root);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = '';
      }
      this.#policy = parsePolicy(text, file);
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
      let keyring;
      try {
        keyring = parseKeyring(readFileSync(keyringPath(this.root, name), 'utf8'), keyringPath(this.root, name));
      } catch (error) {
        // Without the keyring file (an old branch checked out) the stored keys still open files.
        keyring = null;
        if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
      }
      const currentId = keyring ? HEX(keyring.dataKeyId) : stored.currentId;
      const dataKey = stored.keys.get(currentId);
      const fallback = stored.keys.get(stored.currentId)!;
      state = {
        unlocked: {
          keyring: keyring ?? {
            name,
            dataKeyId: Uint8Array.from(Buffer.from(stored.currentId, 'hex')),
            entries: [],
            previous: [],
            mac: null,
            origin: keyringPath(this.root, name),
          },
          dataKey: dataKey ?? fallback,
          dataKeys: stored.keys,
        },
        currentId: dataKey ? currentId : stored.currentId,
        // The keyring file names a key we lack: it was rotated after our unlock.
        currentUsable: keyring !== null && dataKey !== undefined,
      };
    }
    this.keyrings.set(name, state);
    return state;
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
    if (!isEnvelope(content)) return sealEnvelope(content, this.sealer(path, name), { deterministic: true });
    const info = inspectEnvelope(content, path);
    if (info.keyringName === name) {
      const state = this.keyring(name);
      // Locked (fresh clone, another team's keyring): the ciphertext from the checkout goes back as is.
      if (state.unlocked === null || !state.unlocked.dataKeys.has(HEX(info.dataKeyId))) return content;
      const plaintext = openEnvelope(content, state.unlocked, path);
      if (info.deterministic && state.currentUsable && HEX(info.dataKeyId) === state.currentId) return content;
      return sealEnvelope(plaintext, this.sealer(path, name), { deterministic: true });
    }
    if (info.keyringName === null) {
      throw new FormatError(`${quotePath(path)} is sealed with its own inline keyring; run "vault decrypt" on it, then "git add" the plaintext`);
    }
    // Sealed for another keyring than the policy says (the policy moved it): re-seal if we can.
    const source = this.keyring(info.keyringName);
    if (source.unlocked === null) {
      throw new NoKeyError(
        `${quotePath(path)} is sealed for keyring ${quotePath(info.keyringName)} but the policy says ${quotePath(name)}; unlock both keyrings or fix the policy`,
      );
    }
    const target = this.sealer(path, name);
    return sealEnvelope(openEnvelope(content, source.unlocked, path), target, { deterministic: true });
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
    if (info.keyringName === null) {
      this.warnOnce(`inline:${path}`, `warning: ${quotePath(path)} is sealed with an inline keyring; left encrypted, use "vault view"`);
      return content;
    }
    const state = this.keyring(info.keyringName);
    if (state.unlocked === null || !state.unlocked.dataKeys.has(HEX(info.dataKeyId))) {
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
    if (state.unlocked === null || !state.unlocked.dataKeys.has(HEX(info.dataKeyId))) return { plaintext: content, opened: false };
    return { plaintext: openEnvelope(content, state.unlocked, path), opened: true };
  }
}

/** git's long-running filter on this process's standard input and output (filter.vault.process). */
export function serveFilterProcess(cwd: string, env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  runFilterProcess(fdSource(0), fdSink(1), () => GitFilter.open(cwd, env, log), log);
}
