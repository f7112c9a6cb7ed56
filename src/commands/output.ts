/**
 * What encrypt and decrypt share: the command shape (FILES..., -o/--output, --follow-symlinks, -q
 * and the key options) and the -o/--output rule: one input only; "-" input means "-" output.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { STDIO } from '../fs/files.js';
import { addKeySourceOptions, quietOption } from './options.js';

/**
 * `vault VERB [files...]` with the options encrypt and decrypt share; OWN adds the command's own
 * options between --output and --follow-symlinks (their order in --help).
 */
export function addFileCommand(program: Command, verb: 'encrypt' | 'decrypt', own: (command: Command) => Command = (command) => command): Command {
  const command = program
    .command(verb)
    .description(`${verb} files in place ("-" reads standard input and writes standard output)`)
    .argument('[files...]', `files to ${verb} (none with --output: standard input, as ansible-vault)`)
    .option('-o, --output <file>', 'write to FILE instead ("-" for standard output); one input only');
  own(command)
    .option('--follow-symlinks', 'inside a repository, also follow links that lead outside it')
    .addOption(quietOption());
  return addKeySourceOptions(command);
}

/** The inputs: FILES, or standard input when none is named and --output is (ansible-vault's rule); checked against OUTPUT. */
export function inputFiles(files: string[], output: string | undefined): string[] {
  const inputs = inputsOrStdin(files, output);
  checkOutputOption(inputs, output);
  return inputs;
}

function checkOutputOption(files: string[], output: string | undefined): void {
  if (output !== undefined && files.length !== 1) {
    throw new UsageError('--output takes exactly one input file; run once per file');
  }
  if (files.filter((f) => f === STDIO).length > 1) throw new UsageError('"-" (standard input) can be given once');
  if (files.includes(STDIO) && files.length > 1) throw new UsageError('"-" (standard input) cannot be mixed with files');
}

/** No file named: standard input when --output is given (ansible-vault's rule), else a usage error. */
function inputsOrStdin(files: string[], output: string | undefined): string[] {
  if (files.length > 0) return files;
  if (output !== undefined) return [STDIO];
  throw new UsageError('give the files, "-" for standard input, or --output FILE to read standard input');
}

/** Where the result of FILE goes: OUTPUT, standard output for "-", or FILE itself (in place). */
export function outputFor(file: string, output: string | undefined): string {
  if (output !== undefined) return output;
  return file === STDIO ? STDIO : file;
}
