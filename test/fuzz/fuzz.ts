import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../../bench/support.js';
import { ROLES, SCOPES } from '../../src/common/auth/principal.js';
import { ServerProcess } from '../support/processes.js';
import { hostileValue, type JsonSchema, SchemaArbitraries } from './schema-arbitraries.js';

// npm run test:fuzz — requests generated from the server's own /docs-json for every operation, as
// every role, with hostile values and malformed bodies and headers. Every answer must be below 500, and
// every error application/problem+json carrying the request id of its x-request-id header.
//
//   FUZZ_SEED=<n>       reproduce a run (the seed is printed at the start and the end)
//   FUZZ_REQUESTS=<n>   requests to send (default 12,000, about half a minute)
//   FUZZ_CONCURRENCY=<n> requests in flight (default 6)
//
// It runs one api process (PROCESS_ROLE=api: no worker, so no webhook leaves the machine) on a database
// and a QUEUE_PREFIX of its own, on the Postgres of TEST_DATABASE_URL and the Redis of TEST_REDIS_URL.

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 12_000);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 6);
const ALL_SCOPES = [...SCOPES];
const QUEUES = [
  'domain-events',
  'maintenance',
  'tier-recalc',
  'loyalty',
  'service-sla',
  'complaint-sla',
  'complaint-report',
  'webhook-deliveries',
  'webhook-recovery',
];

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: JsonSchema }[];
  body?: JsonSchema;
  secured: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Case {
  operation: Operation;
  actor: string;
  variant: 'valid' | 'hostile' | 'malformed-body' | 'malformed-headers' | 'raw';
  /** A body over the server's 1 MiB limit. */
  oversized: boolean;
  /** The operation's method, or another one. */
  method: string;
  /** The x-request-id sent, which the answer must carry when it is a valid one. */
  sentRequestId?: string;
  send(): Promise<Answer>;
  describe(): string;
}

// ---------------------------------------------------------------------------------------------------
// The server and the fixtures the requests refer to

const databaseServer = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const databaseUrl = new URL(databaseServer.toString());
databaseUrl.pathname = `/crm_fuzz_${suffix}`;
const queuePrefix = `crm-fuzz-${suffix}`;
const workDir = mkdtempSync(join(tmpdir(), 'crm-fuzz-'));
const logFile = join(workDir, 'api.log');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let port = 0;

function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  // Node sends a GET's or DELETE's body without a length unless told, and the server would read it as the next request.
  if (body !== undefined) headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes as they are, over a fresh socket, for what an HTTP client library would refuse to send. */
function sendRaw(bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' && chunks.length ? undefined : reject(error),
    );
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: text.slice(split + 4) });
    });
    socket.end(bytes);
  });
}

async function api(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const answer = await send(method, `/api/v1${path}`, headers, body === undefined ? undefined : JSON.stringify(body));
  if (answer.status >= 300)
    throw new Error(`fixture ${method} ${path} → ${answer.status}: ${answer.body.slice(0, 300)}`);
  return answer.body ? JSON.parse(answer.body) : {};
}

interface Fixtures {
  tokens: Record<string, string | undefined>;
  pools: Record<string, string[]>;
}

async function createFixtures(): Promise<Fixtures> {
  const admin = (
    await api('POST', '/auth/login', undefined, { email: 'admin@fuzz.local', password: 'fuzz-admin-password' })
  ).accessToken as string;
  const users: Record<string, string> = {};
  const tokens: Record<string, string | undefined> = { admin, anonymous: undefined };
  for (const role of ROLES.filter((role) => role !== 'admin')) {
    const email = `${role}@fuzz.local`;
    const created = await api('POST', '/users', admin, {
      email,
      name: `${role} 测试`,
      password: 'fuzz-password-1',
      roles: [role],
      ...(role === 'sales' || role === 'agent' ? { managerId: users.manager } : {}),
      ...(role === 'agent' || role === 'technician' ? { region: '上海', skills: ['senior-repair'] } : {}),
    });
    users[role] = created.id as string;
    tokens[role] = (await api('POST', '/auth/login', undefined, { email, password: 'fuzz-password-1' }))
      .accessToken as string;
  }
  tokens['key:all'] = (await api('POST', '/admin/api-keys', admin, { name: 'fuzz all scopes', scopes: ALL_SCOPES }))
    .key as string;
  tokens['key:read'] = (
    await api('POST', '/admin/api-keys', admin, { name: 'fuzz read only', scopes: ['customers:read'] })
  ).key as string;

  const pools: Record<string, string[]> = {
    users: [],
    'api-keys': [],
    customers: [],
    purchases: [],
    'service-requests': [],
    rewards: [],
    'custom-fields': [],
    webhooks: [],
    tasks: [],
    deliveries: [],
    jobs: [],
  };
  // Spares the fuzz may change, deactivate or revoke without locking its own actors out.
  for (let index = 0; index < 3; index++) {
    pools.users.push(
      (
        await api('POST', '/users', admin, {
          email: `spare${index}@fuzz.local`,
          name: `备用 ${index}`,
          password: 'fuzz-password-1',
          roles: ['sales'],
          managerId: users.manager,
        })
      ).id as string,
    );
    pools['api-keys'].push(
      (await api('POST', '/admin/api-keys', admin, { name: `spare ${index}`, scopes: ['customers:read'] }))
        .id as string,
    );
  }
  for (let index = 0; index < 12; index++) {
    const customer = await api('POST', '/customers', index % 2 ? tokens.sales : admin, {
      kind: index % 3 ? 'individual' : 'organization',
      name: `模糊客户 ${index}`,
      mobile: `1381234${String(5000 + index)}`,
      birthDate: '1985-06-15',
    });
    const customerId = customer.id as string;
    pools.customers.push(customerId);
    if (index < 8) {
      const purchase = await api('POST', `/customers/${customerId}/purchases`, admin, {
        product: '家用净水器 X3',
        amount: { amount: '1999.00', currency: 'CNY' },
        paymentMethod: 'wechat_pay',
      });
      pools.purchases.push(purchase.id as string);
    }
    if (index < 6) {
      const request = await api('POST', '/service-requests', admin, {
        customerId,
        type: 'repair',
        severity: index % 2 ? 'high' : 'normal',
        subject: '净水器漏水',
        region: '上海',
      });
      pools['service-requests'].push(request.id as string);
    }
  }
  await api('POST', `/customers/${pools.customers[0]}/loyalty/adjustments`, admin, {
    points: 5000,
    reason: '模糊测试',
  });
  pools.rewards.push(
    (await api('POST', '/loyalty/rewards', admin, { name: '电影票两张', pointsCost: 500, stock: 100 })).id as string,
  );
  pools['custom-fields'].push(
    (await api('POST', '/admin/custom-fields', admin, { key: 'vipCardNo', label: 'VIP 卡号', type: 'text' }))
      .id as string,
  );
  pools.webhooks.push(
    (await api('POST', '/webhooks', admin, { url: 'http://127.0.0.1:9/hooks/crm', eventTypes: ['*'] })).id as string,
  );
  const recalculation = await api('POST', '/admin/tiers/recalculate', admin);
  pools.jobs.push(typeof recalculation.jobId === 'string' ? recalculation.jobId : randomUUID());
  pools.queues = [...QUEUES, 'no-such-queue'];
  pools.queueStates = ['failed', 'completed', 'delayed', 'no-such-state'];
  return { tokens, pools };
}

// ---------------------------------------------------------------------------------------------------
// Cases

/** Which pool a path parameter draws from: the collection named just before it. */
function poolForPath(path: string, name: string): string {
  const segments = path.split('/');
  const at = segments.indexOf(`{${name}}`);
  const collection = segments[at - 1];
  if (name === 'name' || name === 'queueName') return 'queues';
  if (name === 'queueStatus') return 'queueStates';
  if (name === 'jobId') return 'jobs';
  return collection === 'recalculate' ? 'jobs' : collection;
}

/**
 * Routes the OpenAPI document does not list: the queue dashboard (Bull Board, mounted on Fastify
 * beside Nest, with its own API), the documentation, metrics and a path nobody serves.
 */
const DASHBOARD = '/api/v1/admin/queues/ui';
const UNDOCUMENTED: Operation[] = [
  ['GET', DASHBOARD],
  ['GET', `${DASHBOARD}/api/queues`],
  ['GET', `${DASHBOARD}/api/redis/stats`],
  ['GET', `${DASHBOARD}/api/job-schedulers`],
  ['GET', `${DASHBOARD}/api/metrics/latency`],
  ['GET', `${DASHBOARD}/api/queues/{queueName}/metrics`],
  ['GET', `${DASHBOARD}/api/queues/{queueName}/{jobId}`],
  ['GET', `${DASHBOARD}/api/queues/{queueName}/{jobId}/logs`],
  ['PUT', `${DASHBOARD}/api/queues/{queueName}/retry/{queueStatus}`],
  ['PUT', `${DASHBOARD}/api/queues/{queueName}/clean/{queueStatus}`],
  ['PUT', `${DASHBOARD}/api/queues/{queueName}/pause`],
  ['POST', `${DASHBOARD}/api/queues/{queueName}/add`],
  ['GET', '/docs'],
  ['GET', '/docs-json'],
  ['GET', '/metrics'],
  ['GET', '/api/v1/nothing-here'],
].map(([method, path]) => ({
  method,
  path,
  parameters: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path' as const,
    required: true,
    schema: { type: 'string' },
  })),
  body:
    method === 'POST' || method === 'PUT'
      ? { type: 'object', properties: { name: { type: 'string' }, data: { type: 'object' } } }
      : undefined,
  secured: true,
}));

function poolForField(name: string): string | undefined {
  if (/^(customerId|entityId)$/.test(name)) return 'customers';
  if (name === 'purchaseId') return 'purchases';
  if (/^(ownerId|assigneeId|managerId|assignedTo|actorId|staffId)$/.test(name)) return 'users';
  if (name === 'rewardId') return 'rewards';
  return undefined;
}

const HOSTILE_PATH_VALUES = [
  'not-a-uuid',
  '0',
  '-1',
  '%00',
  '%zz',
  '..%2F..%2Fadmin',
  '%E5%BC%A0',
  'a'.repeat(150),
  '00000000-0000-0000-0000-000000000000',
  '%ED%A0%80',
  "'%20OR%201%3D1",
];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json;;',
  'application/merge-patch+json',
  'application/json; charset=utf-16',
];

function malformedBodies(): fc.Arbitrary<{ contentType?: string; body: string | Buffer }> {
  const json = (body: string | Buffer) => ({ contentType: 'application/json', body });
  return fc.oneof(
    fc
      .constantFrom(
        '',
        '{',
        '{"a":',
        '}',
        'null',
        '[]',
        '"text"',
        '1',
        'true',
        '{"a":1,"a":2}',
        '{"__proto__":{"isAdmin":true}}',
        '{"constructor":{"prototype":{"x":1}}}',
        '\u0000',
        '{"x":"\\ud800"}',
        '{"x":"\\u0000"}',
        '\ufeff{}',
        '{"a":1}garbage',
        'NaN',
        '1e999',
      )
      .map(json),
    fc.constantFrom(64, 200, 1_500, 20_000).map((depth) => json('['.repeat(depth) + ']'.repeat(depth))),
    fc.constantFrom(64, 200, 1_500, 20_000).map((depth) => json('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
    fc.constant(json(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))),
    fc.constant(json(`{"a":"${'x'.repeat(1_100_000)}"}`)),
    fc
      .tuple(
        fc.constantFrom(...CONTENT_TYPES),
        fc.constantFrom('a=1&b=2', '<a/>', '{"kind":"individual","name":"张伟"}', '--x\r\n\r\n--x--'),
      )
      .map(([contentType, body]) => ({ contentType, body })),
    fc.string({ unit: 'binary', maxLength: 200 }).map(json),
  );
}

const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    authorization: fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer crm_' + 'x'.repeat(40),
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.',
      'Bearer a.b.c',
      'bearer ' + 'x'.repeat(5_000),
    ),
    'if-match': fc.constantFrom('*', '"1"', 'W/"1"', '1', '-1', '"abc"', '"1", "2"', '99999999999999999999', ''),
    'idempotency-key': fc.constantFrom('', 'x'.repeat(300), randomUUID(), 'k\u00e9y', ' '),
    'x-request-id': fc.constantFrom('a b', 'x'.repeat(200), 'fuzz-given-id-1', ''),
    'content-type': fc.constantFrom(...CONTENT_TYPES),
    accept: fc.constantFrom('application/xml', 'text/html', '*/*;q=0', 'application/problem+json'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'x-unknown', 'identity;q=0'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1'),
  },
  { requiredKeys: [] },
);

function rawBytes(path: string): fc.Arbitrary<Buffer> {
  return fc.constantFrom(
    Buffer.concat([
      Buffer.from(`GET ${path}?q=`),
      Buffer.from('张伟', 'utf8'),
      Buffer.from(' HTTP/1.1\r\nhost: x\r\n\r\n'),
    ]),
    Buffer.from(`GET ${path} HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`),
    Buffer.from('NOT HTTP AT ALL\r\n\r\n'),
    Buffer.from(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`),
    Buffer.from(`GET ${path} HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n`),
    Buffer.from(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: -1\r\n\r\n{}`),
  );
}

function buildCases(operations: Operation[], fixtures: Fixtures, arbitraries: SchemaArbitraries): Case[] {
  const actors = Object.keys(fixtures.tokens);
  const caseArbitrary = fc
    .record({
      operation: fc.constantFrom(...operations),
      // Most requests as someone who may make them, so that they reach the handlers.
      actor: fc.oneof(
        { weight: 4, arbitrary: fc.constant('admin') },
        { weight: 2, arbitrary: fc.constant('key:all') },
        { weight: 6, arbitrary: fc.constantFrom(...actors) },
      ),
      variant: fc.oneof(
        { weight: 55, arbitrary: fc.constant('valid' as const) },
        { weight: 25, arbitrary: fc.constant('hostile' as const) },
        { weight: 10, arbitrary: fc.constant('malformed-body' as const) },
        { weight: 9, arbitrary: fc.constant('malformed-headers' as const) },
        { weight: 1, arbitrary: fc.constant('raw' as const) },
      ),
    })
    .chain(({ operation, actor, variant }) => {
      const hostile = variant === 'hostile';
      const pathValues = fc.record(
        Object.fromEntries(
          operation.parameters
            .filter((parameter) => parameter.in === 'path')
            .map((parameter) => {
              const pool = fixtures.pools[poolForPath(operation.path, parameter.name)] ?? [];
              const choices = [
                ...(pool.length ? [{ weight: 8, arbitrary: fc.constantFrom(...pool) }] : []),
                { weight: 1, arbitrary: fc.uuid() },
              ];
              if (hostile) choices.push({ weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PATH_VALUES) });
              return [parameter.name, fc.oneof(...choices)];
            }),
        ),
      );
      const queryValues = fc.record(
        Object.fromEntries(
          operation.parameters
            .filter((parameter) => parameter.in === 'query')
            .map((parameter) => [
              parameter.name,
              hostile
                ? arbitraries.hostile(parameter.schema, parameter.name)
                : arbitraries.valid(parameter.schema, parameter.name),
            ]),
        ),
        { requiredKeys: [] },
      );
      const body = operation.body
        ? hostile
          ? arbitraries.hostile(operation.body)
          : arbitraries.valid(operation.body)
        : fc.constant(undefined);
      return fc.record({
        operation: fc.constant(operation),
        actor: fc.constant(actor),
        variant: fc.constant(variant),
        pathValues,
        queryValues,
        extraQuery: hostile
          ? fc.option(
              fc.dictionary(fc.constantFrom('unknown', 'limit', 'cursor', '__proto__', 'q[]'), hostileValue, {
                maxKeys: 2,
              }),
            )
          : fc.constant(null),
        body,
        malformed: variant === 'malformed-body' ? malformedBodies() : fc.constant(undefined),
        headers: variant === 'malformed-headers' ? hostileHeaders : fc.constant({}),
        // Now and then a method the route does not have (HEAD, OPTIONS and WebDAV's included).
        otherMethod:
          variant === 'malformed-headers'
            ? fc.option(fc.constantFrom('OPTIONS', 'HEAD', 'PROPFIND', 'TRACE', 'PUT', 'DELETE', 'PATCH', 'POST'), {
                freq: 3,
              })
            : fc.constant(null),
        ifMatch: fc.option(fc.constantFrom('*', '"1"', '1', '"2"')),
        idempotencyKey: fc.option(fc.uuid()),
        raw: variant === 'raw' ? rawBytes(operation.path.replace(/\{[^}]+\}/g, '1')) : fc.constant(undefined),
      });
    });

  return fc.sample(caseArbitrary, { seed: SEED, numRuns: REQUESTS }).map((sampled, index) => {
    const { operation, actor, variant } = sampled;
    const method = sampled.otherMethod ?? operation.method;
    let path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(String(sampled.pathValues[name])).replace(/%25/g, '%'),
    );
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...sampled.queryValues, ...(sampled.extraQuery ?? {}) })) {
      if (value === undefined) continue;
      query.append(name, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
    }
    if ([...query.keys()].length) path += `?${query.toString()}`;
    const token = fixtures.tokens[actor];
    // The case number as request id: the server's log line for a failing case is found by it.
    const headers: Record<string, string> = { 'x-request-id': `fuzz-${SEED}-${index}` };
    if (token) headers.authorization = `Bearer ${token}`;
    if (sampled.ifMatch && operation.parameters.some((parameter) => parameter.name === 'If-Match'))
      headers['if-match'] = sampled.ifMatch;
    if (sampled.idempotencyKey && operation.parameters.some((parameter) => parameter.name === 'Idempotency-Key'))
      headers['idempotency-key'] = sampled.idempotencyKey;
    let payload: string | Buffer | undefined;
    if (sampled.malformed) {
      payload = sampled.malformed.body;
      if (sampled.malformed.contentType) headers['content-type'] = sampled.malformed.contentType;
    } else if (operation.body && sampled.body !== undefined) {
      payload = JSON.stringify(sampled.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, sampled.headers);
    return {
      operation,
      actor,
      variant,
      sentRequestId: headers['x-request-id'],
      oversized: payload !== undefined && Buffer.byteLength(payload) > 1024 * 1024,
      method,
      send: () => (sampled.raw ? sendRaw(sampled.raw) : send(method, path, headers, payload)),
      describe: () => {
        const shown =
          payload === undefined
            ? ''
            : ` body ${String(payload).slice(0, 300)}${String(payload).length > 300 ? '…' : ''}`;
        const shownHeaders = Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [
            name,
            name === 'authorization' ? `${value.slice(0, 20)}…` : value.slice(0, 80),
          ]),
        );
        return sampled.raw
          ? `raw ${JSON.stringify(sampled.raw.toString('latin1').slice(0, 120))}`
          : `${method} ${path.slice(0, 300)} as ${actor} (${variant}) headers ${JSON.stringify(shownHeaders)}${shown}`;
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Checks

// Node's parser refused these before the headers were read, so the id sent cannot be known.
const REFUSED_BEFORE_PARSING = /"type":"\/problems\/(headers-too-large|request-timeout|malformed-request)"/;

/** What is wrong with an answer, or nothing. */
function violations(answer: Answer, sentRequestId: string | undefined, head = false): string[] {
  const found: string[] = [];
  if (answer.status >= 500 || answer.status === 0) found.push(`status ${answer.status}`);
  const headerId = answer.headers['x-request-id'];
  if (!headerId) found.push('no x-request-id header');
  if (
    sentRequestId &&
    /^[\w.:-]{1,100}$/.test(sentRequestId) &&
    headerId !== sentRequestId &&
    !REFUSED_BEFORE_PARSING.test(answer.body)
  )
    found.push(`x-request-id ${String(headerId)} is not the one sent (${sentRequestId})`);
  if (answer.status >= 400) {
    if (head) {
      // An answer to HEAD has no body; its headers still say what the body would be.
      if (!/^application\/problem\+json/.test(String(answer.headers['content-type'])))
        found.push(`content-type ${String(answer.headers['content-type'])}, not problem+json`);
      return found;
    }
    if (!/^application\/problem\+json/.test(String(answer.headers['content-type'])))
      found.push(`content-type ${String(answer.headers['content-type'])}, not problem+json`);
    try {
      const problem = JSON.parse(answer.body) as Record<string, unknown>;
      if (problem.status !== answer.status) found.push(`problem status ${String(problem.status)}`);
      if (typeof problem.title !== 'string' || !problem.title) found.push('problem without a title');
      if (typeof problem.requestId !== 'string' || problem.requestId !== headerId)
        found.push(`problem requestId ${String(problem.requestId)} ≠ header ${String(headerId)}`);
    } catch {
      found.push(`body is not JSON: ${answer.body.slice(0, 120)}`);
    }
  }
  return found;
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `fuzz: seed ${SEED} (FUZZ_SEED=${SEED} reproduces), ${REQUESTS} requests, ${CONCURRENCY} in flight; server log ${logFile}`,
  );
  port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const server = new ServerProcess(
    'api',
    port,
    {
      NODE_ENV: 'test',
      PROCESS_ROLE: 'api',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      ADMIN_EMAIL: 'admin@fuzz.local',
      ADMIN_PASSWORD: 'fuzz-admin-password',
      JWT_SECRET: jwtSecret,
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: '8',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    },
    logFile,
  );
  let exitCode = 1;
  try {
    await server.start(120_000);
    const document = JSON.parse((await send('GET', '/docs-json', {})).body) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Operation['parameters'];
            requestBody?: { content?: Record<string, { schema: JsonSchema }> };
            security?: unknown[];
          }
        >
      >;
      components: { schemas: Record<string, JsonSchema> };
    };
    const operations: Operation[] = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        secured: !!operation.security?.length,
      })),
    );
    const documented = operations.length;
    operations.push(...UNDOCUMENTED);
    const fixtures = await createFixtures();
    const arbitraries = new SchemaArbitraries(
      document.components.schemas,
      (name) => fixtures.pools[poolForField(name) ?? ''] ?? [],
    );
    const cases = buildCases(operations, fixtures, arbitraries);
    console.log(
      `fuzz: ${documented} operations in /docs-json and ${UNDOCUMENTED.length} routes it does not list, ${Object.keys(fixtures.tokens).length} actors, fixtures ready after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const statuses = new Map<number, number>();
    const byVariant = new Map<string, number>();
    const covered = new Map<string, Set<number>>();
    const failures: { index: number; description: string; problems: string[]; status: number; body: string }[] = [];
    let next = 0;
    const fuzzStarted = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const index = next++;
          const current = cases[index];
          let answer: Answer;
          try {
            answer = await current.send();
          } catch (error) {
            answer = { status: 0, headers: {}, body: (error as Error).message };
          }
          // A server may answer 413 and close while a body over its limit is still being sent; the client
          // then sees the connection reset instead of the answer. Raw bytes may be cut off likewise.
          const cutOff =
            answer.status === 0 &&
            (current.variant === 'raw' || (current.oversized && /EPIPE|ECONNRESET|socket hang up/.test(answer.body)));
          const problems = cutOff
            ? []
            : violations(
                answer,
                current.variant === 'raw' ? undefined : current.sentRequestId,
                current.method === 'HEAD',
              );
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          byVariant.set(current.variant, (byVariant.get(current.variant) ?? 0) + 1);
          const key = `${current.operation.method} ${current.operation.path}`;
          if (!covered.has(key)) covered.set(key, new Set());
          covered.get(key)?.add(answer.status);
          if (problems.length)
            failures.push({
              index,
              description: current.describe(),
              problems,
              status: answer.status,
              body: answer.body.slice(0, 300),
            });
        }
      }),
    );
    const seconds = (Date.now() - fuzzStarted) / 1000;
    const alive =
      server.running &&
      (await send('GET', '/health/live', {}).then(
        (answer) => answer.status === 200,
        () => false,
      ));
    const log = readFileSync(logFile, 'utf8');
    const unhandled = (log.match(/"unhandled error"/g) ?? []).length;

    const count = (predicate: (status: number) => boolean) =>
      [...statuses].filter(([status]) => predicate(status)).reduce((sum, [, n]) => sum + n, 0);
    const reachedHandler = [...covered.values()].filter((set) => [...set].some((status) => status < 300)).length;
    console.log('\nfuzz figures');
    console.table({
      seed: { value: SEED },
      requests: { value: cases.length },
      'operations covered': { value: `${covered.size} of ${documented} + ${UNDOCUMENTED.length}` },
      'operations with a 2xx answer': { value: reachedHandler },
      '2xx': { value: count((status) => status >= 200 && status < 300) },
      '4xx': { value: count((status) => status >= 400 && status < 500) },
      '5xx': { value: count((status) => status >= 500) },
      'no answer': { value: count((status) => status === 0) },
      'not problem+json / no request id': {
        value: failures.filter((failure) => failure.problems.some((problem) => !problem.startsWith('status'))).length,
      },
      'unhandled errors logged': { value: unhandled },
      'requests/s': { value: Math.round(cases.length / seconds) },
      seconds: { value: Math.round(seconds) },
    });
    console.log(`by variant: ${[...byVariant].map(([variant, n]) => `${variant} ${n}`).join(', ')}`);
    console.log(
      `statuses: ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ')}`,
    );
    const uncovered = operations.filter((operation) => !covered.has(`${operation.method} ${operation.path}`));
    if (uncovered.length)
      console.log(`not covered: ${uncovered.map((operation) => `${operation.method} ${operation.path}`).join(', ')}`);
    if (failures.length) {
      console.log(`\n${failures.length} violations (seed ${SEED}); the first 25:`);
      for (const failure of failures.slice(0, 25))
        console.log(
          `#${failure.index} ${failure.problems.join('; ')}\n    ${failure.description}\n    → ${failure.status} ${failure.body}`,
        );
    }
    if (!alive) console.log('the server is no longer answering /health/live');
    exitCode =
      failures.length || !alive || uncovered.length || (cases.length < 5_000 && !process.env.FUZZ_REQUESTS) ? 1 : 0;
    console.log(exitCode ? `\nFUZZ FAILED (seed ${SEED})` : `\nfuzz passed (seed ${SEED})`);
  } finally {
    await server.stop();
    agent.destroy();
    await cleanUp(exitCode !== 0 || !!process.env.FUZZ_KEEP_LOG);
  }
  process.exitCode = exitCode;
}

async function cleanUp(keepLog: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseServer.toString() });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS "${databaseUrl.pathname.slice(1)}" WITH (FORCE)`)
    .finally(() => admin.end());
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  if (keepLog) console.log(`server log kept: ${logFile}`);
  else rmSync(workDir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error('fuzz: could not run:', error);
  process.exitCode = 1;
});
