import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/support.js';
import { API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

// The built entry point (npm test builds first): a process of its own runs outside Jest, so not the TypeScript source.
const MAIN = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const EVENTS = 1_000;

/** A worker process of its own (PROCESS_ROLE=worker), started from the built entry point, so it can be killed outright. */
class WorkerProcess {
  private child?: ChildProcess;

  constructor(
    private readonly t: TestApp,
    private readonly port: number,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PROCESS_ROLE: 'worker',
        WORKER_PORT: String(this.port),
        DATABASE_URL: this.t.config.DATABASE_URL,
        REDIS_URL: this.t.config.REDIS_URL,
        QUEUE_PREFIX: this.t.config.QUEUE_PREFIX,
        RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'error',
        OUTBOX_POLL_INTERVAL_MS: '50',
        DATABASE_POOL_SIZE: '10',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_DELIVERY_CONCURRENCY: '10',
        WEBHOOK_RETRY_BASE_DELAY_MS: '100',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${this.port}/health/ready`).catch(() => null))?.ok,
      30_000,
      'the worker to be ready',
    );
  }

  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.child?.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

describe('webhook delivery when the worker is killed', () => {
  let t: TestApp;
  let worker: WorkerProcess;
  // Slow enough that the burst takes seconds, so the kill lands in the middle of it.
  const partner = new WebhookReceiver(() => 204);

  beforeAll(async () => {
    t = await startTestApp({ PROCESS_ROLE: 'api', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    await partner.start();
    worker = new WorkerProcess(t, await freePort());
  }, 240_000);
  afterAll(async () => {
    await worker.stop();
    await partner.close();
    await t.close();
  }, 240_000);

  it(`delivers every one of ${EVENTS} events at least once across a SIGKILL and restart, and counts the duplicates`, async () => {
    const created = await t.http
      .post(`${API}/webhooks`)
      .set(bearer(t.adminToken))
      .send({ url: partner.url, eventTypes: ['burst.*'] })
      .expect(201);
    partner.secrets = [created.body.secret];
    partner.delayMs = 40;
    await worker.start();

    const { rows } = await t.db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) SELECT 'burst.happened', 'test', g::text, jsonb_build_object('n', g) FROM generate_series(1, $1::int) g RETURNING event_id`,
      [EVENTS],
    );
    const eventIds: string[] = rows.map((row) => row.event_id);
    const unique = () => new Set(partner.received.map((webhook) => webhook.webhookId)).size;

    await waitFor(async () => unique() >= EVENTS / 5, 60_000, 'a fifth of the burst');
    await worker.kill();
    const atKill = unique();
    // the kill came after the burst (${atKill} delivered)
    expect(atKill).toBeLessThan(EVENTS);

    await worker.start();
    // Jobs that were running when the worker died come back once their lock expires (BullMQ's stalled-job check).
    await waitFor(
      async () => eventIds.every((id) => partner.arrivalsOf(id).length > 0),
      150_000,
      'every event to arrive',
    );
    expect(unique()).toBe(EVENTS);
    expect(partner.rejected).toHaveLength(0);
    // A delivery that arrived just before the kill but was not yet logged is sent again once its job's lock expires.
    await waitFor(
      async () =>
        (await t.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'succeeded'`)).rows[0]
          .n === 0,
      120_000,
      'every delivery marked succeeded',
    );
    const duplicates = partner.received.length - unique();
    console.log(
      `webhook fault test: ${atKill} of ${EVENTS} delivered at the SIGKILL; afterwards all ${EVENTS} delivered and logged, ${partner.received.length} arrivals, ${duplicates} duplicates by webhook-id`,
    );
  }, 240_000);
});
