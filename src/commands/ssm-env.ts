/**
 * `vault ssm-env [-template STRING] [-with-decryption] [-no-fail] COMMAND [ARGS...]`: a drop-in for
 * remind101/ssm-env, so that a Dockerfile changes only the binary name. Variables whose value is
 * `ssm:///NAME` get the parameter's value; the command then runs as under `vault exec` (no shell,
 * signals forwarded, its exit status), without vault's own key sources in its environment.
 */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { createAwsBackend, type SecretBackend } from '../runtime/aws.js';
import { isWithheld } from '../runtime/child-guards.js';
import { SSM_ENV_USAGE, expandSsmEnv, parseSsmEnvFlags } from '../runtime/ssm-env.js';
import { runChild } from '../runtime/spawn.js';

export function register(program: Command): void {
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
        process.stdout.write(SSM_ENV_USAGE);
        return;
      }
      if (flags.version) {
        process.stdout.write(`${VERSION}\n`);
        return;
      }
      const [name, ...rest] = flags.command;
      if (name === undefined) throw new UsageError('no command given; usage: vault ssm-env [-with-decryption] [-no-fail] COMMAND [ARGS...]');
      const env = new Map<string, string>();
      for (const [key, value] of Object.entries(process.env)) {
        if (value !== undefined && !isWithheld(key, false)) env.set(key, value);
      }
      let backend: SecretBackend | null = null;
      const expanded = await expandSsmEnv(env, flags, () => (backend ??= createAwsBackend(process.env)), (line) => process.stderr.write(`vault: ${line}\n`));
      process.exitCode = await runChild(name, rest, Object.fromEntries(expanded));
    });
}
