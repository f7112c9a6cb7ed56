/**
 * Finds and runs the user's editor on a plaintext file (DESIGN.md §2: VAULTFILE_EDITOR, then
 * VISUAL, EDITOR, vi). A command with arguments ("code --wait") is split the way a shell splits
 * words, then spawned without a shell, so nothing in it is ever interpreted. The plaintext's path
 * is the last argument; the plaintext itself never goes into argv or the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { UsageError } from '../errors.js';
import { editorKind, missingWaitFlag } from './editor-kind.js';

/** Where the editor command came from, for messages. */
export interface EditorCommand {
  argv: string[];
  source: string;
}

const EDITOR_VARIABLES = ['VAULTFILE_EDITOR', 'VISUAL', 'EDITOR'] as const;

/**
 * Split a command line into words like a POSIX shell, without expansions: blanks separate words,
 * '...' is literal, "..." honours \" \\ \$ \` and a backslash elsewhere quotes the next character.
 */
export function splitCommandLine(text: string, source: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote === "'") {
      if (char === "'") quote = null;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] as string)) word += text[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`${source} has an unterminated ${quote} quote; fix the editor command`);
  if (inWord) words.push(word);
  return words;
}

/** The editor to run: the first non-empty of VAULTFILE_EDITOR, VISUAL, EDITOR, else vi. */
export function resolveEditor(env: NodeJS.ProcessEnv): EditorCommand {
  for (const name of EDITOR_VARIABLES) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    const argv = splitCommandLine(value, name);
    if (argv.length === 0) continue;
    return { argv, source: name };
  }
  return { argv: ['vi'], source: 'the default editor' };
}

/**
 * vim and neovim keep copies of what they edit outside our private directory: registers in
 * viminfo/shada (~), undo and backup files. Started without options, whatever name starts them
 * (vi, view, editor: editor-kind.ts looks at what really runs), they get -n (no swap) and -i NONE
 * (no viminfo/shada); a user who configures options keeps full control. Editors that fork and
 * return at once (code, subl, gvim) get their wait flag, or the edit would be lost.
 */
export function hardenEditorArgv(argv: string[], env: NodeJS.ProcessEnv): string[] {
  const [program, ...rest] = argv as [string, ...string[]];
  const added: string[] = [];
  const wait = missingWaitFlag(argv, env);
  if (wait !== null) added.push(wait);
  if (rest.length === 0 && editorKind(program, env) !== 'other') added.push('-n', '-i', 'NONE');
  return added.length === 0 ? argv : [program, ...added, ...rest];
}

/** How the editor ended. */
export interface EditorResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Run the editor on `file` with the terminal attached and wait for it. `onSpawn` receives the child
 * (so a signal handler can stop it). A missing editor is a usage error naming the variable to set.
 */
export function runEditor(
  editor: EditorCommand,
  file: string,
  onSpawn: ((child: ChildProcess) => void) | undefined,
  env: NodeJS.ProcessEnv,
): Promise<EditorResult> {
  const argv = hardenEditorArgv(editor.argv, env);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, [...argv.slice(1), file], { stdio: 'inherit', shell: false });
    onSpawn?.(child);
    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? 'not found' : (error.code ?? 'failed to start');
      reject(
        new UsageError(
          `editor ${JSON.stringify(argv[0])} from ${editor.source} ${hint}; set VAULTFILE_EDITOR or EDITOR to an installed editor`,
        ),
      );
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
