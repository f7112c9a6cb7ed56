/**
 * `vault push FILE --to ssm:///PREFIX/|secretsmanager:NAME [--kms-key-id K] [--dry-run] [--prune]
 * [--ecs-secrets OUT] [--proc-wrapper OUT]`: carries the variables of an encrypted (or plain) file
 * into SSM Parameter Store or Secrets Manager, prints per name what it did, and writes the references
 * a task needs. Never prints a value.
 */
import { Command } from 'commander';
import { createPushStore } from '../runtime/aws-writes.js';
import { parseEnvFile, sealedVariablesError } from '../runtime/env-file.js';
import type { SealedVariables } from '../runtime/env-map.js';
import { parsePushTarget, push, writeReferenceFiles, type PushReport } from '../runtime/push.js';
import { createSecretReader } from '../runtime/secret-source.js';
import { addKeySourceOptions, keySourceOptions, notesStream, quietOption, type KeyFlags } from './options.js';
import type { Context } from '../context.js';

function summary(report: PushReport, dryRun: boolean): string {
  const counts = new Map<string, number>();
  for (const { change } of report.changes) counts.set(change, (counts.get(change) ?? 0) + 1);
  const parts = ['added', 'changed', 'unchanged', 'removed', 'extra'].filter((c) => counts.has(c)).map((c) => `${counts.get(c)} ${c}`);
  const tail = dryRun ? '; dry run, nothing written' : report.wrote ? '' : '; nothing to write';
  return `${report.target.text}: ${parts.join(', ') || 'no variables'}${tail}\n`;
}

interface PushOptions extends KeyFlags {
  to: string;
  kmsKeyId?: string;
  dryRun?: boolean;
  prune?: boolean;
  ecsSecrets?: string;
  procWrapper?: string;
  quiet?: boolean;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('push')
    .description('write the variables of FILE to SSM Parameter Store or Secrets Manager, and the references a task needs')
    .argument('<file>', 'dotenv, or a flat YAML/JSON map; encrypted or plain (as vault exec -f reads it)')
    .requiredOption('--to <target>', 'ssm:///PREFIX/ (one SecureString per variable) or secretsmanager:NAME (one JSON secret)')
    .option('--kms-key-id <key>', 'the KMS key for new SecureStrings or the new secret (default: the AWS managed key)')
    .option('--dry-run', 'print what would change; write nothing')
    .option('--prune', 'delete what the store has under the target and the file does not (else listed as extra)')
    .option('--ecs-secrets <file>', 'write the task definition\'s "secrets" array (name, valueFrom) to FILE')
    .option('--proc-wrapper <file>', 'write NAME_FOR_PROC_WRAPPER_TO_RESOLVE lines as YAML for proc_wrapper\'s env: to FILE')
    .addOption(quietOption());
  addKeySourceOptions(command);
  command.action(async (file: string, options: PushOptions) => {
    const target = parsePushTarget(options.to);
    const plaintext = await createSecretReader(keySourceOptions(options), io)(file);
    let vars;
    const sealed: SealedVariables = new Map();
    try {
      vars = parseEnvFile(plaintext, file, sealed);
    } finally {
      plaintext.fill(0);
    }
    // Every variable of the file is pushed: one whose value no key opened stops the push.
    if (sealed.size > 0) throw sealedVariablesError(file, sealed, 'nothing was pushed');
    const dryRun = options.dryRun === true;
    const report = await push(vars, target, createPushStore(io.env), {
      dryRun,
      prune: options.prune === true,
      origin: file,
      ...(typeof options.kmsKeyId === 'string' ? { kmsKeyId: options.kmsKeyId } : {}),
    });
    let out = '';
    for (const { name, change } of report.changes) {
      out += `${change.padEnd(9)} ${name}${change === 'extra' ? ' (in the store, not in the file; --prune deletes it)' : ''}\n`;
    }
    io.stdout.write(out + summary(report, dryRun));
    const files = await writeReferenceFiles(report, {
      ...(typeof options.ecsSecrets === 'string' ? { ecsSecrets: options.ecsSecrets } : {}),
      ...(typeof options.procWrapper === 'string' ? { procWrapper: options.procWrapper } : {}),
    }, dryRun);
    for (const path of files.skipped) notesStream(io.stderr, options.quiet).write(`vault: ${path} not written (dry run)\n`);
  });
}
