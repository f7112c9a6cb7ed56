/**
 * `vault view FILE...`: plaintext to standard output, through a pager when stdout is a terminal.
 * Nothing is written to disk. Several files are shown one after another.
 */
import type { Command } from 'commander';
import { addKeySourceOptions, quietOption } from './options.js';
import { viewFiles, type ViewOptions } from './view-files.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  const command = program
    .command('view')
    .description('print the plaintext of files (pager on a terminal)')
    .argument('<files...>', 'files to show ("-" for standard input)')
    .option('--no-pager', 'never start a pager')
    .option('--git-crypt-key <file>', 'open files git-crypt encrypted with this key (from "git-crypt export-key")')
    .addOption(quietOption());
  addKeySourceOptions(command).action((files: string[], options: ViewOptions) => viewFiles(files, options, io));
}
