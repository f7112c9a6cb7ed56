/**
 * The AWS side of references: SSM Parameter Store and Secrets Manager through the AWS SDK v3
 * clients, loaded with a dynamic import the first time a reference needs them, so commands without
 * references never load the SDK. Region, endpoint (AWS_ENDPOINT_URL_SSM,
 * AWS_ENDPOINT_URL_SECRETS_MANAGER), profiles and credentials come from the SDK's standard chain;
 * an ARN's own region picks the client. Failures are reported by AWS error name only: the SDK's
 * messages are not passed on, and no value is ever logged.
 */

/** A value, or the name of the error that prevented reading it (`ParameterNotFound`, ...). */
export type Outcome = { ok: true; value: string } | { ok: false; error: string };

/** What the resolver needs from a secret store; `region` undefined means the SDK's default. */
export interface SecretBackend {
  /** At most 10 names (the GetParameters limit), read with decryption; one call. */
  getParameters(region: string | undefined, names: readonly string[]): Promise<Map<string, Outcome>>;
  /** Every parameter under PATH (recursive, decrypted), following NextToken. */
  getParametersByPath(region: string | undefined, path: string): Promise<Array<{ name: string; value: string }>>;
  /** One GetSecretValue call: SecretString, or SecretBinary as base64. */
  getSecret(region: string | undefined, secretId: string): Promise<Outcome>;
}

/** The error name to report for anything the SDK throws. */
export function awsErrorName(error: unknown): string {
  if (error instanceof Error) {
    // The SDK packages are plain dependencies, but a trimmed install (npm --omit) may lack them.
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /@aws-sdk\//.test(error.message)) {
      return 'AwsSdkMissing (install @aws-sdk/client-ssm and @aws-sdk/client-secrets-manager)';
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

/**
 * The SDK on Node 20 prints a multi-line NodeVersionSupportWarning on the first client; vault's
 * stderr belongs to the child's logs, so it is silenced for our own clients only, and the variable
 * is restored so that the child's environment is not changed.
 */
function quietly<T>(make: () => T): T {
  const key = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  const had = Object.prototype.hasOwnProperty.call(process.env, key);
  if (!had) process.env[key] = 'true';
  try {
    return make();
  } finally {
    if (!had) delete process.env[key];
  }
}

/** One client per region, made on first use from a module imported on first use. */
function lazyClients<M, C>(load: () => Promise<M>, make: (sdk: M, region: string | undefined) => C) {
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

export function createAwsBackend(): SecretBackend {
  const ssm = lazyClients(
    (): Promise<SsmModule> => import('@aws-sdk/client-ssm'),
    (sdk, region) => new sdk.SSMClient(region ? { region } : {}),
  );
  const secretsManager = lazyClients(
    (): Promise<SmModule> => import('@aws-sdk/client-secrets-manager'),
    (sdk, region) => new sdk.SecretsManagerClient(region ? { region } : {}),
  );

  return {
    async getParameters(region, names) {
      const outcomes = new Map<string, Outcome>();
      try {
        const { sdk, client } = await ssm(region);
        const result = await client.send(new sdk.GetParametersCommand({ Names: [...names], WithDecryption: true }));
        // A requested name may come back as Name, ARN, or either with a ":version"/":label" selector.
        const byKey = new Map<string, string>();
        for (const parameter of result.Parameters ?? []) {
          const selector = parameter.Selector ?? '';
          for (const key of [parameter.Name, parameter.ARN]) {
            if (key === undefined) continue;
            byKey.set(key + selector, parameter.Value ?? '');
            if (!byKey.has(key)) byKey.set(key, parameter.Value ?? '');
          }
        }
        for (const name of names) {
          const value = byKey.get(name);
          outcomes.set(name, value === undefined ? { ok: false, error: 'ParameterNotFound' } : { ok: true, value });
        }
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

    async getSecret(region, secretId) {
      try {
        const { sdk, client } = await secretsManager(region);
        const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
        if (result.SecretString !== undefined) return { ok: true, value: result.SecretString };
        if (result.SecretBinary !== undefined) return { ok: true, value: Buffer.from(result.SecretBinary).toString('base64') };
        return { ok: false, error: 'SecretHasNoValue' };
      } catch (error) {
        return { ok: false, error: awsErrorName(error) };
      }
    },
  };
}
