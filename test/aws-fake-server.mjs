// A loopback stand-in for the AWS services vault reads and writes, speaking the real wire protocols
// so that the real SDK clients, pointed here by AWS_ENDPOINT_URL_<SERVICE>, exercise the whole path:
// - AWS JSON 1.1 (POST /, X-Amz-Target): AmazonSSM.GetParameter, GetParameters (<= 10 names),
//   GetParametersByPath (paged), PutParameter, DeleteParameters; secretsmanager.GetSecretValue,
//   CreateSecret, PutSecretValue, DescribeSecret;
// - S3's REST/XML GetObject and HeadObject (GET|HEAD /BUCKET/KEY[?versionId=]), path-style as the
//   SDKs send to an IP address;
// - AppConfigData's REST-JSON StartConfigurationSession and GetLatestConfiguration;
// with the error shapes ParameterNotFound, ParameterAlreadyExists, AccessDeniedException,
// ResourceNotFoundException, ResourceExistsException, ValidationException, ThrottlingException,
// NoSuchKey. Every request is recorded for assertions.
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server.mjs';

const ACCOUNT = '123456789012';
const PAGE = 10;

/**
 * @typedef {{ target: string, body: any, authorization: string | undefined, host: string | undefined }} FakeRequest
 * @typedef {{ value: string, type: string, version: number, keyId?: string }} StoredParameter
 * @typedef {{
 *   parameters?: Record<string, string | { value: string, type: string }>,
 *   secrets?: Record<string, string | { binary: Uint8Array }>,
 *   objects?: Record<string, { body: string, contentType?: string, versions?: Record<string, string> }>,
 *   configurations?: Record<string, { body: string, contentType: string }>,
 *   denied?: string[],
 *   throttle?: Record<string, number>,
 *   region?: string,
 * }} FakeData
 */

/**
 * The ARN the fake gives a secret NAME (Secrets Manager appends 6 random characters).
 * @param {string} name
 */
export function secretArn(name, region = 'us-east-1') {
  return `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-AbCdEf`;
}

/** @param {FakeData} data */
export async function startFakeAws(data = {}) {
  /** @type {Map<string, StoredParameter>} */
  const stored = new Map();
  for (const [name, entry] of Object.entries(data.parameters ?? {})) {
    stored.set(name, typeof entry === 'string' ? { value: entry, type: 'SecureString', version: 1 } : { ...entry, version: 1 });
  }
  /** name -> value, a view kept for the readers below. */
  const parameters = { get: (/** @type {string} */ name) => stored.get(name)?.value, keys: () => stored.keys() };
  const secrets = new Map(Object.entries(data.secrets ?? {}));
  const throttle = new Map(Object.entries(data.throttle ?? {}));
  const denied = new Set(data.denied ?? []);
  const region = data.region ?? 'us-east-1';
  /** @type {FakeRequest[]} */
  const requests = [];

  /** @param {string} name */
  const parameterArn = (name) => `arn:aws:ssm:${region}:${ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

  /** The stored parameter for a requested name or ARN (optionally with ":version"), or undefined. */
  const lookupParameter = (/** @type {string} */ requested) => {
    const bare = requested.replace(/^arn:[^:]*:ssm:[^:]*:[^:]*:parameter/, '');
    const colon = bare.indexOf(':');
    const plain = colon === -1 ? bare : bare.slice(0, colon);
    const selector = colon === -1 ? '' : bare.slice(colon);
    for (const candidate of [plain, plain.replace(/^\//, ''), `/${plain}`]) {
      const value = parameters.get(candidate);
      // Asked by ARN (shared parameters), AWS answers with the ARN as the name.
      const name = requested.startsWith('arn:') ? requested.slice(0, requested.length - selector.length) : candidate;
      if (value !== undefined) return { name, selector, value };
    }
    return undefined;
  };

  /** @param {{ name: string, selector: string, value: string }} found @param {boolean} [decrypt] */
  const parameterShape = (found, decrypt = true) => {
    const entry = stored.get(found.name) ?? stored.get(found.name.replace(/^arn:[^:]*:ssm:[^:]*:[^:]*:parameter/, ''));
    const type = entry?.type ?? 'SecureString';
    return {
    Name: found.name,
    Type: type,
    // Without WithDecryption, AWS returns a SecureString's ciphertext, not its value.
    Value: type === 'SecureString' && !decrypt ? `AQICAHencrypted${Buffer.from(found.value).toString('base64')}` : found.value,
    Version: entry?.version ?? 1,
    ...(found.selector ? { Selector: found.selector } : {}),
    ARN: found.name.startsWith('arn:') ? found.name : parameterArn(found.name),
    DataType: 'text',
    LastModifiedDate: 1700000000,
    };
  };

  const lookupSecret = (/** @type {string} */ id) => {
    if (secrets.has(id)) return id;
    const arn = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d+:secret:(.+)$/.exec(id);
    if (!arn) return undefined;
    const tail = /** @type {string} */ (arn[1]);
    if (secrets.has(tail)) return tail; // partial ARN
    const full = tail.replace(/-[A-Za-z0-9]{6}$/, '');
    return secrets.has(full) ? full : undefined;
  };

  /** @returns {[number, any]} */
  const handle = (/** @type {string} */ target, /** @type {any} */ body) => {
    const error = (/** @type {string} */ type, /** @type {string} */ message) => /** @type {[number, any]} */ ([400, { __type: type, message }]);
    switch (target) {
      case 'AmazonSSM.GetParameter': {
        if (denied.has(body.Name)) return error('AccessDeniedException', 'not authorized to perform ssm:GetParameter');
        const found = lookupParameter(body.Name);
        if (!found) return error('ParameterNotFound', '');
        return [200, { Parameter: parameterShape(found, body.WithDecryption === true) }];
      }
      case 'AmazonSSM.GetParameters': {
        const names = /** @type {string[]} */ (body.Names ?? []);
        if (names.length === 0 || names.length > 10) {
          return error('ValidationException', `1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`);
        }
        if (names.some((name) => denied.has(name))) return error('AccessDeniedException', 'not authorized to perform ssm:GetParameters');
        const found = [];
        const invalid = [];
        for (const name of names) {
          const hit = lookupParameter(name);
          if (hit) found.push(parameterShape(hit, body.WithDecryption === true));
          else invalid.push(name);
        }
        return [200, { Parameters: found, InvalidParameters: invalid }];
      }
      case 'AmazonSSM.GetParametersByPath': {
        const path = /** @type {string} */ (body.Path);
        if (denied.has(path)) return error('AccessDeniedException', 'not authorized to perform ssm:GetParametersByPath');
        if (!path.startsWith('/')) return error('ValidationException', 'path must start with /');
        const prefix = path.endsWith('/') ? path : `${path}/`;
        const matching = [...parameters.keys()]
          .filter((name) => name.startsWith(prefix) && (body.Recursive || !name.slice(prefix.length).includes('/')))
          .sort();
        const start = body.NextToken ? Number(Buffer.from(body.NextToken, 'base64').toString()) : 0;
        const size = Math.min(body.MaxResults ?? PAGE, PAGE);
        const page = matching.slice(start, start + size);
        const next = start + size < matching.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
        return [200, {
          Parameters: page.map((name) => parameterShape({ name, selector: '', value: /** @type {string} */ (parameters.get(name)) }, body.WithDecryption === true)),
          ...(next ? { NextToken: next } : {}),
        }];
      }
      case 'secretsmanager.GetSecretValue': {
        const id = /** @type {string} */ (body.SecretId);
        if (denied.has(id)) return error('AccessDeniedException', 'not authorized to perform secretsmanager:GetSecretValue');
        const name = lookupSecret(id);
        if (name === undefined) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        const secret = secrets.get(name);
        const value = typeof secret === 'string'
          ? { SecretString: secret }
          : { SecretBinary: Buffer.from(/** @type {{binary: Uint8Array}} */ (secret).binary).toString('base64') };
        return [200, { ARN: secretArn(name, region), Name: name, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1700000000, ...value }];
      }
      default:
        return handleWrite(target, body) ?? [400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` }];
    }
  };

  /**
   * The writes `vault push` makes: PutParameter, DeleteParameters, CreateSecret, PutSecretValue and
   * DescribeSecret, as AWS answers them. Undefined for any other target.
   * @returns {[number, any] | undefined}
   */
  const handleWrite = (/** @type {string} */ target, /** @type {any} */ body) => {
    const error = (/** @type {string} */ type, /** @type {string} */ message) => /** @type {[number, any]} */ ([400, { __type: type, message }]);
    const deniedFor = (/** @type {string} */ id, /** @type {string} */ action) =>
      denied.has(id) ? error('AccessDeniedException', `not authorized to perform ${action}`) : undefined;
    switch (target) {
      case 'AmazonSSM.PutParameter': {
        const name = /** @type {string} */ (body.Name);
        const refused = deniedFor(name, 'ssm:PutParameter');
        if (refused) return refused;
        const old = stored.get(name);
        if (old && !body.Overwrite) return error('ParameterAlreadyExists', 'The parameter already exists.');
        const version = (old?.version ?? 0) + 1;
        stored.set(name, { value: body.Value, type: body.Type ?? old?.type ?? 'String', version, ...(body.KeyId ? { keyId: body.KeyId } : {}) });
        return [200, { Version: version, Tier: 'Standard' }];
      }
      case 'AmazonSSM.DeleteParameters': {
        const names = /** @type {string[]} */ (body.Names ?? []);
        if (names.length === 0 || names.length > 10) return error('ValidationException', 'Names: between 1 and 10 names');
        const gone = names.filter((name) => stored.delete(name));
        return [200, { DeletedParameters: gone, InvalidParameters: names.filter((name) => !gone.includes(name)) }];
      }
      case 'secretsmanager.CreateSecret': {
        const name = /** @type {string} */ (body.Name);
        const refused = deniedFor(name, 'secretsmanager:CreateSecret');
        if (refused) return refused;
        if (secrets.has(name)) return error('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        secrets.set(name, body.SecretString);
        if (body.KmsKeyId) secretKeys.set(name, body.KmsKeyId);
        return [200, { ARN: secretArn(name, region), Name: name, VersionId: 'v1' }];
      }
      case 'secretsmanager.PutSecretValue': {
        const refused = deniedFor(body.SecretId, 'secretsmanager:PutSecretValue');
        if (refused) return refused;
        const name = lookupSecret(body.SecretId);
        if (name === undefined) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        secrets.set(name, body.SecretString);
        return [200, { ARN: secretArn(name, region), Name: name, VersionId: `v${requests.length}`, VersionStages: ['AWSCURRENT'] }];
      }
      case 'secretsmanager.DescribeSecret': {
        const name = lookupSecret(body.SecretId);
        if (name === undefined) return error('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return [200, { ARN: secretArn(name, region), Name: name, ...(secretKeys.has(name) ? { KmsKeyId: secretKeys.get(name) } : {}) }];
      }
      default:
        return undefined;
    }
  };
  /** @type {Map<string, string>} */
  const secretKeys = new Map();

  /**
   * S3 GetObject (REST/XML) and AppConfigData (REST-JSON); undefined for any other request.
   * @returns {{ status: number, headers: Record<string, string>, body: string } | undefined}
   */
  const handleRest = (/** @type {string} */ method, /** @type {URL} */ url, /** @type {string} */ text) => {
    const xmlError = (/** @type {number} */ status, /** @type {string} */ code, /** @type {string} */ message) => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>req</RequestId></Error>`,
    });
    const json = (/** @type {number} */ status, /** @type {any} */ payload, /** @type {Record<string, string>} */ headers = {}) => ({
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    });
    if (method === 'POST' && url.pathname === '/configurationsessions') {
      const body = JSON.parse(text || '{}');
      const id = `${body.ApplicationIdentifier}/${body.EnvironmentIdentifier}/${body.ConfigurationProfileIdentifier}`;
      if (denied.has(id)) return json(403, { Message: 'denied' }, { 'x-amzn-errortype': 'AccessDeniedException' });
      if (!(id in (data.configurations ?? {}))) return json(404, { Message: 'not found', ResourceType: 'Configuration' }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      return json(201, { InitialConfigurationToken: Buffer.from(id).toString('base64') });
    }
    if (method === 'GET' && url.pathname === '/configuration') {
      const id = Buffer.from(url.searchParams.get('configuration_token') ?? '', 'base64').toString();
      const configuration = data.configurations?.[id];
      if (!configuration) return json(400, { Message: 'bad token' }, { 'x-amzn-errortype': 'BadRequestException' });
      return {
        status: 200,
        headers: { 'content-type': configuration.contentType, 'next-poll-configuration-token': 'next', 'next-poll-interval-in-seconds': '60', 'version-label': 'v1' },
        body: configuration.body,
      };
    }
    // GetObject, and HeadObject (boto3 reads an object's metadata with it first); Node sends no body for HEAD.
    if (method === 'GET' || method === 'HEAD') {
      const [bucket, ...keyParts] = url.pathname.slice(1).split('/');
      const id = `${bucket}/${keyParts.map(decodeURIComponent).join('/')}`;
      if (denied.has(id)) return xmlError(403, 'AccessDenied', 'Access Denied');
      const object = data.objects?.[id];
      const version = url.searchParams.get('versionId');
      const body = object && (version ? object.versions?.[version] : object.body);
      if (body === undefined) return xmlError(404, version && object ? 'NoSuchVersion' : 'NoSuchKey', 'The specified key does not exist.');
      return { status: 200, headers: { 'content-type': object?.contentType ?? 'binary/octet-stream', etag: '"e"' }, body };
    }
    return undefined;
  };

  const server = createServer((request, response) => {
    /** @type {Buffer[]} */
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        body = {};
      }
      const url = new URL(request.url ?? '/', 'http://fake');
      const isJson = request.method === 'POST' && String(request.headers['content-type']).startsWith('application/x-amz-json-1.1');
      if (!isJson) {
        const rest = handleRest(String(request.method), url, Buffer.concat(chunks).toString('utf8'));
        if (rest) {
          requests.push({ target: `${request.method} ${url.pathname}`, body: Object.fromEntries(url.searchParams), authorization: request.headers.authorization, host: request.headers.host });
          response.writeHead(rest.status, { ...rest.headers, 'content-length': Buffer.byteLength(rest.body), 'x-amz-request-id': `req-${requests.length}` });
          response.end(rest.body);
          return;
        }
      }
      requests.push({ target, body, authorization: request.headers.authorization, host: request.headers.host });
      // A throttled operation answers ThrottlingException as many times as asked; the SDK retries.
      const throttled = throttle.get(target) ?? 0;
      if (throttled > 0) throttle.set(target, throttled - 1);
      const [status, payload] = throttled > 0 ? [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }] :
        isJson
          ? handle(target, body)
          : [400, { __type: 'SerializationException', message: 'expected AWS JSON 1.1' }];
      const text = JSON.stringify(payload);
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': `req-${requests.length}`,
      });
      response.end(text);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    /** The parameters as stored now (name -> value, type, version, KMS key), for assertions after writes. */
    stored,
    /** The secrets as stored now. */
    secrets,
    /** How many requests named TARGET (e.g. "AmazonSSM.GetParameters") arrived. */
    count: (/** @type {string} */ target) => requests.filter((request) => request.target === target).length,
    /** Variables that point the SDK here with dummy credentials and no user profile. */
    env: {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'TESTFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_ENDPOINT_URL_SSM: url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_ENDPOINT_URL_S3: url,
      AWS_ENDPOINT_URL_APPCONFIGDATA: url,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    close,
  };
}
