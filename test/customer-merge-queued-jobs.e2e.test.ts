import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PurchasePointsHandler } from '../src/modules/loyalty/purchase-points.handler.js';
import { customer } from './support/factories.js';
import { API, bearer, startTestApp, type TestApp } from './support/test-app.js';

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
});
