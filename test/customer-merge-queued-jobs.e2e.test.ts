import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { PurchasePointsHandler } from '../src/modules/loyalty/purchase-points.handler.js';
import { TiersService } from '../src/modules/loyalty/tiers.service.js';
import { customer } from './support/factories.js';
import { API, bearer, queueOf, startTestApp, type TestApp, waitFor } from './support/test-app.js';

// A purchase's points job queued before its customer was merged away runs after the merge: the points
// must go to the survivor (where the merge moved the purchase and the ledger), not to the merged-away id.
describe('jobs queued for a duplicate before its merge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const pointsOf = async (customerId: string) =>
    (
      await t.db.query(
        `SELECT coalesce(sum(points), 0)::int AS points, count(*)::int AS entries FROM loyalty_ledger WHERE customer_id = $1`,
        [customerId],
      )
    ).rows[0];

  it('credits and reverses the points of a purchase made by the duplicate on the survivor', async () => {
    const survivor = await customer(t, t.adminToken, { name: '排队甲' });
    const duplicate = await customer(t, t.adminToken, { name: '排队甲' });
    // The purchase as its event left it: recorded for the duplicate, its points job not yet run.
    const [purchase] = (
      await t.db.query(
        `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
         VALUES ($1, now(), '净水器', 300, 'CNY', 'card') RETURNING id`,
        [duplicate.id],
      )
    ).rows;
    await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(t.adminToken))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    const event = (type: string) => ({
      eventId: randomUUID(),
      outboxId: '0',
      type,
      aggregateType: 'customer',
      aggregateId: duplicate.id,
      occurredAt: new Date().toISOString(),
      payload: {
        purchase: { id: purchase.id, customerId: duplicate.id, amount: { amount: '300.00', currency: 'CNY' } },
      },
    });
    const handler = t.app.get(PurchasePointsHandler, { strict: false });

    await handler.earn(event('purchase.recorded') as never);
    expect(await pointsOf(duplicate.id)).toStrictEqual({ points: 0, entries: 0 });
    const earned = await pointsOf(survivor.id);
    expect(earned.points).toBeGreaterThan(0);

    await t.db.query(`UPDATE purchases SET refunded_at = now() WHERE id = $1`, [purchase.id]);
    await handler.reverse(event('purchase.refunded') as never);
    expect(await pointsOf(duplicate.id)).toStrictEqual({ points: 0, entries: 0 });
    expect(await pointsOf(survivor.id)).toStrictEqual({ points: 0, entries: 2 });
    const { rows } = await t.db.query(`SELECT balance::int FROM loyalty_accounts WHERE customer_id = $1`, [
      survivor.id,
    ]);
    expect(rows).toStrictEqual([{ balance: 0 }]);
  });

  /** A tier recalculation of one customer, as the purchase subscriber queues it, run by the worker; its result. */
  const recalculation = async (customerId: string, tag: string) => {
    const queue: Queue = queueOf(t, QueueName.TierRecalc);
    const job = await queue.add(
      'customer',
      { kind: 'customer', customerId, cause: 'purchase.recorded' },
      { jobId: `test-${tag}-${customerId}` },
    );
    await waitFor(
      async () => {
        const state = await job.getState();
        if (state === 'failed')
          throw new Error(`the recalculation failed: ${(await queue.getJob(job.id!))?.failedReason}`);
        return state === 'completed';
      },
      20_000,
      'the tier recalculation',
    );
    return (await queue.getJob(job.id!))!.returnvalue;
  };
  const valueOf = async (customerId: string) =>
    (
      await t.db.query(
        `SELECT frequency, monetary::text, tier, computed_at FROM customer_values WHERE customer_id = $1`,
        [customerId],
      )
    ).rows[0];

  it('runs a tier recalculation queued for the duplicate on the survivor, leaving the tombstone as it was', async () => {
    const survivor = await customer(t, t.adminToken, { name: '排队乙' });
    const duplicate = await customer(t, t.adminToken, { name: '排队乙' });
    await t.db.query(
      `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
       VALUES ($1, now(), '净水器', 4200, 'CNY', 'card')`,
      [duplicate.id],
    );
    await recalculation(duplicate.id, 'before');
    const tombstoneValue = await valueOf(duplicate.id);
    expect(tombstoneValue).toMatchObject({ frequency: 1, monetary: '4200.00' });
    await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(t.adminToken))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    const historyOf = async (customerId: string) =>
      (await t.db.query(`SELECT count(*)::int AS n FROM tier_history WHERE customer_id = $1`, [customerId])).rows[0].n;
    const tierEventsOf = async (customerId: string) =>
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM outbox WHERE type = 'customer.tier_changed' AND aggregate_id = $1`,
          [customerId],
        )
      ).rows[0].n;
    const tombstoneEvents = await tierEventsOf(duplicate.id);

    // The job queued for the duplicate before the merge runs now: no error, and it values the survivor.
    await recalculation(duplicate.id, 'after');
    expect(await valueOf(survivor.id)).toMatchObject({ frequency: 1, monetary: '4200.00' });
    expect(await valueOf(duplicate.id)).toStrictEqual(tombstoneValue);
    expect(await historyOf(duplicate.id)).toBe(0);
    expect(await tierEventsOf(duplicate.id)).toBe(tombstoneEvents);

    // The nightly full run leaves the tombstone alone too: its purchases are the survivor's now, and a
    // zeroed value row (or a tier change, a tier-history row, an event) for it would count them twice
    // or tell partners that a customer who no longer exists lost a tier.
    await t.app.get(TiersService, { strict: false }).recalculateAll('test');
    expect(await valueOf(survivor.id)).toMatchObject({ frequency: 1, monetary: '4200.00' });
    expect(await valueOf(duplicate.id)).toStrictEqual(tombstoneValue);
    expect(await historyOf(duplicate.id)).toBe(0);
    expect(await tierEventsOf(duplicate.id)).toBe(tombstoneEvents);
  });

  it('gives a customer merged away before it was ever valued no value row in the full run', async () => {
    const survivor = await customer(t, t.adminToken, { name: '排队丙' });
    const duplicate = await customer(t, t.adminToken, { name: '排队丙' });
    await t.db.query(
      `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
       VALUES ($1, now(), '净水器', 900, 'CNY', 'card')`,
      [duplicate.id],
    );
    await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(t.adminToken))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    await t.app.get(TiersService, { strict: false }).recalculateAll('test');
    expect(await valueOf(survivor.id)).toMatchObject({ frequency: 1, monetary: '900.00' });
    expect(await valueOf(duplicate.id)).toBeUndefined();
  });
});
