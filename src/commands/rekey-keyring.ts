/**
 * `vault rekey --to-keyring NAME FILE...`: the one explicit way to move files to another keyring of
 * the repository (docs/SECURITY.md §3). The policy must already send each file to NAME (it stays
 * the single source of rules); an envelope in the work tree is opened and sealed under NAME in
 * memory and replaced atomically; a file the git filter keeps as plaintext is only recorded, so the
 * next `git add` seals it under NAME. Either way the clone records the move, which the filter and
 * `encrypt` otherwise refuse.
 */
import { isEnvelope } from '../core/envelope.js';
import { UsageError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readInput } from '../fs/files.js';
import { SecretSession } from '../formats/secrets.js';
import type { KeyContext } from '../keys/key-sources.js';
import { findGitDirs } from '../repo/key-store.js';
import { Placement } from '../repo/placement.js';
import { checkKeyringName, findRepoRoot, hasKeyring, matchRule, readPolicy, repoRelative } from '../repo/repo.js';

export async function moveToKeyring(files: string[], name: string, keys: KeyContext): Promise<string[]> {
  checkKeyringName(name);
  const root = findRepoRoot(keys.io.cwd);
  if (!root) throw new UsageError('--to-keyring: no .vaultfile/ directory here or above; run "vault init" first');
  if (!hasKeyring(root, name)) throw new UsageError(`keyring ${quotePath(name)} does not exist; run "vault init --keyring ${name}"`);
  const dirs = findGitDirs(root, keys.env);
  const placement = dirs ? new Placement(dirs.commonDir) : null;
  const policy = await readPolicy(root, keys.io.cwd);
  const session = new SecretSession(keys);
  const pending: Array<{ file: string; rel: string; sealed: Uint8Array | null }> = [];
  for (const file of files) {
    const rel = repoRelative(root, file);
    if (rel === null) throw new UsageError(`${quotePath(file)} is outside the repository; --to-keyring moves files of this repository only`);
    const rule = matchRule(policy, rel);
    if (rule && rule.keyring !== name) {
      throw new UsageError(`${quotePath(file)}: the policy sends it to keyring ${quotePath(rule.keyring)}; change its rule in .vaultfile/policy.yml to ${quotePath(name)} first`);
    }
    const bytes = await readInput(file, keys.io.stdin);
    if (!isEnvelope(bytes)) {
      pending.push({ file, rel, sealed: null });
      continue;
    }
    const opened = await session.open(bytes, file);
    const sealed = await session.seal(opened.plaintext, { kind: 'keyring', root, name });
    opened.plaintext.fill(0);
    pending.push({ file, rel, sealed });
  }
  for (const { file, rel, sealed } of pending) {
    if (sealed) await writeFileAtomic(file, sealed);
    placement?.record(rel, name);
  }
  return pending.map((item) => item.file);
}
