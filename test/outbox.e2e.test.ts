import { Queue, QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { MaintenanceProcessor } from '../src/infrastructure/maintenance/maintenance.processor.js';
import { CLAIM_SQL, OutboxRelay } from '../src/infrastructure/outbox/outbox.relay.js';
import { DomainEventHandlers } from '../src/infrastructure/outbox/domain-event-handlers.js';
import { DEFAULT_JOB_OPTIONS, QueueName, subscriberJobId } from '../src/infrastructure/queues/queue-names.js';
import { freePort } from '../bench/support.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';

describe('outbox relay', () => {
  let t: TestApp;
  let redis: DisposableRedis;
  let queue: Queue;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${redis.port}` });
    queue = new Queue(QueueName.DomainEvents, {
      connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
      prefix: t.config.QUEUE_PREFIX,
    });
    queue.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await queue.close();
    await t.close();
    await redis.stop();
  }, 120_000);

  const createCustomer = async (name: string) =>
    (await t.http.post(`${API}/customers`).set(bearer(t.adminToken)).send({ kind: 'individual', name }).expect(201))
      .body.id as string;

  const eventIdOf = async (customerId: string) =>
    (
      await t.db.query(`SELECT event_id FROM outbox WHERE aggregate_id = $1 AND type = 'customer.created'`, [
        customerId,
      ])
    ).rows[0].event_id as string;

  it('moves a committed event into BullMQ with the event id as job id', async () => {
    const customerId = await createCustomer('事件一');
    const eventId = await eventIdOf(customerId);
    const job = await waitFor(() => queue.getJob(eventId), 10_000, 'the job');
    expect(job.data.type).toBe('customer.created');
    expect(job.data.aggregateId).toBe(customerId);
    // The relay marks the row published when its transaction commits, just after BullMQ accepted the job.
    await waitFor(
      async () =>
        (await t.db.query(`SELECT published_at FROM outbox WHERE event_id = $1`, [eventId])).rows[0].published_at,
      5_000,
      'published_at',
    );
  }, 120_000);

  it('queues each event with the retries and backoff every other queue has, so a failed handler is retried', async () => {
    // Issue 11, item 1: the relay built its own Queue without default job options, so an event's job
    // ran once and a purchase seen during a database outage never earned its points.
    const customerId = await createCustomer('重试');
    const job = await waitFor(async () => queue.getJob(await eventIdOf(customerId)), 10_000, 'the job');
    expect(job.opts.attempts).toBe(DEFAULT_JOB_OPTIONS.attempts);
    expect(job.opts.attempts!).toBeGreaterThan(1);
    expect(job.opts.backoff).toStrictEqual(DEFAULT_JOB_OPTIONS.backoff);
  }, 120_000);

  it('keeps events while Redis is down and publishes them when it is back', async () => {
    await redis.stop();
    const customerId = await createCustomer('停电期间');
    const eventId = await eventIdOf(customerId);

    // Relays keep trying and failing (or find the row locked by the background relay's attempt);
    // the row must stay unpublished rather than be marked published and lost.
    const relay = t.app.get(OutboxRelay);
    for (let attempt = 0; attempt < 5; attempt += 1) expect(await relay.publishBatch().catch(() => 0)).toBe(0);
    const pending = await t.db.query(`SELECT published_at FROM outbox WHERE event_id = $1`, [eventId]);
    expect(pending.rows[0].published_at).toBeNull();

    await redis.start();
    const job = await waitFor(
      () => queue.getJob(eventId).catch(() => undefined),
      20_000,
      'the job after Redis came back',
    );
    expect(job.data.aggregateId).toBe(customerId);
    await waitFor(
      async () =>
        (await t.db.query(`SELECT published_at FROM outbox WHERE event_id = $1`, [eventId])).rows[0].published_at,
      5_000,
      'published_at',
    );
  }, 120_000);

  it('claims through its own index even when the statistics still describe a backlog since published', async () => {
    // Statistics taken while 20,000 bulk events waited, then the events published: with these the
    // planner would walk the primary key past every published row on each poll of the lane.
    await t.db.query(`INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane)
                      SELECT 'test.backlog', 'test', g::text, '{}', 'bulk' FROM generate_series(1, 20000) g`);
    await t.db.query(`ANALYZE outbox`);
    await t.db.query(`UPDATE outbox SET published_at = now() WHERE type = 'test.backlog' AND published_at IS NULL`);
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (await t.db.query(`EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`, ['bulk', 100])).rows;
    const indexes: string[] = [];
    const walk = (node: { 'Index Name'?: string; Plans?: unknown[] }) => {
      if (node['Index Name']) indexes.push(node['Index Name']);
      for (const child of node.Plans ?? []) walk(child as typeof node);
    };
    walk(plan.Plan);
    expect(indexes).toStrictEqual(['outbox_unpublished_order_idx']);
  }, 120_000);

  it('never publishes one row twice when relays run concurrently', async () => {
    const dataSource = t.app.get(DataSource);
    const events = new QueueEvents(QueueName.DomainEvents, {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: t.config.QUEUE_PREFIX,
    });
    await events.waitUntilReady();
    const duplicated: string[] = [];
    events.on('duplicated', ({ jobId }) => duplicated.push(jobId));
    try {
      await dataSource.query(
        `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) SELECT 'test.burst', 'test', g::text, '{}' FROM generate_series(1, 1200) g`,
      );
      const relay = t.app.get(OutboxRelay);
      const counts = await Promise.all(
        Array.from({ length: 4 }, async () => {
          let published = 0;
          for (let round = 0; round < 10; round += 1) published += await relay.publishBatch();
          return published;
        }),
      );
      // The background relay may have taken some too; together every row went out exactly once.
      expect(counts.reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(1200);
      await waitFor(
        async () =>
          (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'test.burst' AND published_at IS NULL`))
            .rows[0].n === 0,
        10_000,
        'every burst row published',
      );
      const jobs = await waitFor(
        async () => {
          const ids = (await t.db.query(`SELECT event_id FROM outbox WHERE type = 'test.burst'`)).rows.map(
            (row) => row.event_id,
          );
          const found = await Promise.all(ids.map((id: string) => queue.getJob(id)));
          return found.every(Boolean) ? found : undefined;
        },
        20_000,
        'all burst jobs',
      );
      expect(new Set(jobs.map((job) => job!.id)).size).toBe(1200);
      // BullMQ saw no second publish of any event
      expect(duplicated).toStrictEqual([]);
    } finally {
      await events.close();
    }
  }, 120_000);

  describe('an event of several subscribers', () => {
    let subscriberJobs: Queue;
    let subscribers: string[];
    beforeAll(() => {
      subscriberJobs = new Queue(QueueName.EventSubscribers, {
        connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
        prefix: t.config.QUEUE_PREFIX,
      });
      subscriberJobs.on('error', () => undefined);
      // A tier change: outreach's congratulation and the webhook fan-out.
      subscribers = t.app
        .get(DomainEventHandlers)
        .matching('customer.tier_changed')
        .map(({ subscriber }) => subscriber.name);
    });
    afterAll(() => subscriberJobs.close());

    it("is queued by the relay as one job per subscriber, at its lane's priority, with no domain-events job", async () => {
      expect(subscribers.length).toBeGreaterThan(1);
      const {
        rows: [event],
      } = await t.db.query(
        `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane)
         VALUES ('customer.tier_changed', 'customer', gen_random_uuid()::text, '{"cause":"test"}', 'bulk') RETURNING event_id`,
      );
      for (const subscriber of subscribers) {
        const job = await waitFor(
          () => subscriberJobs.getJob(subscriberJobId(event.event_id, subscriber)),
          10_000,
          `the job of ${subscriber}`,
        );
        expect(job.data).toMatchObject({ eventId: event.event_id, type: 'customer.tier_changed', subscriber });
        // the bulk lane stays behind ordinary events in Redis too
        expect(job.opts.priority).toBe(10);
        expect(job.opts.attempts).toBe(DEFAULT_JOB_OPTIONS.attempts);
      }
      expect(await queue.getJob(event.event_id)).toBeUndefined();
    }, 60_000);

    it('queued on domain-events by an older relay, still becomes one job per subscriber', async () => {
      const eventId = randomUUID();
      await queue.add(
        'customer.tier_changed',
        {
          eventId,
          outboxId: '0',
          type: 'customer.tier_changed',
          aggregateType: 'customer',
          aggregateId: randomUUID(),
          occurredAt: new Date().toISOString(),
          payload: { cause: 'test' },
        },
        { jobId: eventId },
      );
      for (const subscriber of subscribers)
        await waitFor(
          () => subscriberJobs.getJob(subscriberJobId(eventId, subscriber)),
          10_000,
          `the job of ${subscriber}`,
        );
    }, 60_000);
  });
});

describe('housekeeping', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  it('purges idempotency keys older than their 24-hour promise and keeps younger ones', async () => {
    await t.db.query(
      `INSERT INTO idempotency_keys (principal, key, method, path, request_hash, created_at)
       VALUES ('user:x', 'old', 'POST', '/c', 'h', now() - interval '25 hours'), ('user:x', 'young', 'POST', '/c', 'h', now() - interval '23 hours')`,
    );
    const purged = await t.app.get(MaintenanceProcessor).purgeIdempotencyKeys();
    expect(purged).toBe(1);
    const left = await t.db.query(`SELECT key FROM idempotency_keys WHERE principal = 'user:x'`);
    expect(left.rows.map((row) => row.key)).toStrictEqual(['young']);
  }, 60_000);

  it('schedules each purge once however many workers register it', async () => {
    const queue = new Queue(QueueName.Maintenance, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: t.config.QUEUE_PREFIX,
    });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((scheduler) => scheduler.key).sort()).toStrictEqual([
        'purge-idempotency-keys',
        'purge-outbox',
      ]);
    } finally {
      await queue.close();
    }
  }, 60_000);
});
