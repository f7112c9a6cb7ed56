/**
 * `vault migrate FILE|DIR|GLOB...`: whole-file Ansible vaults converted into vaultfile envelopes
 * under the repository's keyring (the policy's, or the one asked for), or back into Ansible vaults.
 * Each file is checked (sealed, opened again, compared) before it is replaced atomically, so an
 * interrupted run leaves every file either old or new, and a second run finds what is done
 * (resumable). Never converts a file it cannot verify, and never touches plaintext files or YAML
 * with inline values. A file that fails does not stop the others. Returns one result per file;
 * prints nothing.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { hasInlineVaultValues } from '../core/ansible-inline.js';
import { isAnsibleVault } from '../core/ansible-vault.js';
import { isEnvelope } from '../core/envelope.js';
import { UsageError, VaultError, quotePath } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { chooseEncryptCredential } from '../keys/ansible-secrets.js';
import { ansibleTargetFor } from './ansible-formats.js';
import { SecretSession, targetForNewFile, type SealTarget } from './secrets.js';

export type MigrateOutcome = 'migrated' | 'done already' | 'skipped';

/** What became of one file: converted, found done, skipped (with why), or failed. */
export type MigrateResult = { path: string; outcome: MigrateOutcome; detail: string } | { path: string; outcome: 'failed'; error: VaultError };

export interface MigrateRequest {
  /** Files, directories (walked) and globs, as given. */
  paths: string[];
  to: 'vaultfile' | 'ansible';
  /** The keyring to seal under instead of the policy's (to vaultfile). */
  keyring?: string;
  /** With several vault-ids, the label to encrypt with (to ansible). */
  encryptVaultId?: string;
  session: SecretSession;
  /** A progress display for the TOTAL files, told each file's result as it is known. */
  progress?: (total: number) => MigrateProgress;
}

/** What a long migration tells the command as it goes: a line per file shows while the others wait. */
export interface MigrateProgress {
  file(result: MigrateResult): void;
  done(): void;
}

export interface MigrateReport {
  to: 'vaultfile' | 'ansible';
  results: MigrateResult[];
  counts: Record<MigrateOutcome | 'failed', number>;
}

/** Convert the files of REQUEST one by one; WHERE places new files (cwd, env). */
export async function migrateFiles(request: MigrateRequest, where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<MigrateReport> {
  const files = await expandPaths(request.paths);
  const results: MigrateResult[] = [];
  const counts: MigrateReport['counts'] = { migrated: 0, 'done already': 0, skipped: 0, failed: 0 };
  const progress = request.progress?.(files.length);
  try {
    for (const file of files) {
      let result: MigrateResult;
      try {
        const { outcome, detail } = request.to === 'ansible' ? await toAnsible(file, request) : await toVaultfile(file, request, where);
        result = { path: file, outcome, detail };
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        result = { path: file, outcome: 'failed', error };
      }
      results.push(result);
      counts[result.outcome] += 1;
      progress?.file(result);
    }
  } finally {
    progress?.done();
  }
  return { to: request.to, results, counts };
}

async function toVaultfile(file: string, request: MigrateRequest, where: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ outcome: MigrateOutcome; detail: string }> {
  const bytes = new Uint8Array(await fs.readFile(file));
  if (isEnvelope(bytes)) return { outcome: 'done already', detail: 'already a vaultfile envelope' };
  if (!isAnsibleVault(bytes)) {
    const why = hasInlineVaultValues(new TextDecoder().decode(bytes)) ? 'has inline !vault values (kept as they are)' : 'not an ansible vault';
    return { outcome: 'skipped', detail: why };
  }
  const target = await targetForNewFile(file, request.keyring, where);
  if (target.kind !== 'keyring') {
    throw new UsageError(`${quotePath(file)}: no .vaultfile/ keyring found above it; run "vault init" in the repository first`);
  }
  const opened = await request.session.open(bytes, file);
  await replaceVerified(file, request.session, opened.plaintext, target);
  return { outcome: 'migrated', detail: `ansible -> keyring ${quotePath(target.name)}` };
}

async function toAnsible(file: string, request: MigrateRequest): Promise<{ outcome: MigrateOutcome; detail: string }> {
  const { session } = request;
  const bytes = new Uint8Array(await fs.readFile(file));
  if (isAnsibleVault(bytes)) return { outcome: 'done already', detail: 'already an ansible vault' };
  if (!isEnvelope(bytes)) return { outcome: 'skipped', detail: 'not a vaultfile envelope' };
  const opened = await session.open(bytes, file);
  // The Ansible password comes from a vault-id, never from the options that open the keyring.
  const credential = chooseEncryptCredential(await session.credentials(), request.encryptVaultId, session.keys.env, {
    vaultIdOnly: true,
    what: '--to ansible',
  });
  const target = ansibleTargetFor(credential);
  await replaceVerified(file, session, opened.plaintext, target);
  return { outcome: 'migrated', detail: `vaultfile -> ansible ${target.kind === 'ansible' && target.version === '1.2' ? `1.2;${target.label}` : '1.1'}` };
}

/** Seal, open the result again and compare, then replace the file atomically (mode kept). */
async function replaceVerified(file: string, session: SecretSession, plaintext: Uint8Array, target: SealTarget): Promise<void> {
  const sealed = await session.seal(plaintext, target);
  const check = await session.open(sealed, file);
  if (Buffer.compare(check.plaintext, plaintext) !== 0) {
    throw new VaultError(`${quotePath(file)}: the converted file did not read back as the original; it was left unchanged`);
  }
  check.plaintext.fill(0);
  plaintext.fill(0);
  await writeFileAtomic(file, sealed);
}

/** Files named, directories walked, and globs (quoted, so the shell left them) matched. */
async function expandPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const stat = await fs.stat(path).catch(() => null);
    if (stat?.isFile()) out.push(path);
    else if (stat?.isDirectory()) out.push(...(await walk(path)));
    else if (picomatch.scan(path).isGlob) {
      const { base } = picomatch.scan(path);
      const matcher = picomatch(path, { dot: false });
      const found = (await walk(base || '.').catch(() => [])).filter((file) => matcher(file));
      if (found.length === 0) throw new UsageError(`${quotePath(path)}: no file matches; check the pattern`);
      out.push(...found);
    } else throw new UsageError(`${quotePath(path)}: no such file or directory`);
  }
  return [...new Set(out)];
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === '.git' || entry.name === '.vaultfile') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
