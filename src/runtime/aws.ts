/**
 * The AWS side of references: SSM Parameter Store and Secrets Manager through the AWS SDK v3
 * clients, loaded with a dynamic import the first time a reference needs them, so commands without
 * references never load the SDK. Region, endpoint (AWS_ENDPOINT_URL_SSM,
 * AWS_ENDPOINT_URL_SECRETS_MANAGER), profiles and credentials come from the SDK's standard chain;
 * an ARN's own region picks the client. Failures are reported by AWS error name only: the SDK's
 * messages are not passed on, and no value is ever logged.
 */
import { quietly } from '../keys/aws-quiet.js';

/**
 * A value (with the parameter type, or the object's content type, when the store says), or the
 * name of the error that prevented reading it (`ParameterNotFound`, ...).
 */
export type Outcome = { ok: true; value: string; type?: string; contentType?: string } | { ok: false; error: string };

/** What the resolver needs from a secret store; `region` undefined means the SDK's default. */
export interface SecretBackend {
  /** At most 10 names (the GetParameters limit), read with decryption unless told; one call. */
  getParameters(region: string | undefined, names: readonly string[], withDecryption?: boolean): Promise<Map<string, Outcome>>;
  /** Every parameter under PATH (recursive, decrypted), following NextToken. */
  getParametersByPath(region: string | undefined, path: string): Promise<Array<{ name: string; value: string }>>;
  /** One GetSecretValue call: SecretString, or SecretBinary as base64. */
  getSecret(region: string | undefined, secretId: string, version?: { versionStage?: string; versionId?: string }): Promise<Outcome>;
  /** One S3 GetObject (a version when given), as UTF-8 text with its Content-Type. */
  getObject(region: string | undefined, bucket: string, key: string, version?: string): Promise<Outcome>;
  /** An AppConfig session and its first configuration, as UTF-8 text with its Content-Type. */
  getAppConfig(region: string | undefined, application: string, environment: string, profile: string): Promise<Outcome>;
}

/** The region the AWS CLI would use from these variables (AWS_REGION, then AWS_DEFAULT_REGION). */
export function regionFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** The error name to report for anything the SDK throws. */
export function awsErrorName(error: unknown): string {
  if (error instanceof Error) {
    // The SDK packages are plain dependencies, but a trimmed install (npm --omit) may lack them.
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /@aws-sdk\//.test(error.message)) {
      return 'AwsSdkMissing (install vaultfile with its dependencies)';
    }
    // The SDK throws a plain Error when no region is configured anywhere.
    if (/region is missing/i.test(error.message)) return 'RegionMissing (set AWS_REGION)';
    // Network failures (no AWS error at all) carry a system code: ECONNREFUSED, ENOTFOUND, ...
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `NetworkError ${code} (check the endpoint and the network)`;
    if (error.name && error.name !== 'Error' && error.name !== 'AggregateError') return error.name;
  }
  return 'UnknownError';
}

/** A failure of a whole call (GetParametersByPath), with the AWS error name. */
export class AwsCallError extends Error {
  constructor(readonly errorName: string) {
    super(errorName);
  }
}

type SsmModule = typeof import('@aws-sdk/client-ssm');
type SmModule = typeof import('@aws-sdk/client-secrets-manager');
type S3Module = typeof import('@aws-sdk/client-s3');
type AppConfigModule = typeof import('@aws-sdk/client-appconfigdata');

/** One client per region, made on first use from a module imported on first use. */
export function lazyClients<M, C>(load: () => Promise<M>, make: (sdk: M, region: string | undefined) => C) {
  let pending: Promise<M> | null = null;
  const clients = new Map<string, C>();
  return async (region: string | undefined): Promise<{ sdk: M; client: C }> => {
    pending ??= load();
    const sdk = await pending;
    let client = clients.get(region ?? '');
    if (!client) {
      client = quietly(() => make(sdk, region));
      clients.set(region ?? '', client);
    }
    return { sdk, client };
  };
}

/** Bytes as UTF-8 text, or the error name to report. */
function utf8Outcome(bytes: Uint8Array, contentType: string | undefined): Outcome {
  try {
    const value = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, value, ...(contentType ? { contentType } : {}) };
  } catch {
    return { ok: false, error: 'ValueIsNotUtf8' };
  }
}

/**
 * The backend on the SDK's standard chain; a call without a region of its own gets the AWS CLI's
 * (AWS_REGION, then AWS_DEFAULT_REGION, which the JavaScript SDK alone ignores), then the profile's.
 */
export function createAwsBackend(env: NodeJS.ProcessEnv): SecretBackend {
  const fallback = regionFromEnv(env);
  const options = (region: string | undefined): { region?: string } => ((region ?? fallback) ? { region: (region ?? fallback)! } : {});
  // Each service's module is imported on first use; the import() calls stay literal for the bundler.
  const service = <M, C>(load: () => Promise<M>, make: (sdk: M, config: { region?: string }) => C) =>
    lazyClients(load, (sdk: M, region: string | undefined) => make(sdk, options(region)));
  const ssm = service((): Promise<SsmModule> => import('@aws-sdk/client-ssm'), (sdk, config) => new sdk.SSMClient(config));
  const secretsManager = service((): Promise<SmModule> => import('@aws-sdk/client-secrets-manager'), (sdk, config) => new sdk.SecretsManagerClient(config));
  const s3 = service((): Promise<S3Module> => import('@aws-sdk/client-s3'), (sdk, config) => new sdk.S3Client(config));
  const appConfig = service((): Promise<AppConfigModule> => import('@aws-sdk/client-appconfigdata'), (sdk, config) => new sdk.AppConfigDataClient(config));

  return {
    async getParameters(region, names, withDecryption = true) {
      const outcomes = new Map<string, Outcome>();
      try {
        const { sdk, client } = await ssm(region);
        const result = await client.send(new sdk.GetParametersCommand({ Names: [...names], WithDecryption: withDecryption }));
        // A requested name may come back as Name, ARN, or either with a ":version"/":label" selector.
        const byKey = new Map<string, Outcome>();
        for (const parameter of result.Parameters ?? []) {
          const selector = parameter.Selector ?? '';
          const outcome: Outcome = { ok: true, value: parameter.Value ?? '', ...(parameter.Type ? { type: parameter.Type } : {}) };
          for (const key of [parameter.Name, parameter.ARN]) {
            if (key === undefined) continue;
            byKey.set(key + selector, outcome);
            if (!byKey.has(key)) byKey.set(key, outcome);
          }
        }
        for (const name of names) outcomes.set(name, byKey.get(name) ?? { ok: false, error: 'ParameterNotFound' });
      } catch (error) {
        const name = awsErrorName(error);
        for (const requested of names) outcomes.set(requested, { ok: false, error: name });
      }
      return outcomes;
    },

    async getParametersByPath(region, path) {
      const found: Array<{ name: string; value: string }> = [];
      try {
        const { sdk, client } = await ssm(region);
        let token: string | undefined;
        do {
          const page = await client.send(
            new sdk.GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken: token }),
          );
          for (const parameter of page.Parameters ?? []) {
            if (parameter.Name !== undefined) found.push({ name: parameter.Name, value: parameter.Value ?? '' });
          }
          token = page.NextToken;
        } while (token);
      } catch (error) {
        throw new AwsCallError(awsErrorName(error));
      }
      return found;
    },

    async getSecret(region, secretId, version = {}) {
      try {
        const { sdk, client } = await secretsManager(region);
        const result = await client.send(new sdk.GetSecretValueCommand({
            SecretId: secretId,
            ...(version.versionStage ? { VersionStage: version.versionStage } : {}),
            ...(version.versionId ? { VersionId: version.versionId } : {}),
          }));
        if (result.SecretString !== undefined) return { ok: true, value: result.SecretString };
        if (result.SecretBinary !== undefined) return { ok: true, value: Buffer.from(result.SecretBinary).toString('base64') };
        return { ok: false, error: 'SecretHasNoValue' };
      } catch (error) {
        return { ok: false, error: awsErrorName(error) };
      }
    },

    async getObject(region, bucket, key, version) {
      try {
        const { sdk, client } = await s3(region);
        const result = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, ...(version ? { VersionId: version } : {}) }));
        return utf8Outcome(await result.Body!.transformToByteArray(), result.ContentType);
      } catch (error) {
        return { ok: false, error: awsErrorName(error) };
      }
    },

    async getAppConfig(region, application, environment, profile) {
      try {
        const { sdk, client } = await appConfig(region);
        const session = await client.send(
          new sdk.StartConfigurationSessionCommand({
            ApplicationIdentifier: application,
            EnvironmentIdentifier: environment,
            ConfigurationProfileIdentifier: profile,
          }),
        );
        const result = await client.send(new sdk.GetLatestConfigurationCommand({ ConfigurationToken: session.InitialConfigurationToken }));
        return utf8Outcome(result.Configuration ?? new Uint8Array(), result.ContentType);
      } catch (error) {
        return { ok: false, error: awsErrorName(error) };
      }
    },
  };
}
