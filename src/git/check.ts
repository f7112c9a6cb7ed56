/**
 * `vault check [--staged]`: the verdict on a repository. Every file under the policy that would be
 * (or is) committed as plaintext, or sealed for the wrong keyring; a filter command that can no
 * longer run; and with --staged, the staged hazards (a key file, an unfiltered secret). Reads only;
 * returns the problems found, prints nothing.
 */
import { hasFilterConfig } from './git-query.js';
import { brokenDriver } from './driver-health.js';
import { listPolicyFiles, policyProblem, type RepoContext } from './policy-files.js';
import { findStagedHazards } from './staged-hazards.js';

export interface CheckProblem {
  path: string;
  problem: string;
}

export interface CheckReport {
  staged: boolean;
  /** Files under the policy that were looked at. */
  files: number;
  /** Files the policy says must be encrypted and are not (or not for their keyring). */
  problems: CheckProblem[];
  /** The configured filter command cannot run (a moved or upgraded installation), or null. */
  brokenDriver: string | null;
  /** With --staged: what else the next commit would leak. */
  hazards: CheckProblem[];
}

/** Check the repository of CTX: the work tree and index, or with STAGED the index only. */
export async function checkRepository(ctx: RepoContext, staged: boolean): Promise<CheckReport> {
  const files = await listPolicyFiles(ctx, { staged, tree: !staged });
  // Only an untracked file's verdict depends on the filter being set up: ask git only then.
  const configured = files.some((file) => file.index.kind === 'absent') && hasFilterConfig(ctx.top);
  const problems: CheckProblem[] = [];
  for (const file of files) {
    const problem = policyProblem(file, configured);
    if (problem !== null) problems.push({ path: file.path, problem });
  }
  const broken = brokenDriver(ctx.top);
  const hazards = staged ? await findStagedHazards(ctx.top, files) : [];
  return { staged, files: files.length, problems, brokenDriver: broken, hazards };
}
