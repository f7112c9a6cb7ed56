/**
 * The AWS calls `vault push` makes, through the SDK v3 clients loaded on first use (aws.ts): read
 * the parameters under a prefix and a secret's JSON, write SecureString parameters and the secret,
 * delete parameters, and read back the ARNs AWS reports. Throttling is retried by the SDK's
 * standard retry strategy; any other failure is an AwsCallError carrying the AWS error name only.
 */
import { AwsCallError, awsErrorName, lazyClients, regionFromEnv } from './aws.js';

export interface StoredParameter {
  value: string;
  type: string;
}

export interface PushStore {
  /** Parameters directly under PREFIX (not recursive), decrypted. */
  listParameters(prefix: string): Promise<Map<string, StoredParameter>>;
  putParameter(name: string, value: string, kmsKeyId: string | undefined): Promise<void>;
  /** Deletes NAMES (10 per call). */
  deleteParameters(names: readonly string[]): Promise<void>;
  /** The ARN of each name, as GetParameters reports it. */
  parameterArns(names: readonly string[]): Promise<Map<string, string>>;
  /** The secret's SecretString, or undefined when there is no such secret. */
  readSecret(name: string): Promise<string | undefined>;
  createSecret(name: string, text: string, kmsKeyId: string | undefined): Promise<void>;
  putSecret(name: string, text: string): Promise<void>;
  /** The secret's full ARN, as DescribeSecret reports it. */
  secretArn(name: string): Promise<string>;
}

const BATCH = 10;

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new AwsCallError(`${operation} ${awsErrorName(error)}`);
  }
}

export function createPushStore(env: NodeJS.ProcessEnv): PushStore {
  const region = regionFromEnv(env);
  const options = region ? { region } : {};
  const ssm = lazyClients(
    () => import('@aws-sdk/client-ssm'),
    (sdk) => new sdk.SSMClient(options),
  );
  const sm = lazyClients(
    () => import('@aws-sdk/client-secrets-manager'),
    (sdk) => new sdk.SecretsManagerClient(options),
  );
  return {
    async listParameters(prefix) {
      const { sdk, client } = await call('GetParametersByPath', () => ssm(undefined));
      const found = new Map<string, StoredParameter>();
      let token: string | undefined;
      do {
        const page = await call('GetParametersByPath', () =>
          client.send(new sdk.GetParametersByPathCommand({ Path: prefix, Recursive: false, WithDecryption: true, NextToken: token })),
        );
        for (const parameter of page.Parameters ?? []) {
          if (parameter.Name !== undefined) found.set(parameter.Name, { value: parameter.Value ?? '', type: parameter.Type ?? 'String' });
        }
        token = page.NextToken;
      } while (token);
      return found;
    },
    async putParameter(name, value, kmsKeyId) {
      const { sdk, client } = await call('PutParameter', () => ssm(undefined));
      await call(`PutParameter ${name}`, () =>
        client.send(new sdk.PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true, ...(kmsKeyId ? { KeyId: kmsKeyId } : {}) })),
      );
    },
    async deleteParameters(names) {
      const { sdk, client } = await call('DeleteParameters', () => ssm(undefined));
      for (let i = 0; i < names.length; i += BATCH) {
        await call('DeleteParameters', () => client.send(new sdk.DeleteParametersCommand({ Names: names.slice(i, i + BATCH) })));
      }
    },
    async parameterArns(names) {
      const { sdk, client } = await call('GetParameters', () => ssm(undefined));
      const arns = new Map<string, string>();
      for (let i = 0; i < names.length; i += BATCH) {
        const result = await call('GetParameters', () => client.send(new sdk.GetParametersCommand({ Names: names.slice(i, i + BATCH), WithDecryption: false })));
        for (const parameter of result.Parameters ?? []) {
          if (parameter.Name !== undefined && parameter.ARN !== undefined) arns.set(parameter.Name, parameter.ARN);
        }
      }
      return arns;
    },
    async readSecret(name) {
      const { sdk, client } = await call('GetSecretValue', () => sm(undefined));
      try {
        const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
        return result.SecretString ?? (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('base64') : '');
      } catch (error) {
        if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
        throw new AwsCallError(`GetSecretValue ${awsErrorName(error)}`);
      }
    },
    async createSecret(name, text, kmsKeyId) {
      const { sdk, client } = await call('CreateSecret', () => sm(undefined));
      await call('CreateSecret', () => client.send(new sdk.CreateSecretCommand({ Name: name, SecretString: text, ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}) })));
    },
    async putSecret(name, text) {
      const { sdk, client } = await call('PutSecretValue', () => sm(undefined));
      await call('PutSecretValue', () => client.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: text })));
    },
    async secretArn(name) {
      const { sdk, client } = await call('DescribeSecret', () => sm(undefined));
      const result = await call('DescribeSecret', () => client.send(new sdk.DescribeSecretCommand({ SecretId: name })));
      if (!result.ARN) throw new AwsCallError('DescribeSecret NoArn');
      return result.ARN;
    },
  };
}
