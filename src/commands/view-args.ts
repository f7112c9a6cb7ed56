/**
 * The command lines the quick `vault view` (src/quick-view.ts) reads without commander:
 * `vault view [--key-file K]... [--password-file P] [--no-pager] [--no-kms] [-q|--quiet] [--] FILE...`,
 * options anywhere among the files and `--opt=value` as commander takes them. Anything else (another
 * option, a non-repeatable option given twice, a value or file that starts with "-", no file) is
 * left to commander and the whole program. Imports nothing: the launcher (src/bin/vault.ts) asks
 * it before it loads anything of the quick path.
 */
import type { ViewOptions } from './view-files.js';

export interface ViewRequest {
  files: string[];
  options: ViewOptions;
}

/**
 * ARGS (what follows `vault`) as `vault view` would parse them, or null for anything but the
 * forms above. test/quick-view.test.mjs checks each form against commander's own parse.
 */
export function readViewArgs(args: readonly string[]): ViewRequest | null {
  if (args[0] !== 'view') return null;
  const files: string[] = [];
  const options: ViewOptions = {};
  for (let i = 1; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--key-file' || name === '--password-file') {
      const value = inline ?? args[(i += 1)];
      if (value === undefined || value.startsWith('-')) return null;
      if (name === '--key-file') options.keyFile = [...(options.keyFile ?? []), value];
      else if (options.passwordFile === undefined) options.passwordFile = value;
      else return null;
    } else if (inline !== undefined) {
      return null;
    } else if (arg === '--no-pager') {
      options.pager = false;
    } else if (arg === '--no-kms') {
      options.kms = false;
    } else if (arg === '-q' || arg === '--quiet') {
      options.quiet = true;
    } else if (arg.startsWith('-')) {
      return null;
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0 || files.some((file) => file.startsWith('-'))) return null;
  return { files, options };
}
