import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { freePort } from '../bench/support.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

/** Every job scheduler the worker registers, by queue. */
const SCHEDULES: Partial<Record<QueueName, string[]>> = {
  [QueueName.Maintenance]: ['purge-idempotency-keys', 'purge-outbox'],
  [QueueName.Loyalty]: ['birthday-rewards', 'expire-points'],
  [QueueName.TierRecalc]: ['nightly-tier-recalculation'],
  [QueueName.WebhookRecovery]: ['purge-webhook-history', 'recover-webhook-deliveries'],
  [QueueName.ServiceSla]: ['recover-sla-alarms'],
  [QueueName.ComplaintSla]: ['recover-complaint-alarms'],
  [QueueName.FieldSales]: ['work-plan-escalation', 'work-plan-reminder'],
  [QueueName.ComplaintReport]: ['roll-up-complaint-report'],
  [QueueName.CustomerImports]: ['recover-customer-imports'],
};

/**
 * Redis loses every key under a running app (a restart without persistence, a failover to an empty
 * replica): Postgres is the record, so the job schedulers and the delayed SLA alarms come back, and an
 * alarm fires once (issue 11, item 3).
 */
describe('after Redis loses its data', () => {
  let redis: DisposableRedis;
  let t: TestApp;
  let queues: Map<QueueName, Queue>;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    t = await startTestApp({
      REDIS_URL: redis.url,
      SCHEDULE_REASSERT_INTERVAL_MS: '300',
      SLA_SWEEP_INTERVAL_MS: '300',
    });
    queues = new Map(
      (Object.keys(SCHEDULES) as QueueName[]).map((name) => {
        const queue = new Queue(name, {
          connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
          prefix: t.config.QUEUE_PREFIX,
        });
        queue.on('error', () => undefined);
        return [name, queue];
      }),
    );
  }, 60_000);
  afterAll(async () => {
    for (const queue of queues.values()) await queue.close();
    await t.close();
    await redis.stop();
  }, 60_000);

  const schedulersNow = async () =>
    Object.fromEntries(
      await Promise.all(
        [...queues].map(async ([name, queue]) => [name, (await queue.getJobSchedulers()).map((s) => s.key).sort()]),
      ),
    );

  it('registers the job schedulers again, each with one next run', async () => {
    await waitFor(
      async () => JSON.stringify(await schedulersNow()) === JSON.stringify(SCHEDULES),
      15_000,
      'the schedules at start-up',
    );
    redis.flushAll();
    expect(Object.values(await schedulersNow()).flat()).toHaveLength(0);

    await waitFor(
      async () => JSON.stringify(await schedulersNow()) === JSON.stringify(SCHEDULES),
      15_000,
      'the schedules after the flush',
    );
    // Asserted again every 300 ms meanwhile, yet each schedule has a single next run, not one per assertion.
    // A schedule whose run is active at the moment of reading has no next run yet, so each queue is read
    // until it shows every schedule; no read may show one twice.
    for (const name of [QueueName.Maintenance, QueueName.Loyalty, QueueName.TierRecalc]) {
      const nextRuns = async () =>
        (await queues.get(name)!.getJobs(['delayed', 'waiting', 'prioritized'])).map((job) => job.repeatJobKey).sort();
      await waitFor(
        async () => {
          const keys = await nextRuns();
          expect(new Set(keys).size).toBe(keys.length);
          return JSON.stringify(keys) === JSON.stringify(SCHEDULES[name]);
        },
        10_000,
        `one next run of each ${name} schedule`,
      );
    }
  }, 60_000);

  it('rebuilds a lost SLA alarm from the request, and it fires once', async () => {
    const manager = await createUser(t, ['manager']);
    const agent = await createUser(t, ['agent'], { managerId: manager.id });
    const current = (await t.http.get(`${API}/admin/sla-policies`).set(bearer(manager.token)).expect(200)).body;
    await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version))
      .send({
        policies: [
          ...current.data,
          { tier: '闪断', severity: 'high', firstResponseMinutes: 1, resolutionMinutes: 60, warningPercent: 50 },
        ],
      })
      .expect(200);
    const customerId = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(t.adminToken))
        .send({ kind: 'individual', name: '闪断客户' })
        .expect(201)
    ).body.id;
    await t.db.query(
      `INSERT INTO customer_values (customer_id, frequency, monetary, score, tier) VALUES ($1, 0, 0, 0, '闪断')`,
      [customerId],
    );
    // Received 48 s ago with a one-minute response target: warned at once, breached 12 s from now.
    const request = (
      await t.http
        .post(`${API}/service-requests`)
        .set(bearer(agent.token))
        .send({
          customerId,
          type: 'repair',
          severity: 'high',
          subject: '断电',
          receivedAt: new Date(Date.now() - 48_000).toISOString(),
        })
        .expect(201)
    ).body;
    const deadline = Date.parse(request.respondBy);
    await waitFor(
      async () =>
        (await t.db.query(`SELECT response_warned_at FROM service_requests WHERE id = $1`, [request.id])).rows[0]
          .response_warned_at,
      8_000,
      'the warning',
    );
    const sla = queues.get(QueueName.ServiceSla)!;
    await waitFor(
      async () =>
        (await sla.getJobs(['delayed'])).some(
          (job) => job.data.requestId === request.id && job.data.stage === 'breach',
        ),
      5_000,
      'the breach alarm',
    );

    redis.flushAll();
    expect(Date.now()).toBeLessThan(deadline); // the breach alarm was lost before it could fire

    await waitFor(
      async () => (await sla.getJobs(['delayed'])).filter((job) => job.data.requestId === request.id).length === 3,
      10_000,
      'the alarms rebuilt',
    );
    const rebuilt = (await sla.getJobs(['delayed']))
      .filter((job) => job.data.requestId === request.id)
      .map((job) => `${job.data.clock} ${job.data.stage}`);
    // The response warning went off already; the response breach and both resolution alarms come back.
    expect(rebuilt.sort()).toStrictEqual(['resolution breach', 'resolution warning', 'response breach']);

    const breached = await waitFor(
      async () =>
        (
          await t.db.query(`SELECT response_breached_at, escalation_level FROM service_requests WHERE id = $1`, [
            request.id,
          ])
        ).rows[0].response_breached_at
          ? true
          : null,
      30_000,
      'the breach',
    );
    expect(breached).toBe(true);
    // Three more sweeps later: still one breach, one escalation, one task.
    const sweepsSoFar = await completedSweeps(sla);
    await waitFor(async () => (await completedSweeps(sla)) >= sweepsSoFar + 3, 30_000, 'three more sweeps');
    const events = await t.db.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'service_request.breached'`,
      [request.id],
    );
    expect(events.rowCount).toBe(1);
    const { rows } = await t.db.query(`SELECT escalation_level FROM service_requests WHERE id = $1`, [request.id]);
    expect(rows[0].escalation_level).toBe(1);
    const tasks = await t.db.query(`SELECT kind FROM tasks WHERE subject_id = $1`, [request.id]);
    expect(tasks.rows.map((row) => row.kind)).toStrictEqual(['sla.response_breached']);
  }, 90_000);
});

describe('an import whose job Redis lost', () => {
  let redis: DisposableRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    t = await startTestApp({
      REDIS_URL: redis.url,
      SLA_SWEEP_INTERVAL_MS: '300',
      SCHEDULE_REASSERT_INTERVAL_MS: '300',
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await redis.stop();
  }, 60_000);

  it('is queued again from its row in Postgres, and its customers and their events come through', async () => {
    // Stored as the upload stores it, but its job never reached Redis (or was lost with Redis's data).
    const file = Buffer.from('姓名,手机\n失而复得甲,13800000001\n失而复得乙,13800000002\n');
    const { rows } = await t.db.query(
      `INSERT INTO customer_imports (file_name, file_bytes, file_sha256, encoding, options, columns, actor_type)
       VALUES ('lost.csv', $1, '', 'utf-8', '{"onMatch": "skip", "dryRun": false, "mapping": {}, "ownerId": null}',
               '[{"header": "姓名", "target": "name"}, {"header": "手机", "target": "mobile"}]', 'system') RETURNING id`,
      [file.length],
    );
    await t.db.query(`INSERT INTO customer_import_chunks (import_id, seq, data) VALUES ($1, 0, $2)`, [
      rows[0].id,
      file,
    ]);
    redis.flushAll();
    await waitFor(
      async () =>
        (await t.db.query(`SELECT status FROM customer_imports WHERE id = $1`, [rows[0].id])).rows[0].status ===
        'completed',
      30_000,
      'the sweep to run the import',
    );
    const created = await t.db.query(`SELECT id FROM customers WHERE name LIKE '失而复得%'`);
    expect(created.rowCount).toBe(2);
    // The outbox relays their events (the relay reads Postgres, not Redis).
    await waitFor(
      async () =>
        (
          await t.db.query(
            `SELECT count(*)::int AS n FROM outbox WHERE type = 'customer.created' AND published_at IS NOT NULL AND aggregate_id = ANY($1)`,
            [created.rows.map((row) => row.id)],
          )
        ).rows[0].n === 2,
      30_000,
      'the events relayed',
    );
  }, 90_000);
});

/** The SLA alarm sweeps that have run to completion (kept: removeOnComplete keeps the last 10,000). */
async function completedSweeps(sla: Queue): Promise<number> {
  const jobs = await sla.getJobs(['completed']);
  return jobs.filter((job) => (job.data as { task?: string }).task === 'recover-alarms').length;
}
