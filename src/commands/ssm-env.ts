/**
 * `vault ssm-env [-template STRING] [-with-decryption] [-no-fail] COMMAND [ARGS...]`: a drop-in for
 * remind101/ssm-env, so that a Dockerfile changes only the binary name. Variables whose value is
 * `ssm:///NAME` get the parameter's value; the command then runs as under `vault exec` (no shell,
 * signals forwarded, its exit status), without vault's own key sources in its environment.
 */
import { Command } from 'commander';
import { UsageError, quotePath } from '../errors.js';
import { VERSION } from '../version.js';
import { createAwsBackend, type SecretBackend } from '../runtime/aws.js';
import { isWithheld } from '../runtime/child-guards.js';
import { SSM_ENV_USAGE, expandSsmEnv, isRunnable, parseSsmEnvFlags } from '../runtime/ssm-env.js';
import { CommandStartError, runChild } from '../runtime/spawn.js';
import type { Context } from '../context.js';

export function register(program: Command, io: Context): void {
  program
    .command('ssm-env')
    .description('remind101/ssm-env drop-in: replace ssm:///NAME values with SSM parameters, then run COMMAND')
    .usage('[-template STRING] [-with-decryption] [-no-fail] COMMAND [ARGS...]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .passThroughOptions()
    .argument('[args...]', 'ssm-env\'s flags, then the command and its arguments')
    .action(async (args: string[]) => {
      const flags = parseSsmEnvFlags(args);
      if (flags.help) {
        io.stdout.write(SSM_ENV_USAGE);
        return;
      }
      if (flags.version) {
        io.stdout.write(`${VERSION}\n`);
        return;
      }
      const [name, ...rest] = flags.command;
      if (name === undefined) throw new UsageError('no command given; usage: vault ssm-env [-with-decryption] [-no-fail] COMMAND [ARGS...]');
      if (!isRunnable(name, io.env.PATH)) {
        throw new CommandStartError(`${quotePath(name)}: command not found or not executable; nothing was fetched; check the name and PATH`, 127);
      }
      const env = new Map<string, string>();
      for (const [key, value] of Object.entries(io.env)) {
        if (value !== undefined && !isWithheld(key, false)) env.set(key, value);
      }
      let backend: SecretBackend | null = null;
      const expanded = await expandSsmEnv(env, flags, () => (backend ??= createAwsBackend(io.env)));
      for (const warning of expanded.warnings) io.stderr.write(`vault: ${warning}\n`);
      io.exitCode = await runChild(name, rest, Object.fromEntries(expanded.env), io);
    });
}
