/**
 * The few git plumbing calls the lock/unlock/check/status commands need, each one process for all
 * paths: `ls-files` for the index, `check-attr --stdin -z` for attributes, `cat-file --batch` for
 * blobs, `status --porcelain -z` for local changes, `checkout --pathspec-from-file` to re-run the
 * filters. Never used by the filter hot path. Paths in and out are relative to the work tree top.
 */
import { spawn, spawnSync } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import { FileSystemError, UsageError, quotePath } from '../errors.js';

export interface IndexEntry {
  mode: string;
  sha: string;
  stage: number;
  path: string;
}

/** Run git in CWD; a failure is a FileSystemError carrying git's first stderr line. */
export function runGit(cwd: string, args: string[], input?: Uint8Array | string): Buffer {
  const result = spawnSync('git', args, { cwd, input: input ?? '', maxBuffer: 1 << 30 });
  if (result.error) throw new FileSystemError(`cannot run git (${(result.error as NodeJS.ErrnoException).code ?? 'error'}); install git or fix PATH`);
  if (result.status !== 0) {
    const line = result.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    throw new FileSystemError(`git ${args[0]} failed: ${line || `exit ${result.status}`}`);
  }
  return result.stdout;
}

/** The work tree top level of CWD, or a UsageError outside a git work tree. */
export function workTreeTop(cwd: string): string {
  const result = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' });
  if (result.status !== 0 || !result.stdout.trim()) {
    throw new UsageError(`${quotePath(cwd)} is not inside a git work tree; run "git init" or change directory`);
  }
  return result.stdout.trim();
}

function splitZ(buffer: Buffer): string[] {
  const parts = buffer.toString('utf8').split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Every index entry (all stages). */
export function listIndex(top: string): IndexEntry[] {
  return splitZ(runGit(top, ['ls-files', '-s', '-z'])).map((record) => {
    const tab = record.indexOf('\t');
    const [mode, sha, stage] = record.slice(0, tab).split(' ');
    return { mode: mode!, sha: sha!, stage: Number(stage), path: record.slice(tab + 1) };
  });
}

/** Untracked, not ignored files. */
export function listUntracked(top: string): string[] {
  return splitZ(runGit(top, ['ls-files', '-z', '--others', '--exclude-standard']));
}

/** The value of attribute ATTR for each path (`unspecified`, `set`, `unset` or the value). */
export function checkAttr(top: string, attr: string, paths: string[]): Map<string, string> {
  const values = new Map<string, string>();
  if (paths.length === 0) return values;
  const out = splitZ(runGit(top, ['check-attr', '--stdin', '-z', attr], paths.join('\0') + '\0'));
  for (let i = 0; i + 2 < out.length; i += 3) values.set(out[i]!, out[i + 2]!);
  return values;
}

/** True when git sends FILE through the vault filter (filter=vault); false outside a work tree or without git. */
export function hasVaultFilter(file: string): boolean {
  const path = resolve(file);
  const result = spawnSync('git', ['check-attr', '-z', 'filter', '--', basename(path)], { cwd: dirname(path), encoding: 'utf8' });
  return result.status === 0 && result.stdout.split('\0')[2] === 'vault';
}

/** What to do with each blob `streamBlobs` reads: called in order, blob by blob. */
export interface BlobSink {
  start(sha: string, size: number): void;
  data(chunk: Uint8Array): void;
  end(): void;
}

/**
 * Every blob by sha, read with one `git cat-file --batch` whose output is parsed as it streams,
 * handed to SINK piece by piece: memory stays bounded whatever the blobs' sizes. Missing objects
 * are skipped. A SINK that throws stops the read and rejects.
 */
export function streamBlobs(top: string, shas: string[], sink: BlobSink): Promise<void> {
  const unique = [...new Set(shas)];
  if (unique.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    /** Bytes left of the blob being read, +1 for the LF git writes after it; -1 between blobs. */
    let remaining = -1;
    let failed = false;
    const take = (chunk: Buffer): void => {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      while (data.length > 0) {
        if (remaining < 0) {
          const eol = data.indexOf(0x0a);
          if (eol < 0) {
            pending = data;
            return;
          }
          const header = data.subarray(0, eol).toString('utf8').split(' ');
          data = data.subarray(eol + 1);
          if (header[1] === 'missing') continue;
          remaining = Number(header[2]) + 1;
          sink.start(header[0]!, remaining - 1);
        }
        const n = Math.min(remaining, data.length);
        const body = Math.min(n, remaining - 1);
        if (body > 0) sink.data(data.subarray(0, body));
        remaining -= n;
        data = data.subarray(n);
        if (remaining === 0) {
          remaining = -1;
          sink.end();
        }
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        take(chunk);
      } catch (error) {
        failed = true;
        child.kill();
        reject(error);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new FileSystemError(`cannot run git (${error.code ?? 'error'}); install git or fix PATH`));
    });
    child.on('close', (code) => {
      if (failed) return;
      if (code === 0) resolve();
      else reject(new FileSystemError(`git cat-file failed: ${Buffer.concat(errors).toString('utf8').trim().split('\n')[0] || `exit ${code}`}`));
    });
    child.stdin.end(unique.join('\n') + '\n');
  });
}

/**
 * The first LIMIT bytes of each blob by sha: a check of 1,000 files plus a few large ones keeps a
 * few KiB of each instead of collecting the whole output into one buffer.
 */
export async function readBlobPrefixes(top: string, shas: string[], limit: number): Promise<Map<string, Uint8Array>> {
  const blobs = new Map<string, Uint8Array>();
  let current: { sha: string; parts: Buffer[]; kept: number } | null = null;
  await streamBlobs(top, shas, {
    start: (sha) => {
      current = { sha, parts: [], kept: 0 };
    },
    data: (chunk) => {
      const keep = Math.min(chunk.length, limit - current!.kept);
      if (keep <= 0) return;
      current!.parts.push(Buffer.from(chunk.subarray(0, keep)));
      current!.kept += keep;
    },
    end: () => {
      blobs.set(current!.sha, new Uint8Array(Buffer.concat(current!.parts)));
    },
  });
  return blobs;
}

/** Paths with staged or unstaged changes to tracked files (renames give both names). */
export function changedPaths(top: string): Set<string> {
  const records = splitZ(runGit(top, ['status', '--porcelain', '-z', '--untracked-files=no']));
  const paths = new Set<string>();
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    paths.add(record.slice(3));
    // A rename or copy is followed by its source path as a separate record.
    if (record[0] === 'R' || record[0] === 'C') paths.add(records[++i]!);
  }
  return paths;
}

/** Whether the vault filter is configured for this repository (a fresh clone has no local config). */
export function hasFilterConfig(top: string): boolean {
  const result = spawnSync('git', ['config', '--get', 'filter.vault.process'], { cwd: top, encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() !== '';
}

/** Check PATHS out from the index again, so the current filters run on them. */
export function checkoutFromIndex(top: string, paths: string[]): void {
  if (paths.length === 0) return;
  runGit(top, ['checkout', '--pathspec-from-file=-', '--pathspec-file-nul'], paths.map((p) => `:(literal)${p}`).join('\0') + '\0');
}
