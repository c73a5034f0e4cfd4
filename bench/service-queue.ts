/**
 * Benchmark: the service request queue against BullMQ's own prioritised add and take, in one run.
 *
 *   npm run bench:service -- [--requests 100000] [--takes 20000] [--http 5000] [--concurrency 16] [--latency-concurrency 4] [--database-url URL]
 *
 * The queue itself, in process, against BullMQ in process (the targets):
 * 1. Enqueue: --requests requests filed through FileServiceRequest (the customer's tier,
 *    the SLA policy and deadlines, then the row with its audit, timeline and outbox rows), beside the
 *    same number of prioritised jobs added to a bare BullMQ queue; --concurrency in flight for both.
 * 2. Take: with the queue full, --takes TakeNextServiceRequest calls by --concurrency agents
 *    (the most urgent request each is qualified for, assigned atomically), beside as many
 *    Worker.getNextJob + moveToCompleted takes from the bare BullMQ queue.
 * Latency is also measured with --latency-concurrency callers (2,000 takes), a busy service desk
 * rather than a saturated machine.
 * The storage floor, for information: the same adds and takes as bare SQL on a table of its own.
 * End to end through HTTP, for information: --http POST /service-requests and as many
 * POST /service-requests/next calls against the application started as an api process.
 * Uses its own database (crm_bench_service, recreated) and Redis prefix; prints a table and writes
 * bench/results/service-queue.json.
 */
import 'reflect-metadata';
import { Queue, Worker } from 'bullmq';
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import type { Principal } from '../src/common/auth/principal.js';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { UsersService } from '../src/modules/identity/users.service.js';
import { type CreateServiceRequestDto } from '../src/modules/service-requests/dto/service-request.dto.js';
import { FileServiceRequest } from '../src/modules/service-requests/file-service-request.js';
import { ServiceRequestsService } from '../src/modules/service-requests/service-requests.service.js';
import { TakeNextServiceRequest } from '../src/modules/service-requests/take-next-service-request.js';
import { freePort, latencySummary, type LatencySummary, runConcurrently } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const SEVERITIES = ['critical', 'high', 'normal', 'low'];
const SKILLS = ['repair', 'installation', 'senior-repair'];

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    takes: { type: 'string', default: '20000' },
    http: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    'latency-concurrency': { type: 'string', default: '4' },
    customers: { type: 'string', default: '5000' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench:service -- [--requests 100000] [--takes 20000] [--http 5000] [--concurrency 16] [--latency-concurrency 4] [--customers 5000] [--database-url URL]',
  );
  process.exit(0);
}
const REQUESTS = Number(args.requests);
const TAKES = Math.min(Number(args.takes), REQUESTS - 2_000);
const CONCURRENCY = Number(args.concurrency);
const LATENCY_CONCURRENCY = Number(args['latency-concurrency']);
const LATENCY_TAKES = 2_000;
const CUSTOMERS = Number(args.customers);
const HTTP_CALLS = Number(args.http);

const server = new URL(
  args['database-url'] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
server.pathname = '/crm_bench_service';
const databaseUrl = server.toString();
const prefix = `bench-service-${randomBytes(3).toString('hex')}`;
const config = loadConfig({
  ...process.env,
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  PROCESS_ROLE: 'api',
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
});

async function prepareDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: new URL('/postgres', server).toString() });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'crm_bench_service' AND pid <> pg_backend_pid()`,
  );
  await admin.query(`DROP DATABASE IF EXISTS crm_bench_service`);
  await admin.end();
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    `INSERT INTO customers (kind, name) SELECT 'individual', '服务客户' || n FROM generate_series(1, $1) n`,
    [CUSTOMERS],
  );
  await db.query(
    `INSERT INTO customer_values (customer_id, frequency, monetary, score, tier)
     SELECT id, 0, 0, 0, (ARRAY['VIP', '高', '中', '低', NULL])[1 + row_number() OVER (ORDER BY id) % 5] FROM customers`,
  );
  await db.query('ANALYZE');
  await db.end();
}

async function startApp(): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist/src/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      PROCESS_ROLE: 'api',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      JWT_SECRET: `bench-${randomBytes(24).toString('hex')}`,
      QUEUE_PREFIX: prefix,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_ATTEMPTS_PER_MINUTE: '10000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i += 1) {
    if (
      await fetch(`${base}/health/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { base, child };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error('the application did not become ready');
}

/**
 * One API call over a keep-alive node:http agent: a lighter client than fetch, whose own CPU (on
 * the same two cores as the server and Postgres) would otherwise show up in the server's latency.
 */
const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
function call(
  base: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}/api/v1${url}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function login(base: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

interface Phase {
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
}

async function timed(
  count: number,
  work: (index: number, worker: number) => Promise<void>,
  concurrency = CONCURRENCY,
): Promise<Phase> {
  const latencies: number[] = [];
  const started = performance.now();
  await runConcurrently(count, concurrency, async (index, worker) => {
    const t0 = performance.now();
    await work(index, worker);
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: count / seconds, latency: latencySummary(latencies) };
}

const SERVICE_REQUEST = (customers: string[], index: number): CreateServiceRequestDto => ({
  customerId: customers[index % customers.length],
  type: 'repair',
  severity: SEVERITIES[index % SEVERITIES.length],
  subject: `报修 ${index}`,
  requiredSkill: index % 3 === 0 ? SKILLS[index % SKILLS.length] : undefined,
});

async function customerIds(): Promise<string[]> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const ids = (await db.query<{ id: string }>(`SELECT id FROM customers ORDER BY id`)).rows.map((row) => row.id);
  await db.end();
  return ids;
}

/** The queue in process: the use cases the controllers call, without HTTP. */
async function benchQueue(): Promise<{ enqueue: Phase; take: Phase; takeLatency: Phase; queuedDuringTakes: number }> {
  const app = await NestFactory.createApplicationContext(AppModule.forConfig(config), { logger: false });
  try {
    const requests = app.get(ServiceRequestsService);
    const fileRequest = app.get(FileServiceRequest);
    const takeNext = app.get(TakeNextServiceRequest);
    const users = app.get(UsersService);
    await users.ensureFirstAdministrator(ADMIN.email, ADMIN.password);
    const customers = await customerIds();
    const agents: Principal[] = [];
    for (let i = 0; i < CONCURRENCY; i += 1) {
      const user = await users.create(
        {
          email: `queue-agent-${i}@bench.local`,
          name: `坐席 ${i}`,
          password: 'bench-password-1',
          roles: ['agent'],
          skills: SKILLS,
        },
        null,
      );
      agents.push({ kind: 'user', id: user.id, roles: ['agent'], email: user.email, name: user.name });
    }
    process.stdout.write(`queue: ${REQUESTS} requests filed…\n`);
    const enqueue = await timed(REQUESTS, async (index, worker) => {
      await fileRequest.execute(SERVICE_REQUEST(customers, index), agents[worker], `bench-${index}`);
    });
    const queuedDuringTakes = (await requests.queueView(false, 1, agents[0])).total;
    process.stdout.write(`queue: ${TAKES} takes with ${queuedDuringTakes} queued…\n`);
    const take = await timed(TAKES, async (_, worker) => {
      if (!(await takeNext.execute(agents[worker]))) throw new Error('the queue ran dry');
    });
    process.stdout.write(`queue: ${LATENCY_TAKES} takes with ${LATENCY_CONCURRENCY} in flight…\n`);
    const takeLatency = await timed(
      LATENCY_TAKES,
      async (_, worker) => {
        if (!(await takeNext.execute(agents[worker]))) throw new Error('the queue ran dry');
      },
      LATENCY_CONCURRENCY,
    );
    return { enqueue, take, takeLatency, queuedDuringTakes };
  } finally {
    await app.close();
  }
}

/** End to end: the same operations through HTTP against an api process. */
async function benchHttp(): Promise<{ enqueue: Phase; take: Phase; takeLatency: Phase }> {
  const { base, child } = await startApp();
  try {
    const adminToken = await login(base, ADMIN.email, ADMIN.password);
    const customers = await customerIds();
    const agentTokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i += 1) {
      const email = `http-agent-${i}@bench.local`;
      const created = await call(base, adminToken, 'POST', '/users', {
        email,
        name: `坐席 ${i}`,
        password: 'bench-password-1',
        roles: ['agent'],
        skills: SKILLS,
      });
      if (created.status !== 201)
        throw new Error(`creating an agent: ${created.status} ${JSON.stringify(created.json)}`);
      agentTokens.push(await login(base, email, 'bench-password-1'));
    }
    process.stdout.write(`http: ${HTTP_CALLS} POST /service-requests…\n`);
    const enqueue = await timed(HTTP_CALLS, async (index, worker) => {
      const response = await call(
        base,
        agentTokens[worker],
        'POST',
        '/service-requests',
        SERVICE_REQUEST(customers, index),
      );
      if (response.status !== 201)
        throw new Error(`filing a request: ${response.status} ${JSON.stringify(response.json)}`);
    });
    process.stdout.write(`http: ${HTTP_CALLS} POST /service-requests/next…\n`);
    const takeNext = async (_: number, worker: number) => {
      const response = await call(base, agentTokens[worker], 'POST', '/service-requests/next');
      if (response.status !== 200)
        throw new Error(`taking the next request: ${response.status} ${JSON.stringify(response.json)}`);
    };
    const take = await timed(HTTP_CALLS, takeNext);
    process.stdout.write(`http: ${LATENCY_TAKES} POST /service-requests/next with ${LATENCY_CONCURRENCY} in flight…\n`);
    const takeLatency = await timed(LATENCY_TAKES, takeNext, LATENCY_CONCURRENCY);
    return { enqueue, take, takeLatency };
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * The storage floor: the same queue as bare SQL on a table of its own — one INSERT per request, one
 * `UPDATE … WHERE id = (SELECT … ORDER BY … LIMIT 1 FOR UPDATE SKIP LOCKED)` per take — through a
 * pg pool of the application's size, with no validation, policy, audit, timeline or events.
 */
async function benchBarePostgres(): Promise<{ add: Phase; take: Phase }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: config.DATABASE_POOL_SIZE });
  try {
    await pool.query(`CREATE TABLE bare_queue (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), customer_id uuid NOT NULL, severity text NOT NULL,
      subject text NOT NULL, status text NOT NULL DEFAULT 'queued', respond_by timestamptz NOT NULL, taken_by uuid)`);
    await pool.query(`CREATE INDEX bare_queue_idx ON bare_queue (respond_by, id) WHERE status = 'queued'`);
    process.stdout.write(`bare postgres: ${REQUESTS} inserts…\n`);
    const add = await timed(REQUESTS, async (index) => {
      await pool.query(
        `INSERT INTO bare_queue (customer_id, severity, subject, respond_by) VALUES ($1, $2, $3, now() + $4 * interval '1 minute')`,
        [randomUUID(), SEVERITIES[index % 4], `报修 ${index}`, (index * 7919) % 10_000],
      );
    });
    await pool.query('ANALYZE bare_queue');
    process.stdout.write(`bare postgres: ${TAKES} takes…\n`);
    const take = await timed(TAKES, async () => {
      const { rowCount } = await pool.query(
        `UPDATE bare_queue SET status = 'taken', taken_by = $1
          WHERE id = (SELECT id FROM bare_queue WHERE status = 'queued' ORDER BY respond_by, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`,
        [randomUUID()],
      );
      if (!rowCount) throw new Error('the bare queue ran dry');
    });
    return { add, take };
  } finally {
    await pool.end();
  }
}

async function benchBullmq(): Promise<{ add: Phase; take: Phase }> {
  const connection = {
    host: new URL(config.REDIS_URL).hostname,
    port: Number(new URL(config.REDIS_URL).port || 6379),
    maxRetriesPerRequest: null,
  };
  const name = 'raw-service-requests';
  const queue = new Queue(name, { connection, prefix });
  const worker = new Worker(name, null, { connection, prefix, autorun: false });
  try {
    process.stdout.write(`bullmq: ${REQUESTS} prioritised adds…\n`);
    const add = await timed(REQUESTS, async (index) => {
      await queue.add(
        'request',
        { customerId: randomUUID(), severity: SEVERITIES[index % 4], subject: `报修 ${index}` },
        { priority: 1 + ((index * 7919) % 2_000_000) },
      );
    });
    process.stdout.write(`bullmq: ${TAKES} takes…\n`);
    const take = await timed(TAKES, async (_, slot) => {
      const token = `bench-${slot}`;
      const job = await worker.getNextJob(token, { block: false });
      if (!job) throw new Error('the raw queue ran dry');
      await job.moveToCompleted('taken', token, false);
    });
    return { add, take };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

function row(label: string, phase: Phase): string {
  return `| ${label} | ${phase.perSecond.toFixed(0)} | ${phase.latency.p50.toFixed(1)} | ${phase.latency.p99.toFixed(1)} |`;
}

const started = new Date();
await prepareDatabase();
const queue = await benchQueue();
const raw = await benchBullmq();
const bare = await benchBarePostgres();
const http = await benchHttp();
const enqueueRatio = queue.enqueue.perSecond / raw.add.perSecond;
const takeRatio = queue.take.perSecond / raw.take.perSecond;
const lines = [
  `Service request queue — ${os.cpus().length} CPUs, ${CONCURRENCY} in flight; ${REQUESTS} requests filed, ${TAKES} taken with ${queue.queuedDuringTakes} queued`,
  '',
  '| operation | per second | p50 ms | p99 ms |',
  '| --- | ---: | ---: | ---: |',
  row('file a request (FileServiceRequest)', queue.enqueue),
  row('BullMQ Queue.add, prioritised (raw)', raw.add),
  row('take the next request (TakeNextServiceRequest)', queue.take),
  row('BullMQ getNextJob + moveToCompleted (raw)', raw.take),
  row('bare Postgres INSERT (storage floor)', bare.add),
  row('bare Postgres UPDATE … SKIP LOCKED take (storage floor)', bare.take),
  row(`HTTP POST /service-requests (${HTTP_CALLS})`, http.enqueue),
  row(`HTTP POST /service-requests/next (${HTTP_CALLS})`, http.take),
  row(`takeNext, ${LATENCY_CONCURRENCY} in flight`, queue.takeLatency),
  row(`HTTP POST /service-requests/next, ${LATENCY_CONCURRENCY} in flight`, http.takeLatency),
  '',
  `enqueue: ${(enqueueRatio * 100).toFixed(0)} % of raw BullMQ (target ≥ 50 %), ${((queue.enqueue.perSecond / bare.add.perSecond) * 100).toFixed(0)} % of a bare Postgres insert`,
  `next: ${(takeRatio * 100).toFixed(0)} % of raw BullMQ (target ≥ 50 %), ${((queue.take.perSecond / bare.take.perSecond) * 100).toFixed(0)} % of a bare Postgres take`,
  `next p99 (target < 20 ms): ${queue.take.latency.p99.toFixed(1)} ms in process and ${http.take.latency.p99.toFixed(1)} ms through HTTP with ${CONCURRENCY} in flight; ` +
    `${queue.takeLatency.latency.p99.toFixed(1)} ms and ${http.takeLatency.latency.p99.toFixed(1)} ms with ${LATENCY_CONCURRENCY}`,
];
console.log(lines.join('\n'));
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench', 'results', 'service-queue.json'),
  JSON.stringify(
    {
      startedAt: started.toISOString(),
      cpus: os.cpus().length,
      concurrency: CONCURRENCY,
      requests: REQUESTS,
      takes: TAKES,
      queue,
      raw,
      bare,
      http,
      enqueueRatio,
      takeRatio,
    },
    null,
    2,
  ),
);
process.exit(0);
