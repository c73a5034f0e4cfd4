import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { type AppConfig, loadConfig } from '../../src/infrastructure/config/app-config.js';
import { ensureDatabaseExists, runMigrations } from '../../src/infrastructure/database/prepare-database.js';
import { EVENT_CATALOGUES } from '../../src/modules/event-catalogues.js';
import { DomainEventHandlers } from '../../src/infrastructure/outbox/domain-event-handlers.js';
import { QueueName, subscriberJobId } from '../../src/infrastructure/queues/queue-names.js';
import { UsersService } from '../../src/modules/identity/users.service.js';
import { contractViolations, type OpenApiDocument, recordResponses } from './contract.js';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-1' };
export const API = '/api/v1';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  db: pg.Pool;
  adminToken: string;
  close(): Promise<void>;
}

/**
 * A real application on a database of its own, created from the migrations, and a Redis key prefix
 * of its own. TEST_DATABASE_URL names the server (default: the local one). `logDestination` receives
 * the log lines (LOG_LEVEL in `env`; silent by default).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  { logDestination }: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = `/crm_test_${suffix}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: server.toString(),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    // `postgres`: the queues on BullMQ's Postgres backend in the file's own database, no Redis (the embedded mode's layout).
    QUEUE_BACKEND: process.env.TEST_QUEUE_BACKEND ?? 'redis',
    QUEUE_PREFIX: `crm-test-${suffix}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOGIN_MAX_ATTEMPTS_PER_MINUTE: '8',
    OUTBOX_POLL_INTERVAL_MS: '50',
    DATABASE_POOL_SIZE: '10',
    ...env,
  });
  await ensureDatabaseExists(config.DATABASE_URL);
  await runMigrations(config);
  const app = await createApp(config, { logDestination });
  // Every response the tests receive is checked against the OpenAPI document when the app closes (issue 18).
  const recorded = recordResponses(app.getHttpAdapter().getInstance());
  let document: OpenApiDocument | null = null;
  const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 3 });
  // db.end() resolves before its clients' sockets have closed, so the DROP DATABASE … WITH (FORCE) in
  // close() can terminate one of them; the pool re-emits that as an 'error', which unhandled would fail
  // the test file with "terminating connection due to administrator command".
  db.on('error', () => undefined);
  let http: ReturnType<typeof request>;
  let login: request.Response;
  try {
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await app.get(UsersService).ensureFirstAdministrator(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
    if (config.PROCESS_ROLE !== 'worker')
      document = (await app.getHttpAdapter().getInstance().inject({ url: '/docs-json' })).json<OpenApiDocument>();
    http = request(app.getHttpServer());
    login = await http.post(`${API}/auth/login`).send(ADMIN).expect(200);
  } catch (error) {
    // A start-up that fails must not leave connections open: the test process would hang instead of failing.
    await app.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    await dropDatabase(config.DATABASE_URL).catch(() => undefined);
    throw error;
  }
  return {
    app,
    config,
    http,
    db,
    adminToken: login.body.accessToken,
    async close() {
      // Every flow a test ran has left its events in the outbox: each type must be one a catalogue declares.
      // (Events a test commits itself, to exercise the relay or the webhooks, have the aggregate type 'test'.)
      const undeclared = db.ended ? [] : await undeclaredEventTypes(db);
      await app.close();
      if (!db.ended) await db.end();
      await dropDatabase(config.DATABASE_URL);
      const failures: string[] = [];
      if (undeclared.length)
        failures.push(
          `events of types no <module>.events.ts declares were written to the outbox: ${undeclared.join(', ')}`,
        );
      const violations = document ? contractViolations(document, recorded) : [];
      if (violations.length)
        failures.push(
          `${violations.length} kinds of response do not match the OpenAPI document (/docs-json); fix the DTO, its ` +
            `decorators or the server, not test/support/contract.ts:\n  ${violations.join('\n  ')}`,
        );
      if (failures.length) throw new Error(failures.join('\n'));
    },
  };
}

const DECLARED_EVENT_TYPES = EVENT_CATALOGUES.flatMap((catalogue) => catalogue.events.map((type) => type.name));

async function undeclaredEventTypes(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT DISTINCT type FROM outbox WHERE aggregate_type <> 'test' AND NOT (type = ANY($1::text[])) ORDER BY type`,
    [DECLARED_EVENT_TYPES],
  );
  return rows.map((row: { type: string }) => row.type);
}

async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
}

let userCounter = 0;

/** Creates a staff user through the API and logs them in. */
export async function createUser(
  t: TestApp,
  roles: string[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; token: string; email: string }> {
  userCounter += 1;
  const email = `${roles.join('-')}-${userCounter}-${randomBytes(2).toString('hex')}@test.local`;
  const password = 'password-12345';
  const created = await t.http
    .post(`${API}/users`)
    .set('authorization', `Bearer ${t.adminToken}`)
    .send({ email, name: `${roles[0]} ${userCounter}`, password, roles, ...extra })
    .expect(201);
  const login = await t.http.post(`${API}/auth/login`).send({ email, password }).expect(200);
  return { id: created.body.id, token: login.body.accessToken, email };
}

export async function createApiKey(t: TestApp, scopes: string[]): Promise<string> {
  const response = await t.http
    .post(`${API}/admin/api-keys`)
    .set('authorization', `Bearer ${t.adminToken}`)
    .send({ name: `key ${scopes.join(' ')}`, scopes })
    .expect(201);
  return response.body.key;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls until the check passes or the timeout runs out; no fixed sleeps in tests. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function queueOf(t: TestApp, name: QueueName): Queue {
  return t.app.get<Queue>(getQueueToken(name), { strict: false });
}

/**
 * Waits until the outbox event is published and every subscriber has handled it: the event's
 * domain-events job, and when it has several subscribers, each one's event-subscribers job (which the
 * relay queues itself; the event then has no domain-events job, which counts as finished).
 */
export async function eventHandled(t: TestApp, eventId: string, timeoutMs = 10_000): Promise<void> {
  const events = queueOf(t, QueueName.DomainEvents);
  const subscriberJobs = queueOf(t, QueueName.EventSubscribers);
  const handlers = t.app.get(DomainEventHandlers);
  const finished = async (queue: Queue, jobId: string) => {
    const state = await queue.getJobState(jobId);
    if (state === 'failed') throw new Error(`job ${jobId} of ${queue.name} failed`);
    return state === 'completed' || state === 'unknown'; // unknown once its event is published: done and removed
  };
  await waitFor(
    async () => {
      const {
        rows: [row],
      } = await t.db.query(`SELECT type, published_at FROM outbox WHERE event_id = $1`, [eventId]);
      if (!row?.published_at || !(await finished(events, eventId))) return false;
      const subscribers = handlers.matching(row.type).map(({ subscriber }) => subscriber.name);
      if (subscribers.length < 2) return true; // one subscriber runs inside the event's own job
      for (const subscriber of subscribers)
        if (!(await finished(subscriberJobs, subscriberJobId(eventId, subscriber)))) return false;
      return true;
    },
    timeoutMs,
    `event ${eventId} to be handled`,
  );
}

/**
 * Waits until the event's webhook fan-out is decided and none of its deliveries is pending. A delivery is
 * sent only while pending and recorded after the partner answered, so what partners have received of
 * the event by then is all they will receive: absence checks can assert at this point.
 */
export async function webhooksSettled(t: TestApp, eventId: string, timeoutMs = 15_000): Promise<void> {
  await eventHandled(t, eventId, timeoutMs);
  await waitFor(
    async () => {
      const {
        rows: [row],
      } = await t.db.query(
        `SELECT count(*)::int AS pending FROM webhook_deliveries WHERE event_id = $1 AND status = 'pending'`,
        [eventId],
      );
      return row.pending === 0;
    },
    timeoutMs,
    `every delivery of ${eventId} to be settled`,
  );
}
