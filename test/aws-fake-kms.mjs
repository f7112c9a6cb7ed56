// A loopback stand-in for the AWS services that open `kms` keyring entries, speaking the real wire
// protocols so that the real SDK clients exercise the whole path:
// - KMS, AWS JSON 1.1 (TrentService.Encrypt / Decrypt), selected with AWS_ENDPOINT_URL_KMS, with
//   the errors AccessDeniedException, InvalidCiphertextException, IncorrectKeyException,
//   NotFoundException and KMSInvalidStateException;
// - STS AssumeRoleWithWebIdentity (query protocol, XML answer), selected with AWS_ENDPOINT_URL_STS:
//   the GitHub Actions OIDC path of the SDK's default chain;
// - the ECS container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI on loopback).
// Ciphertext blobs are AES-256-GCM under a per-key secret with the encryption context as AAD, so a
// context mismatch fails as on AWS. Who may call Decrypt/Encrypt is decided by access key id.
// Every request is recorded (target, access key id) for assertions.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server.mjs';

export const ACCOUNT = '111122223333';

/**
 * @typedef {{ id: string, region?: string, aliases?: string[], state?: 'Enabled' | 'Disabled' | 'PendingDeletion' }} FakeKey
 * @typedef {{
 *   keys?: FakeKey[],
 *   allow?: Record<string, string[]> | null,
 *   webIdentity?: { token: string, roleArn: string, accessKeyId: string },
 *   container?: { token?: string, accessKeyId: string },
 * }} FakeKmsData
 * allow: access key id -> operations it may call ("Encrypt", "Decrypt"); null allows everyone.
 */

/** The key ARN of a fake key id in REGION. */
/** @param {string} id */
export function keyArn(id, region = 'eu-west-1') {
  return `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
}

/** @param {string} alias */
export function aliasArn(alias, region = 'eu-west-1') {
  return `arn:aws:kms:${region}:${ACCOUNT}:alias/${alias}`;
}

/** Canonical AAD for an encryption context: sorted keys, as KMS treats the context as a set. */
/** @param {Record<string, string>} [context] */
function aadOf(context = {}) {
  return Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])));
}

/** @param {FakeKmsData} data */
export async function startFakeKms(data = {}) {
  /** @type {Map<string, FakeKey & { secret: Buffer }>} */
  const keys = new Map();
  for (const key of data.keys ?? []) keys.set(key.id, { ...key, secret: randomBytes(32) });
  /** @type {{ target: string, accessKeyId: string | undefined, body: any }[]} */
  const requests = [];
  const allow = data.allow === undefined ? null : data.allow;

  const resolveKey = (/** @type {string} */ keyId) => {
    for (const key of keys.values()) {
      const region = key.region ?? 'eu-west-1';
      if (keyId === key.id || keyId === keyArn(key.id, region)) return key;
      for (const alias of key.aliases ?? []) if (keyId === `alias/${alias}` || keyId === aliasArn(alias, region)) return key;
    }
    return undefined;
  };
  /** @returns {[number, any]} */
  const error = (/** @type {string} */ type, /** @type {string} */ message) => [400, { __type: type, message }];

  /** @returns {[number, any]} */
  const kms = (/** @type {string} */ target, /** @type {any} */ body, /** @type {string | undefined} */ who) => {
    const op = target.replace(/^TrentService\./, '');
    if (op !== 'Encrypt' && op !== 'Decrypt') return error('UnknownOperationException', `unknown operation ${target}`);
    if (allow !== null && !(allow[who ?? ''] ?? []).includes(op)) {
      return error('AccessDeniedException', `User: ${who} is not authorized to perform: kms:${op}`);
    }
    if (op === 'Encrypt') {
      const key = resolveKey(body.KeyId);
      if (!key) return error('NotFoundException', `Key '${body.KeyId}' does not exist`);
      if ((key.state ?? 'Enabled') !== 'Enabled') return error('KMSInvalidStateException', `${key.id} is ${key.state}`);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key.secret, iv).setAAD(aadOf(body.EncryptionContext));
      const sealed = Buffer.concat([cipher.update(Buffer.from(body.Plaintext, 'base64')), cipher.final()]);
      const blob = Buffer.concat([Buffer.from([key.id.length]), Buffer.from(key.id), iv, sealed, cipher.getAuthTag()]);
      return [200, { CiphertextBlob: blob.toString('base64'), KeyId: keyArn(key.id, key.region), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }];
    }
    const blob = Buffer.from(body.CiphertextBlob ?? '', 'base64');
    const idLength = blob[0] ?? 0;
    const owner = keys.get(blob.subarray(1, 1 + idLength).toString());
    if (!owner || blob.length < 1 + idLength + 12 + 16) return error('InvalidCiphertextException', '');
    if (body.KeyId !== undefined) {
      const named = resolveKey(body.KeyId);
      if (!named) return error('NotFoundException', `Key '${body.KeyId}' does not exist`);
      if (named.id !== owner.id) return error('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
    }
    if ((owner.state ?? 'Enabled') !== 'Enabled') return error('KMSInvalidStateException', `${owner.id} is ${owner.state}`);
    const iv = blob.subarray(1 + idLength, 13 + idLength);
    const tag = blob.subarray(blob.length - 16);
    try {
      const decipher = createDecipheriv('aes-256-gcm', owner.secret, iv).setAAD(aadOf(body.EncryptionContext)).setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(blob.subarray(13 + idLength, blob.length - 16)), decipher.final()]);
      return [200, { Plaintext: plain.toString('base64'), KeyId: keyArn(owner.id, owner.region), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }];
    } catch {
      return error('InvalidCiphertextException', '');
    }
  };

  /** @returns {[number, string]} */
  const sts = (/** @type {URLSearchParams} */ form) => {
    /** @returns {[number, string]} */
    const xmlError = (/** @type {string} */ code, /** @type {string} */ message) => [400, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`];
    if (form.get('Action') !== 'AssumeRoleWithWebIdentity') return xmlError('InvalidAction', 'unsupported');
    const web = data.webIdentity;
    if (!web || form.get('WebIdentityToken') !== web.token) return xmlError('InvalidIdentityToken', 'the token is not valid');
    if (form.get('RoleArn') !== web.roleArn) return xmlError('AccessDenied', 'not authorized to assume this role');
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return [200, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>${web.accessKeyId}</AccessKeyId>
      <SecretAccessKey>fake-web-secret</SecretAccessKey>
      <SessionToken>fake-web-session</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>repo:acme/deploy:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <AssumedRoleUser><Arn>${web.roleArn}/${form.get('RoleSessionName')}</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`];
  };

  const server = createServer((request, response) => {
    /** @type {Buffer[]} */
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const who = /Credential=([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
      if (request.method === 'GET' && request.url === '/container-credentials') {
        requests.push({ target: 'container-credentials', accessKeyId: undefined, body: {} });
        const container = data.container;
        if (!container || (container.token !== undefined && request.headers.authorization !== container.token)) {
          response.writeHead(403).end('{}');
          return;
        }
        const body = JSON.stringify({
          AccessKeyId: container.accessKeyId, SecretAccessKey: 'fake-task-secret', Token: 'fake-task-session',
          Expiration: new Date(Date.now() + 3600_000).toISOString(), RoleArn: `arn:aws:iam::${ACCOUNT}:role/task`,
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return;
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target.startsWith('TrentService.')) {
        let body = {};
        try {
          body = JSON.parse(text || '{}');
        } catch {
          body = {};
        }
        requests.push({ target, accessKeyId: who, body });
        const [status, payload] = kms(target, body, who);
        const out = JSON.stringify(payload);
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(out), 'x-amzn-requestid': `req-${requests.length}` });
        response.end(out);
        return;
      }
      const form = new URLSearchParams(text);
      requests.push({ target: `sts.${form.get('Action')}`, accessKeyId: who, body: Object.fromEntries(form) });
      const [status, xml] = sts(form);
      response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': `req-${requests.length}` });
      response.end(xml);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    /** How many requests named TARGET ("TrentService.Decrypt", "sts.AssumeRoleWithWebIdentity") arrived. */
    count: (/** @type {string} */ target) => requests.filter((r) => r.target === target).length,
    /** Set a key's state (Enabled, Disabled, PendingDeletion). */
    setState: (/** @type {string} */ id, /** @type {FakeKey['state']} */ state) => {
      const key = keys.get(id);
      if (key) key.state = state;
    },
    /** Variables that point the SDK here, with no user profile and no credentials yet. */
    env: {
      AWS_ENDPOINT_URL_KMS: url,
      AWS_ENDPOINT_URL_STS: url,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined,
    },
    close,
  };
}
