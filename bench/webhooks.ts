/**
 * Webhook benchmark (issue 5): deliveries per second to a local receiver, and the time from a business
 * change's commit to the partner's receipt at a steady 200 events per second, beside a bare baseline
 * measured in the same run — a plain node:http keep-alive client posting the same signed bodies to the
 * same receiver, with the same concurrency.
 *
 *   npm run bench:webhooks -- [--events 2500] [--endpoints 4] [--rate 200] [--seconds 15] [--database-url URL]
 *
 * The application runs as a worker process (`PROCESS_ROLE=worker node dist/src/main.js`, default
 * settings) on a fresh database; the receiver is another process. An event is committed the way a
 * service commits one: an outbox row inserted in its own transaction.
 */
import 'reflect-metadata';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../src/infrastructure/database/prepare-database.js';
import { newWebhookSecret, signatureHeader } from '../src/modules/webhooks/webhook-signature.js';
import { freePort, percentile } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const APP_ENTRY = path.resolve(here, '..', 'src', 'main.js');
const RECEIVER_ENTRY = path.join(here, 'webhook-receiver.js');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '2500' },
    endpoints: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/crm_bench_webhooks' },
  },
});
const EVENTS = Number(args.events);
const ENDPOINTS = Number(args.endpoints);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const CONCURRENCY = 100; // the worker's default WEBHOOK_DELIVERY_CONCURRENCY

const children: ChildProcess[] = [];
const cleanUp = () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL'));
process.on('exit', cleanUp);
process.on('SIGINT', () => process.exit(130));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startReceiver(): Promise<{
  url: string;
  stats(): Promise<{ requests: number; unique: number }>;
  receipts(): Promise<Record<string, number>>;
}> {
  const child = fork(RECEIVER_ENTRY, ['0'], { stdio: 'inherit' });
  children.push(child);
  const port = await new Promise<number>((resolve) =>
    child.once('message', (message: { port: number }) => resolve(message.port)),
  );
  const url = `http://127.0.0.1:${port}`;
  const get = async (pathname: string): Promise<any> => (await fetch(url + pathname)).json();
  return { url, stats: () => get('/stats'), receipts: () => get('/receipts') };
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The bare floor: signed POSTs from a keep-alive node:http client, CONCURRENCY at a time. */
async function bareDeliveries(receiverUrl: string, count: number, secret: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  let next = 0;
  const started = performance.now();
  const post = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const id = randomUUID();
      const body = JSON.stringify({ id, type: 'bench.bare', occurredAt: new Date().toISOString(), data: { n: index } });
      const timestamp = Math.floor(Date.now() / 1000);
      const request = http.request(
        `${receiverUrl}/bare/${index % ENDPOINTS}`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signatureHeader([secret], id, timestamp, body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await post(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return count / seconds;
}

/** The bare floor for latency: the same client posting at the same steady rate, send to receipt. */
async function bareLatency(receiverUrl: string, rate: number, seconds: number, secret: string): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  const total = rate * seconds;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      new Promise<void>((resolve) => {
        const id = randomUUID();
        const body = JSON.stringify({
          id,
          type: 'bench.bare',
          occurredAt: new Date().toISOString(),
          data: { n: index },
        });
        const timestamp = Math.floor(Date.now() / 1000);
        const sent = performance.now();
        const request = http.request(
          `${receiverUrl}/bare-paced`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': signatureHeader([secret], id, timestamp, body),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              latencies.push(performance.now() - sent);
              resolve();
            });
          },
        );
        request.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const databaseUrl = args['database-url'];
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const server = new pg.Client({ connectionString: admin.toString() });
  await server.connect();
  await server.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
  await server.end();
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `crm-bench-webhooks-${randomBytes(3).toString('hex')}`,
  });
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(config);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 8 });

  const receiver = await startReceiver();
  const secret = newWebhookSecret();
  for (let index = 0; index < ENDPOINTS; index += 1) {
    await db.query(
      `INSERT INTO webhook_endpoints (url, event_types, secret, created_by_type) VALUES ($1, '{bench.burst}', $2, 'system')`,
      [`${receiver.url}/app/${index}`, secret],
    );
  }
  await db.query(
    `INSERT INTO webhook_endpoints (url, event_types, secret, created_by_type) VALUES ($1, '{bench.paced}', $2, 'system')`,
    [`${receiver.url}/app-paced`, secret],
  );

  console.log(
    `Webhook benchmark: ${EVENTS.toLocaleString('en')} events × ${ENDPOINTS} endpoints, then ${RATE} events/s for ${SECONDS} s to one endpoint`,
  );
  const bareRate = await bareDeliveries(receiver.url, EVENTS * ENDPOINTS, secret);

  const worker = spawn(process.execPath, [APP_ENTRY], {
    env: {
      ...process.env,
      PROCESS_ROLE: 'worker',
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      WORKER_PORT: String(await freePort()),
      RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'warn',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(worker);
  await sleep(3_000); // start-up

  // 1. Throughput: a burst committed at once, until every delivery has arrived.
  const committed = Date.now();
  await db.query(
    `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) SELECT 'bench.burst', 'bench', g::text, jsonb_build_object('n', g, 'name', '张伟') FROM generate_series(1, $1::int) g`,
    [EVENTS],
  );
  const deliveries = EVENTS * ENDPOINTS;
  let fannedOutAt = 0;
  const watchFanOut = (async () => {
    await waitUntil(
      async () => (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries`)).rows[0].n >= deliveries,
      300_000,
      'the fan-out',
    );
    fannedOutAt = Date.now();
  })();
  await waitUntil(
    async () => Object.keys(await receiver.receipts()).filter((key) => key.startsWith('/app/')).length >= deliveries,
    300_000,
    'the burst to arrive',
  );
  const receipts = Object.entries(await receiver.receipts()).filter(([key]) => key.startsWith('/app/'));
  const lastReceipt = Math.max(...receipts.map(([, at]) => at));
  const appRate = deliveries / ((lastReceipt - committed) / 1000);
  await watchFanOut;

  // 2. Latency at a steady rate: each event committed in its own transaction, commit time taken when COMMIT returns.
  const commits = new Map<string, number>();
  const total = RATE * SECONDS;
  const started = performance.now();
  const inserts: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const wait = started + (index * 1000) / RATE - performance.now();
    if (wait > 0) await sleep(wait);
    inserts.push(
      db
        .query(
          `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ('bench.paced', 'bench', $1, '{"n":1}') RETURNING event_id`,
          [String(index)],
        )
        .then(({ rows }) => void commits.set(rows[0].event_id, Date.now())),
    );
  }
  await Promise.all(inserts);
  await waitUntil(
    async () => Object.keys(await receiver.receipts()).filter((key) => key.startsWith('/app-paced|')).length >= total,
    120_000,
    'the paced events to arrive',
  );
  const paced = Object.entries(await receiver.receipts()).filter(([key]) => key.startsWith('/app-paced|'));
  const latencies = paced.map(([key, at]) => at - commits.get(key.split('|')[1])!).sort((a, b) => a - b);
  const bare = await bareLatency(receiver.url, RATE, Math.min(SECONDS, 5), secret);
  const duplicates = (await receiver.stats()).requests - (await receiver.stats()).unique;

  const pad = (text: string) => text.padEnd(58);
  console.log(`  ${pad('deliveries per second, bare node:http client')}${bareRate.toFixed(0).padStart(7)}`);
  console.log(
    `  ${pad(`deliveries per second, app (commit → last receipt)`)}${appRate.toFixed(0).padStart(7)}   = ${((appRate / bareRate) * 100).toFixed(0)} % of bare   (target ≥ 1,000)`,
  );
  console.log(
    `  ${pad('  of which: every delivery recorded and queued after (s)')}${((fannedOutAt - committed) / 1000).toFixed(2).padStart(7)}   (last receipt after ${((lastReceipt - committed) / 1000).toFixed(2)} s)`,
  );
  console.log(
    `  ${pad(`commit → receipt at ${RATE}/s, app: p50 / p99 / max (ms)`)}${[0.5, 0.99, 1]
      .map((p) => percentile(latencies, p).toFixed(0))
      .join(' / ')
      .padStart(16)}   (target p99 < 1,000)`,
  );
  console.log(
    `  ${pad(`send → response at ${RATE}/s, bare: p50 / p99 / max (ms)`)}${[0.5, 0.99, 1]
      .map((p) => percentile(bare, p).toFixed(1))
      .join(' / ')
      .padStart(16)}`,
  );
  console.log(`  duplicates by webhook-id: ${duplicates}`);

  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await db.end();
  cleanUp();
}

main().catch((error) => {
  console.error(error);
  cleanUp();
  process.exit(1);
});
