/**
 * `-f` with a remote location, as proc_wrapper's --env reads one: `s3://BUCKET/KEY` (or
 * `arn:aws:s3:::BUCKET/KEY[#VERSION]`), a Secrets Manager ARN or `AWS_SM:NAME`, `ssm:///NAME` (one
 * parameter holding a file) or `aws:appconfig:APP/ENV/PROFILE`. The document is dotenv, JSON or YAML:
 * by `!format`, then content type, then name, then content (`{` starts JSON, else dotenv, else a
 * YAML map). Errors
 * name the location and the AWS error, never the content.
 */
import { FormatError, VaultError, quotePath } from '../errors.js';
import type { SecretBackend } from './aws.js';
import { parseDotenv, type EnvVars } from './dotenv.js';
import { parseEnvMap } from './env-map.js';
import { guessFormat, parseReference } from './references.js';
import { fetchDocument, formatOfDocument, type ResolveContext } from './resolve.js';

const REMOTE = /^(s3:\/\/|arn:aws[a-z-]*:(s3|secretsmanager|ssm):|AWS_SM:|AWS_SSM:|AWS_S3:|ssm:|aws:appconfig:|AWS_APP_CONFIG:)/;

/** Is a -f argument a remote location rather than a path on disk? */
export function isRemoteLocation(text: string): boolean {
  return REMOTE.test(text);
}

/** Dotenv, or (when nothing named the format) a YAML map that is not dotenv; dotenv's error otherwise. */
function parseDotenvOrYaml(text: string, location: string, named: boolean): EnvVars {
  try {
    return parseDotenv(text, location);
  } catch (error) {
    if (named || !(error instanceof FormatError)) throw error;
    try {
      return parseEnvMap(text, location);
    } catch {
      throw error;
    }
  }
}

export async function readRemoteEnv(location: string, backend: SecretBackend, context: ResolveContext): Promise<EnvVars> {
  const text = location.startsWith('s3://') ? `arn:aws:s3:::${location.slice(5)}` : location;
  const reference = parseReference(text, `-f ${quotePath(location)}`, 'vault');
  if (reference.transform) throw new FormatError(`-f ${quotePath(location)}: a file location takes no |JP: or |SELF; remove it`);
  const outcome = await fetchDocument(reference, backend, context);
  if (!outcome.ok) throw new VaultError(`-f ${quotePath(location)}: cannot read it (${outcome.error}); nothing was run; check the location, region and IAM permissions`);
  const format = formatOfDocument(reference, outcome) ?? guessFormat(text.replace(/^.*\//, '')) ?? (outcome.value.trimStart().startsWith('{') ? 'json' : 'dotenv');
  const vars = format === 'dotenv' ? parseDotenvOrYaml(outcome.value, location, reference.format === 'dotenv') : parseEnvMap(outcome.value, location);
  for (const [name, value] of vars) {
    if (value.includes('\0')) throw new FormatError(`${quotePath(location)}: ${name} holds a NUL character; remove it`);
  }
  return vars;
}
