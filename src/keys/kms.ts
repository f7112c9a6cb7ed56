/**
 * AWS KMS for `kms` keyring entries (docs/FORMAT.md §5.5.4), through @aws-sdk/client-kms, imported
 * the first time a KMS entry is opened or sealed: a command on a keyring without KMS entries
 * loads no AWS module. Credentials come from the SDK's default chain (environment, profiles and
 * SSO, web identity such as GitHub Actions OIDC, the ECS task role, the EC2 instance role); the
 * region from the key ARN; the endpoint may be set with AWS_ENDPOINT_URL_KMS. Failures become
 * one-line errors naming the AWS error and the next action; the SDK's own text is not passed on.
 */
import type { KmsAccess } from '../core/public-entry.js';
import { kmsRegion } from '../core/public-entry.js';
import { AuthError, NoKeyError, VaultError } from '../errors.js';
import { quietly } from './aws-quiet.js';

type KmsModule = typeof import('@aws-sdk/client-kms');

/** The message for an error the SDK threw while using `keyArn` for `action`. */
export function kmsFailure(error: unknown, keyArn: string, action: 'kms:Encrypt' | 'kms:Decrypt'): VaultError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const code = (error as { code?: unknown } | null)?.code;
  switch (name) {
    case 'AccessDeniedException':
      return new AuthError(`${keyArn}: AccessDeniedException; grant ${action} on this key to the role in use`);
    case 'InvalidCiphertextException':
      return new AuthError(`${keyArn}: InvalidCiphertextException (the entry is damaged or belongs to another keyring)`);
    case 'IncorrectKeyException':
      return new AuthError(`${keyArn}: IncorrectKeyException (the entry was made under another KMS key)`);
    case 'NotFoundException':
      return new AuthError(`${keyArn}: NotFoundException; check the key ARN and region`);
    case 'KMSInvalidStateException':
    case 'DisabledException':
      return new AuthError(`${keyArn}: ${name} (the key is disabled or pending deletion); enable it in KMS`);
    case 'InvalidIdentityTokenException':
    case 'ExpiredTokenException':
    case 'IDPRejectedClaimException':
      return new NoKeyError(`${keyArn}: AWS STS refused the web identity token (${name}); check AWS_ROLE_ARN and the role's trust policy`);
    case 'CredentialsProviderError':
      return new NoKeyError(`${keyArn}: no AWS credentials found (environment, profile, web identity, container or instance role)`);
    default:
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return new NoKeyError(`${keyArn}: NetworkError ${code}; check the network or AWS_ENDPOINT_URL_KMS`);
      if (error instanceof Error && (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
        return new NoKeyError(`${keyArn}: @aws-sdk/client-kms is not installed; reinstall vaultfile with its dependencies`);
      }
      return new NoKeyError(`${keyArn}: ${name} from AWS KMS; run with --debug for details`);
  }
}

/** A KmsAccess over the AWS SDK; one client per region, made on first use. */
export function createKmsAccess(): KmsAccess {
  let sdk: Promise<KmsModule> | null = null;
  const clients = new Map<string, InstanceType<KmsModule['KMSClient']>>();
  const clientFor = async (keyArn: string) => {
    sdk ??= import('@aws-sdk/client-kms');
    const module = await sdk;
    const region = kmsRegion(keyArn);
    let client = clients.get(region);
    if (!client) {
      client = quietly(() => new module.KMSClient({ region }));
      clients.set(region, client);
    }
    return { module, client };
  };
  /** One KMS call with the client of KEY_ARN's region: our own errors pass, the SDK's become kmsFailure's. */
  const call = async <T>(keyArn: string, action: 'kms:Encrypt' | 'kms:Decrypt', send: (module: KmsModule, client: InstanceType<KmsModule['KMSClient']>) => Promise<T>): Promise<T> => {
    try {
      const { module, client } = await clientFor(keyArn);
      return await send(module, client);
    } catch (error) {
      if (error instanceof VaultError) throw error;
      throw kmsFailure(error, keyArn, action);
    }
  };
  return {
    encrypt: (keyArn, plaintext, context) =>
      call(keyArn, 'kms:Encrypt', async (module, client) => {
        const result = await client.send(new module.EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }));
        if (!result.CiphertextBlob) throw new AuthError(`${keyArn}: KMS returned no ciphertext`);
        return new Uint8Array(result.CiphertextBlob);
      }),
    decrypt: (keyArn, blob, context) =>
      call(keyArn, 'kms:Decrypt', async (module, client) => {
        // KeyId pins the key: KMS refuses (IncorrectKeyException) a blob made under another one.
        const result = await client.send(new module.DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: keyArn }));
        if (!result.Plaintext) throw new AuthError(`${keyArn}: KMS returned no plaintext`);
        return new Uint8Array(result.Plaintext);
      }),
  };
}
