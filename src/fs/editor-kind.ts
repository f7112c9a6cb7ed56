/**
 * What the editor command really is (docs/SECURITY.md §5), decided by what runs rather than by the
 * name it was started by: Debian's `vi`, `view` and `editor` are links to vim.basic, vim.tiny, nvi
 * or something else, and vim's hardening options would break nvi. The name given, then the name of
 * the resolved file, then (for the ambiguous vi/ex/view/editor names) `--version` saying
 * "VIM - Vi IMproved" or "NVIM" decide. Also the flags that make forking editors wait. Runs at most
 * one short `--version` probe; never prints.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';

export type EditorKind = 'vim' | 'nvim' | 'other';

const NVIM = /^nvim(\.[a-z0-9-]+)?$/;
const VIM = /^(vim|gvim|rvim|vimdiff|gview|rview|vim\.[a-z0-9-]+)$/;
const AMBIGUOUS = new Set(['vi', 'ex', 'view', 'editor', 'vi.exe']);

/** Editors that fork and return at once unless told to wait, with that option's spellings. */
const WAIT_FLAGS: Record<string, { add: string; known: string[] }> = {
  code: { add: '--wait', known: ['--wait', '-w'] },
  'code-insiders': { add: '--wait', known: ['--wait', '-w'] },
  codium: { add: '--wait', known: ['--wait', '-w'] },
  cursor: { add: '--wait', known: ['--wait', '-w'] },
  subl: { add: '-w', known: ['-w', '--wait'] },
  atom: { add: '--wait', known: ['--wait', '-w'] },
  mate: { add: '-w', known: ['-w', '--wait'] },
  zed: { add: '--wait', known: ['--wait'] },
  gedit: { add: '--wait', known: ['--wait', '-w'] },
  gvim: { add: '-f', known: ['-f', '--nofork'] },
  mvim: { add: '-f', known: ['-f', '--nofork'] },
};

function byName(name: string): EditorKind | null {
  if (NVIM.test(name)) return 'nvim';
  if (VIM.test(name)) return 'vim';
  return null;
}

/** PROGRAM as a path: as given when it has a slash, else the first executable on PATH. */
export function locateProgram(program: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync.native(candidate);
    } catch {
      // not here
    }
  }
  return null;
}

export function editorKind(program: string, env: NodeJS.ProcessEnv): EditorKind {
  const given = byName(basename(program));
  if (given) return given;
  const real = locateProgram(program, env);
  if (real === null) return 'other';
  const resolved = byName(basename(real));
  if (resolved) return resolved;
  if (!AMBIGUOUS.has(basename(real)) && !AMBIGUOUS.has(basename(program))) return 'other';
  // No terminal, a short timeout: vim and nvim print their version and exit; others fail fast.
  const probe = spawnSync(real, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000, encoding: 'utf8', env });
  const head = (probe.stdout ?? '').slice(0, 200);
  if (/^NVIM /m.test(head)) return 'nvim';
  if (/VIM - Vi IMproved/.test(head)) return 'vim';
  return 'other';
}

/** The option to add so that PROGRAM waits for its window to close, or null (already there, or not needed). */
export function missingWaitFlag(argv: string[], env: NodeJS.ProcessEnv): string | null {
  const program = argv[0] as string;
  const real = locateProgram(program, env);
  const flags = WAIT_FLAGS[basename(program)] ?? (real ? WAIT_FLAGS[basename(real)] : undefined);
  if (!flags || argv.slice(1).some((arg) => flags.known.includes(arg))) return null;
  return flags.add;
}
