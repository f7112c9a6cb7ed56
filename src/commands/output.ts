/** The -o/--output rule shared by encrypt and decrypt: one input only; "-" input means "-" output. */
import { UsageError } from '../errors.js';
import { STDIO } from '../fs/files.js';

export function checkOutputOption(files: string[], output: string | undefined): void {
  if (output !== undefined && files.length !== 1) {
    throw new UsageError('--output takes exactly one input file; run once per file');
  }
  if (files.filter((f) => f === STDIO).length > 1) throw new UsageError('"-" (standard input) can be given once');
  if (files.includes(STDIO) && files.length > 1) throw new UsageError('"-" (standard input) cannot be mixed with files');
}

/** No file named: standard input when --output is given (ansible-vault's rule), else a usage error. */
export function inputsOrStdin(files: string[], output: string | undefined): string[] {
  if (files.length > 0) return files;
  if (output !== undefined) return [STDIO];
  throw new UsageError('give the files, "-" for standard input, or --output FILE to read standard input');
}

/** Where the result of FILE goes: OUTPUT, standard output for "-", or FILE itself (in place). */
export function outputFor(file: string, output: string | undefined): string {
  if (output !== undefined) return output;
  return file === STDIO ? STDIO : file;
}
