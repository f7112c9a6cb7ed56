/**
 * `vault rotate [--keyring NAME]`: a new data key for a keyring, then every file sealed under the
 * keyring re-encrypted with it; resumable (repo/rotation.ts does the work and returns its report).
 * This file parses the options and prints the report: the entries dropped, each file that could not
 * be re-encrypted, damaged headers and leftover temp files, then the summary. Rotation protects what
 * is written from now on; it cannot take back what a removed member has already read, and the
 * command says so.
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { VaultError, quotePath } from '../errors.js';
import { createKeyContext } from '../keys/key-sources.js';
import { createProgress, type ProgressStream } from '../fs/progress.js';
import { leftoverTempWarning } from '../repo/keyring-files.js';
import { checkKeyringName } from '../repo/repo.js';
import { rotateRepoKeyring, type RotationReport } from '../repo/rotation.js';
import { addKeySourceOptions, keyringOption, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

interface RotateOptions extends KeyFlags {
  keyring: string;
  dropUnopened?: boolean;
  quiet?: boolean;
}

const plural = (count: number, word: string): string => `${count} ${count === 1 ? word : `${word}s`}`;

/**
 * The rest of the report as text (the envelopes that failed were shown as they failed): NOTES get
 * what --quiet silences, STDERR the warnings that always print.
 */
function printReport(report: RotationReport, notes: ProgressStream, stderr: ProgressStream, cwd: string): void {
  for (const { error } of report.ansible.failed) stderr.write(`vault: ${error.message}\n`);
  for (const damaged of report.damaged) stderr.write(`vault: warning: ${quotePath(damaged)} looks like a vault file but its header is damaged; not rotated\n`);
  for (const leftover of report.leftovers) stderr.write(`${leftoverTempWarning(leftover)}\n`);
  if (!report.finished) {
    const failed = report.failed.length + report.ansible.failed.length;
    const attempted = report.reencrypted.length + report.ansible.rotated.length + failed;
    throw new VaultError(`${failed} of ${attempted} files could not be re-encrypted (see above); fix them and run "vault rotate --keyring ${report.keyring}" again to finish`);
  }
  const where = relative(cwd, report.path) || report.path;
  const done = report.reencrypted.length;
  const skipped = report.alreadyCurrent.length;
  const ansible = report.ansible.rotated.length;
  notes.write(
    `${report.resumed ? 'finished rotating' : 'rotated'} keyring ${quotePath(report.keyring)} (${where}): new data key ${report.dataKeyId.slice(0, 16)}; ` +
      `${plural(done, 'file')} re-encrypted${skipped > 0 ? `, ${skipped} already under the new key` : ''}` +
      `${ansible > 0 ? `; ${ansible} Ansible-format ${ansible === 1 ? 'file' : 'files'} sealed with the new Ansible password` : ''}\n` +
      'note: rotation protects what is encrypted from now on. anyone whose key was removed could already read ' +
      'every file up to now (and git history keeps the old versions): change the secrets themselves upstream ' +
      '(passwords, tokens, API keys), then update these files with "vault edit"\n' +
      // Files the git filter keeps as plaintext in the work tree are sealed in the index, not here.
      (report.storedKeysRefreshed ? 'files under the git filter: run "git add --renormalize ." and commit, so the index holds them under the new key\n' : ''),
  );
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('rotate')
    .description('new data key for a keyring; re-encrypt every file under it (resumable)')
    .addOption(keyringOption())
    .option('--drop-unopened', 'remove entries whose keys were not given (they cannot get the new data key)')
    .addOption(quietOption());
  addKeySourceOptions(command).action(async (options: RotateOptions) => {
    const notes = notesStream(io.stderr, options.quiet);
    const report = await rotateRepoKeyring(
      {
        keyring: checkKeyringName(options.keyring),
        keys: createKeyContext(keySourceOptions(options), io),
        dropUnopened: options.dropUnopened === true,
        progress: ({ total, dropped }) => {
          // The keyring is written by now: the entries it dropped are said before the files.
          for (const label of dropped) notes.write(`removed entry ${quotePath(label)} (its key was not given)\n`);
          const bar = createProgress(total, 'rotate', notes);
          return {
            file(path, error) {
              if (error) {
                bar.done();
                io.stderr.write(`vault: ${error.message}\n`);
              }
              bar.tick(path);
            },
            done: () => bar.done(),
          };
        },
      },
      io,
    );
    printReport(report, notes, io.stderr, io.cwd);
  });
}
