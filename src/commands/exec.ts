/**
 * `vault exec [-f FILE]... [--pristine] [--overload] [--allow-unresolved] -- COMMAND ARGS`: runs COMMAND with
 * secrets from encrypted or plain files and resolved references as environment variables, then exits
 * with its status. Also exports the option set that `vault export` shares.
 */
import { Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { UnresolvedReferencesError, buildEnvironment, type BuiltEnvironment, type EnvironmentOptions } from '../runtime/environment.js';
import type { SourceReader } from '../runtime/env-file.js';
import { createSecretReader } from '../runtime/secret-source.js';
import { addKeySourceOptions, collect, keySourceOptions, quietOption, type KeyFlags } from './options.js';
import { runChild } from '../runtime/spawn.js';
import type { Context } from '../context.js';


/** The options exec and export share: sources, precedence and reference resolution. */
export function addEnvironmentOptions(command: Command): Command {
  return command
    .option('-f, --file <file>', 'read variables from FILE: dotenv, or a flat YAML/JSON map; encrypted or plain (repeatable, in order)', collect)
    .option('--ssm-path <path>', 'read every SSM parameter under PATH (recursive) as NAME=value (repeatable)', collect)
    .option('--overload', 'let file values override variables already in the environment')
    .option('--allow-unresolved', 'run even if a reference cannot be resolved (the variable stays unset); by default nothing runs')
    .addOption(new Option('--strict', 'fail before running anything if a reference cannot be resolved (the default)').hideHelp())
    .option('--allow-variable <name>', 'let the sources set NAME although it changes how programs load (LD_PRELOAD, NODE_OPTIONS, ...; repeatable)', collect)
    .option('--keep-key-sources', 'pass VAULTFILE_KEY_FILE, VAULTFILE_PASSWORD_FILE and VAULTFILE_IDENTITY on (never VAULTFILE_PASSWORD)')
    .option('--no-resolve', 'pass ssm:// values and *_FOR_VAULT_TO_RESOLVE variables through untouched');
}

/** The options of exec and export (addEnvironmentOptions and the key options). */
export interface EnvironmentFlags extends KeyFlags {
  file?: string[];
  ssmPath?: string[];
  overload?: boolean;
  pristine?: boolean;
  /** false with --no-path. */
  path?: boolean;
  /** false with --no-resolve. */
  resolve?: boolean;
  strict?: boolean;
  allowUnresolved?: boolean;
  keepKeySources?: boolean;
  allowVariable?: string[];
}

/** Parsed options -> the runtime's options; READ opens (and decrypts) a file. */
function environmentOptions(options: EnvironmentFlags, read: SourceReader): EnvironmentOptions {
  if (options.strict === true && options.allowUnresolved === true) {
    throw new UsageError('--strict and --allow-unresolved contradict each other; keep one');
  }
  return {
    files: options.file ?? [],
    ssmPaths: options.ssmPath ?? [],
    overload: options.overload === true,
    pristine: options.pristine === true,
    keepPath: options.path !== false,
    resolve: options.resolve !== false,
    allowUnresolved: options.allowUnresolved === true,
    keepKeySources: options.keepKeySources === true,
    allowedVariables: options.allowVariable ?? [],
    read,
  };
}

/**
 * The environment of exec and export, with its warnings printed; when references cannot be
 * resolved, one line each before the error that stops the run.
 */
export async function commandEnvironment(options: EnvironmentFlags, io: Context): Promise<BuiltEnvironment> {
  const say = (line: string): void => void io.stderr.write(`vault: ${line}\n`);
  let built: BuiltEnvironment;
  try {
    built = await buildEnvironment(io.env, environmentOptions(options, createSecretReader(keySourceOptions(options), io)));
  } catch (error) {
    if (error instanceof UnresolvedReferencesError) error.unresolved.forEach(say);
    throw error;
  }
  built.warnings.forEach(say);
  return built;
}

export function register(program: Command, io: Context): void {
  const command = program
    .command('exec')
    .description('run COMMAND with secrets as environment variables (no shell; exits with its status)')
    .argument('<command>', 'the program to run, found on PATH')
    .argument('[args...]', 'its arguments, passed unchanged (put -- before them)')
    .passThroughOptions();
  addEnvironmentOptions(command)
    .option('--pristine', 'start from an empty environment: only PATH and the variables read')
    .addOption(new Option('--no-path', 'with --pristine, do not keep PATH either'))
    .addOption(quietOption());
  addKeySourceOptions(command);
  command.action(async (name: string, args: string[], options: EnvironmentFlags) => {
    if (options.path === false && options.pristine !== true) {
      throw new UsageError('--no-path only applies with --pristine (without it the whole environment is kept); add --pristine');
    }
    const built = await commandEnvironment(options, io);
    io.exitCode = await runChild(name, args, Object.fromEntries(built.env), io);
  });
}
