// A loopback stand-in for the two AWS services vault reads, speaking the real wire protocol
// (AWS JSON 1.1: POST /, X-Amz-Target, application/x-amz-json-1.1) so that the real SDK clients,
// pointed here by AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER, exercise the whole path.
// Implements AmazonSSM.GetParameter, GetParameters (<= 10 names), GetParametersByPath (paged) and
// secretsmanager.GetSecretValue, with the error shapes ParameterNotFound, AccessDeniedException,
// ResourceNotFoundException and ValidationException. Every request is recorded for assertions.
import { createServer } from 'node:http';

const ACCOUNT = '123456789012';
const PAGE = 10;

/**
 * @typedef {{ target: string, body: any, authorization: string | undefined, host: string | undefined }} FakeRequest
 * @typedef {{
 *   parameters?: Record<string, string>,
 *   secrets?: Record<string, string | { binary: Uint8Array }>,
 *   denied?: string[],
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
  const parameters = new Map(Object.entries(data.parameters ?? {}));
  const secrets = new Map(Object.entries(data.secrets ?? {}));
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

  /** @param {{ name: string, selector: string, value: string }} found */
  const parameterShape = (found) => ({
    Name: found.name,
    Type: 'SecureString',
    Value: found.value,
    Version: 1,
    ...(found.selector ? { Selector: found.selector } : {}),
    ARN: found.name.startsWith('arn:') ? found.name : parameterArn(found.name),
    DataType: 'text',
    LastModifiedDate: 1700000000,
  });

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
        return [200, { Parameter: parameterShape(found) }];
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
          if (hit) found.push(parameterShape(hit));
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
          Parameters: page.map((name) => parameterShape({ name, selector: '', value: /** @type {string} */ (parameters.get(name)) })),
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
        return [400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` }];
    }
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
      requests.push({ target, body, authorization: request.headers.authorization, host: request.headers.host });
      const [status, payload] =
        request.method === 'POST' && String(request.headers['content-type']).startsWith('application/x-amz-json-1.1')
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
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    requests,
    /** How many requests named TARGET (e.g. "AmazonSSM.GetParameters") arrived. */
    count: (/** @type {string} */ target) => requests.filter((request) => request.target === target).length,
    /** Variables that point the SDK here with dummy credentials and no user profile. */
    env: {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'TESTFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_ENDPOINT_URL_SSM: url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
