import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { customer, purchase } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

const DAY = 86_400_000;

/**
 * Spend and purchase count within a window (R-C7) are read from the customers module's monthly totals
 * (`customer_purchase_months`, kept by triggers on purchases) plus the partial first month's purchases.
 * Whatever happens to the purchases — recorded, bulk-inserted, edited, moved, refunded, deleted, moved
 * by a merge and back by its undo — the members must equal the aggregate over the purchases, right at
 * the window's edges, in the segment's members and count, the customer list's ?segmentId= and a
 * campaign's audience.
 */
describe('segments by spend and purchase count within a window', () => {
  let t: TestApp;
  let marketing: string;
  let manager: string;
  const region = `窗口-${randomBytes(3).toString('hex')}`;
  const people: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    marketing = (await createUser(t, ['marketing'])).token;
    manager = (await createUser(t, ['manager'])).token;
    for (let i = 0; i < 8; i += 1) people.push((await customer(t, t.adminToken, { region, name: `窗口${i}` })).id);
  });
  afterAll(() => t?.close());

  type Range = { min?: string | number; max?: string | number; withinDays?: number };
  const CASES: { spend?: Range; purchaseCount?: Range }[] = [
    { spend: { min: '500.00', withinDays: 45 } },
    { spend: { min: '500.00', withinDays: 365 } },
    { spend: { min: '250.00', withinDays: 1 } },
    { spend: { min: '1000.00' } },
    { spend: { max: '300.00', withinDays: 45 } },
    { spend: { min: '100.00', max: '700.00', withinDays: 45 } },
    { purchaseCount: { min: 2, withinDays: 45 } },
    { purchaseCount: { max: 0, withinDays: 45 } },
    { purchaseCount: { min: 1, max: 1, withinDays: 365 } },
    { purchaseCount: { min: 3 } },
  ];

  /** The members by the aggregate over the purchases themselves (what the per-customer probe computed). */
  const expected = async (filter: { spend?: Range; purchaseCount?: Range }): Promise<string[]> => {
    const measure = filter.spend ? 'coalesce(sum(p.amount), 0)' : 'count(*)';
    const range = (filter.spend ?? filter.purchaseCount)!;
    const { rows } = await t.db.query(
      `SELECT c.id FROM customers c
        WHERE c.deleted_at IS NULL AND c.region = $1
          AND (SELECT ${measure} FROM purchases p
                WHERE p.customer_id = c.id AND p.refunded_at IS NULL
                  AND ($2::int IS NULL OR p.purchased_at >= now() - make_interval(days => $2::int)))
              BETWEEN coalesce($3::numeric, '-Infinity') AND coalesce($4::numeric, 'Infinity')
        ORDER BY c.id`,
      [region, range.withinDays ?? null, range.min ?? null, range.max ?? null],
    );
    return rows.map((row: { id: string }) => row.id);
  };

  const ids = (rows: { id: string }[]) => rows.map((row) => row.id).sort();

  /** Every case: the segment's members, its count and the customer list's ?segmentId= equal the aggregate. */
  const checkAll = async (step: string) => {
    for (const filter of CASES) {
      const made = await t.http
        .post(`${API}/segments`)
        .set(bearer(marketing))
        .send({ name: step, filter: { regions: [region], ...filter } })
        .expect(201);
      const id = made.body.id as string;
      const want = (await expected(filter)).sort();
      const members = await t.http.get(`${API}/segments/${id}/customers?limit=200`).set(bearer(marketing)).expect(200);
      const count = await t.http.get(`${API}/segments/${id}/count`).set(bearer(marketing)).expect(200);
      const listed = await t.http
        .get(`${API}/customers?segmentId=${id}&limit=200`)
        .set(bearer(t.adminToken))
        .expect(200);
      expect({ step, filter, members: ids(members.body.data) }).toStrictEqual({ step, filter, members: want });
      expect({ step, filter, count: count.body.count }).toStrictEqual({ step, filter, count: want.length });
      expect({ step, filter, listed: ids(listed.body.data) }).toStrictEqual({ step, filter, listed: want });
    }
    // The monthly totals themselves equal the purchases' (no row left at zero).
    const { rows: totals } = await t.db.query(
      `SELECT customer_id, month::text, purchases::int, spend::numeric(14, 2)::text AS spend FROM customer_purchase_months
        WHERE customer_id = ANY($1::uuid[]) ORDER BY 1, 2`,
      [people],
    );
    const { rows: recomputed } = await t.db.query(
      `SELECT customer_id, (date_trunc('month', purchased_at AT TIME ZONE 'UTC'))::date::text AS month,
              count(*)::int AS purchases, sum(amount)::numeric(14, 2)::text AS spend
         FROM purchases WHERE customer_id = ANY($1::uuid[]) AND refunded_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2`,
      [people],
    );
    expect({ step, totals }).toStrictEqual({ step, totals: recomputed });
  };

  /** Times around the edges of a window of `days` days ending now: its start, and the first whole UTC month after it. */
  const edges = (days: number) => {
    const since = new Date(Date.now() - days * DAY);
    const nextMonth = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth() + 1, 1));
    const monthStart = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1));
    return { since: since.getTime(), nextMonth: nextMonth.getTime(), monthStart: monthStart.getTime() };
  };
  const at = (ms: number) => ({ purchasedAt: new Date(ms).toISOString() });
  const MINUTE = 60_000;
  const purchaseIds: Record<string, string> = {};

  it('matches the aggregate over the purchases as they are recorded, across the window edges', async () => {
    const w45 = edges(45);
    const w365 = edges(365);
    const w1 = edges(1);
    const buy = async (key: string, who: number, amount: string, fields: Record<string, unknown>) => {
      purchaseIds[key] = (await purchase(t, t.adminToken, people[who], amount, fields)).id;
    };
    // 0: just inside the 45-day window (its partial first month) and just outside it
    await buy('in45', 0, '300.00', at(w45.since + 10 * MINUTE));
    await buy('out45', 0, '400.00', at(w45.since - 10 * MINUTE));
    // 1: the last second of the partial first month, and the first of the first whole month
    await buy('lastOfEdge', 1, '260.00', at(w45.nextMonth - 1000));
    await buy('firstWhole', 1, '250.00', at(w45.nextMonth));
    // 2: the start of the month the window starts in (outside unless the window starts there), and yesterday
    await buy('monthStart', 2, '1000.00', at(w45.monthStart));
    await buy('yesterday', 2, '600.00', at(Date.now() - DAY + 30 * MINUTE));
    // 3: the edges of the year's window
    await buy('in365', 3, '520.00', at(w365.since + 10 * MINUTE));
    await buy('out365', 3, '700.00', at(w365.since - 10 * MINUTE));
    await buy('whole365', 3, '90.00', at(w365.nextMonth));
    // 4: the edges of a one-day window, and three purchases now
    await buy('in1', 4, '250.00', at(w1.since + 10 * MINUTE));
    await buy('out1', 4, '250.00', at(w1.since - 10 * MINUTE));
    await buy('now4', 4, '10.00', {});
    // 5: two purchases now (count ≥ 2), 6 and 7 buy nothing yet
    await buy('now5a', 5, '120.00', {});
    await buy('now5b', 5, '130.00', {});
    await checkAll('recorded');
  });

  it('follows a bulk insert, edits, a move between customers, a refund and a delete', async () => {
    const w45 = edges(45);
    // several rows in one statement, two in the same customer and month
    await t.db.query(
      `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
       VALUES ($1, now() - interval '2 days', '滤芯', 80, 'CNY', 'cash'),
              ($1, now() - interval '3 days', '滤芯', 90, 'CNY', 'cash'),
              ($2, $3, '滤芯', 700, 'CNY', 'cash'),
              ($2, now() - interval '400 days', '滤芯', 5000, 'CNY', 'cash')`,
      [people[6], people[7], new Date(w45.nextMonth + 5 * MINUTE)],
    );
    await checkAll('bulk insert');
    // a new amount; a purchase moved across the window's start and across months
    await t.db.query(`UPDATE purchases SET amount = 900 WHERE id = $1`, [purchaseIds.in45]);
    await t.db.query(`UPDATE purchases SET purchased_at = $2 WHERE id = $1`, [
      purchaseIds.out45,
      new Date(w45.since + 20 * MINUTE),
    ]);
    await t.db.query(`UPDATE purchases SET purchased_at = now() - interval '200 days' WHERE id = $1`, [
      purchaseIds.yesterday,
    ]);
    // a purchase moved to another customer (a correction)
    await t.db.query(`UPDATE purchases SET customer_id = $2 WHERE id = $1`, [purchaseIds.firstWhole, people[6]]);
    await checkAll('edited');
    // a refund through the API, a delete, and a refunded purchase edited (it counts nowhere)
    await t.http
      .post(`${API}/purchases/${purchaseIds.now5b}/refund`)
      .set(bearer(manager))
      .send({ reason: '质量问题' })
      .expect(200);
    await t.db.query(`UPDATE purchases SET amount = 1 WHERE id = $1`, [purchaseIds.now5b]);
    await t.db.query(`DELETE FROM purchases WHERE id = $1`, [purchaseIds.in1]);
    await checkAll('refunded and deleted');
  });

  it('follows a merge (the purchases move to the survivor) and its undo', async () => {
    const merged = await t.http
      .post(`${API}/customers/${people[0]}/merge`)
      .set(bearer(manager))
      .send({ duplicateId: people[1] })
      .expect(200);
    await checkAll('merged');
    await t.http.post(`${API}/customers/merges/${merged.body.id}/undo`).set(bearer(manager)).expect(200);
    await checkAll('undone');
  });

  it("selects a campaign's audience by the same criterion", async () => {
    const filter = { spend: { min: '500.00', withinDays: 45 } };
    const want = (await expected(filter)).sort();
    expect(want.length).toBeGreaterThan(0);
    const segmentId = (
      await t.http
        .post(`${API}/segments`)
        .set(bearer(marketing))
        .send({ name: 'campaign', filter: { regions: [region], ...filter } })
        .expect(201)
    ).body.id;
    const campaign = await t.http
      .post(`${API}/campaigns`)
      .set(bearer(marketing))
      .send({ name: '窗口', segmentId, channels: ['email'], subject: 's', body: 'b', controlPercent: 0 })
      .expect(201);
    await t.http.post(`${API}/campaigns/${campaign.body.id}/launch`).set(bearer(marketing)).expect(202);
    const launched = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/campaigns/${campaign.body.id}`).set(bearer(marketing)).expect(200)).body;
        return body.status === 'launched' ? body : undefined;
      },
      60_000,
      'the launch',
    );
    expect(launched.audience).toBe(want.length);
    const { rows } = await t.db.query(`SELECT customer_id FROM campaign_recipients WHERE campaign_id = $1`, [
      campaign.body.id,
    ]);
    expect(rows.map((row: { customer_id: string }) => row.customer_id).sort()).toStrictEqual(want);
  });

  it('empties the totals with the purchases: TRUNCATE purchases, and TRUNCATE customers CASCADE (the benchmark does)', async () => {
    const totals = async () =>
      (await t.db.query(`SELECT count(*)::int AS n FROM customer_purchase_months`)).rows[0].n as number;
    expect(await totals()).toBeGreaterThan(0);
    await t.db.query(`TRUNCATE purchases CASCADE`);
    expect(await totals()).toBe(0);
    await purchase(t, t.adminToken, people[0], '10.00');
    expect(await totals()).toBe(1);
    await t.db.query(`TRUNCATE customers CASCADE`);
    expect(await totals()).toBe(0);
  });
});
