import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bench/support.js';
import { customer } from './support/factories.js';
import { ServerProcess } from './support/processes.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;
const CUSTOMERS = 120;
const OPPORTUNITIES = 12;

/**
 * A hand-over whose worker is SIGKILLed in the middle (R-SP7: "resumable after a crash — test a kill in
 * the middle"): the api runs here, the worker as a process of its own (dist/src/main.js, as deployed),
 * moving the book one record per slice. After the kill a second worker takes the stalled job over; every
 * record is moved once — one ownership history row, one owner_changed event each — and one
 * sales.book_reassigned goes out.
 */
describe('hand-over survives its worker being killed (R-SP7)', () => {
  let t: TestApp;
  let manager: User;
  let leaving: User;
  let successor: User;
  const logDir = mkdtempSync(join(tmpdir(), 'crm-hand-over-kill-'));
  const workers: ServerProcess[] = [];

  const worker = async (name: string) => {
    const process_ = new ServerProcess(
      name,
      await freePort(),
      {
        NODE_ENV: 'test',
        PROCESS_ROLE: 'worker',
        DATABASE_URL: t.config.DATABASE_URL,
        REDIS_URL: t.config.REDIS_URL,
        QUEUE_BACKEND: t.config.QUEUE_BACKEND,
        QUEUE_PREFIX: t.config.QUEUE_PREFIX,
        HANDOVER_SLICE_SIZE: '1',
        OUTBOX_POLL_INTERVAL_MS: '50',
        DATABASE_POOL_SIZE: '5',
        RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'warn',
      },
      join(logDir, `${name}.log`),
    );
    workers.push(process_);
    await process_.start(120_000);
    return process_;
  };

  beforeAll(async () => {
    // The api only: the hand-over's job runs in the worker processes started below.
    t = await startTestApp({ PROCESS_ROLE: 'api', LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    leaving = await createUser(t, ['sales'], { managerId: manager.id });
    successor = await createUser(t, ['sales'], { managerId: manager.id });
    const ids: string[] = [];
    for (let batch = 0; batch < CUSTOMERS / 10; batch += 1)
      ids.push(...(await Promise.all(Array.from({ length: 10 }, () => customer(t, leaving.token)))).map((c) => c.id));
    for (const customerId of ids.slice(0, OPPORTUNITIES))
      await t.http
        .post(`${API}/opportunities`)
        .set(bearer(leaving.token))
        .send({ name: '交接机会', customerId, amount: { amount: '100.00', currency: 'CNY' } })
        .expect(201);
  }, 240_000);

  afterAll(async () => {
    for (const process_ of workers) await process_.stop('SIGKILL');
    await t.close();
  }, 240_000);

  const moved = async (id: string) =>
    (await t.db.query(`SELECT status, moved FROM reassignments WHERE id = $1`, [id])).rows[0] as {
      status: string;
      moved: Record<string, number>;
    };

  it('resumes after a SIGKILL in the middle and moves every record exactly once', async () => {
    const first = await worker('worker-1');
    const started = await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: leaving.id, toUserId: successor.id, include: ['customers', 'opportunities'] })
      .expect(202);
    const id = started.body.id;
    await waitFor(async () => (await moved(id)).moved.customers >= 5, 60_000, 'the first slices to commit');
    await first.stop('SIGKILL');
    const atKill = await moved(id);
    expect(atKill.status).toBe('running');
    expect(atKill.moved.customers).toBeGreaterThan(0);
    expect(atKill.moved.customers).toBeLessThan(CUSTOMERS);

    // A second worker takes the stalled job over once its lock expires (BullMQ's stalled-job check).
    await worker('worker-2');
    const done = await waitFor(
      async () => {
        const row = await moved(id);
        return row.status === 'done' && row;
      },
      150_000,
      'the hand-over to finish on the second worker',
    );
    expect(done.moved).toMatchObject({ customers: CUSTOMERS, opportunities: OPPORTUNITIES });

    const owners = await t.db.query(
      `SELECT owner_id AS "ownerId", count(*)::int AS n FROM customers WHERE owner_id = ANY($1::uuid[]) GROUP BY owner_id`,
      [[leaving.id, successor.id]],
    );
    expect(owners.rows).toStrictEqual([{ ownerId: successor.id, n: CUSTOMERS }]);
    const history = await t.db.query(
      `SELECT entity_type AS type, count(*)::int AS n, count(DISTINCT entity_id)::int AS records FROM ownership_history
        WHERE reassignment_id = $1 GROUP BY entity_type ORDER BY entity_type`,
      [id],
    );
    expect(history.rows).toStrictEqual([
      { type: 'customer', n: CUSTOMERS, records: CUSTOMERS },
      { type: 'opportunity', n: OPPORTUNITIES, records: OPPORTUNITIES },
    ]);
    const events = await t.db.query(
      `SELECT type, count(*)::int AS n, count(DISTINCT aggregate_id)::int AS records FROM outbox
        WHERE type IN ('customer.owner_changed', 'opportunity.owner_changed', 'sales.book_reassigned') GROUP BY type ORDER BY type`,
    );
    expect(events.rows).toStrictEqual([
      { type: 'customer.owner_changed', n: CUSTOMERS, records: CUSTOMERS },
      { type: 'opportunity.owner_changed', n: OPPORTUNITIES, records: OPPORTUNITIES },
      { type: 'sales.book_reassigned', n: 1, records: 1 },
    ]);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT entity_id)::int AS records FROM audit_log WHERE action = 'customer.owner_changed'`,
    );
    expect(audit.rows[0]).toStrictEqual({ n: CUSTOMERS, records: CUSTOMERS });
  }, 300_000);
});
