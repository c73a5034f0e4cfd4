import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { customer } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;
const money = (amount: string) => ({ amount, currency: 'CNY' });

describe('hand-over of a departing salesperson’s book (R-SP7)', () => {
  let t: TestApp;
  let manager: User;
  let leaving: User;
  let successor: User;
  let otherManager: User;

  beforeAll(async () => {
    // Slices of 4, so that every kind of record takes several slices.
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000', HANDOVER_SLICE_SIZE: '4' });
    manager = await createUser(t, ['manager']);
    leaving = await createUser(t, ['sales'], { managerId: manager.id });
    successor = await createUser(t, ['sales'], { managerId: manager.id });
    otherManager = await createUser(t, ['manager']);
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  const count = async (sql: string, values: unknown[]) => (await t.db.query(sql, values)).rows[0].n as number;

  it('moves customers, open leads, open opportunities and unsent quotes in slices, history and events intact', async () => {
    const customers = [];
    for (let i = 0; i < 10; i += 1) customers.push(await customer(t, leaving.token));
    const region = `区域-${randomUUID().slice(0, 8)}`;
    await t.http
      .post(`${API}/admin/lead-assignment-rules`)
      .set(bearer(t.adminToken))
      .send({ name: region, regions: [region], strategy: 'round_robin', salespeople: [leaving.id] })
      .expect(201);
    const leads = [];
    for (let i = 0; i < 6; i += 1)
      leads.push(
        (
          await t.http
            .post(`${API}/leads`)
            .set(bearer(leaving.token))
            .send({ name: `交接 ${i}`, source: 'other', region })
            .expect(201)
        ).body,
      );
    await t.http
      .post(`${API}/leads/${leads[5].id}/status`)
      .set(bearer(leaving.token))
      .send({ status: 'disqualified', reason: '无效' })
      .expect(200);
    const opportunities = [];
    for (let i = 0; i < 5; i += 1)
      opportunities.push(
        (
          await t.http
            .post(`${API}/opportunities`)
            .set(bearer(leaving.token))
            .send({ name: `机会 ${i}`, customerId: customers[i].id, amount: money('100.00') })
            .expect(201)
        ).body,
      );
    await t.http
      .post(`${API}/opportunities/${opportunities[4].id}/won`)
      .set(bearer(leaving.token))
      .send({})
      .expect(200);
    const product = (
      await t.http
        .post(`${API}/products`)
        .set(bearer(manager.token))
        .send({ code: 'HO-1', name: '交接品', unit: '台', listPrice: money('10.00') })
        .expect(201)
    ).body;
    const quotes = [];
    for (let i = 0; i < 3; i += 1)
      quotes.push(
        (
          await t.http
            .post(`${API}/quotes`)
            .set(bearer(leaving.token))
            .send({ opportunityId: opportunities[i].id, lines: [{ productId: product.id, quantity: 1 }] })
            .expect(201)
        ).body,
      );
    await t.http.post(`${API}/quotes/${quotes[2].id}/send`).set(bearer(leaving.token)).expect(200);

    const started = await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: leaving.id, toUserId: successor.id })
      .expect(202);
    expect(started.body).toMatchObject({
      status: 'running',
      include: ['customers', 'leads', 'opportunities', 'quotes'],
    });
    const done = await waitFor(
      async () => {
        const shown = await t.http
          .get(`${API}/admin/reassign/${started.body.id}`)
          .set(bearer(manager.token))
          .expect(200);
        return shown.body.status === 'done' && shown.body;
      },
      60_000,
      'the hand-over to finish',
    );
    expect(done.moved).toStrictEqual({ customers: 10, leads: 5, opportunities: 4, quotes: 2 });

    expect(await count(`SELECT count(*)::int AS n FROM customers WHERE owner_id = $1`, [successor.id])).toBe(10);
    expect(await count(`SELECT count(*)::int AS n FROM customers WHERE owner_id = $1`, [leaving.id])).toBe(0);
    // What is closed stays with the one who closed it: the disqualified lead, the won opportunity, the sent quote.
    expect((await t.db.query(`SELECT owner_id FROM leads WHERE id = $1`, [leads[5].id])).rows[0].owner_id).toBe(
      leaving.id,
    );
    expect(
      (await t.db.query(`SELECT owner_id FROM opportunities WHERE id = $1`, [opportunities[4].id])).rows[0].owner_id,
    ).toBe(leaving.id);
    expect((await t.db.query(`SELECT owner_id FROM quotes WHERE id = $1`, [quotes[2].id])).rows[0].owner_id).toBe(
      leaving.id,
    );
    await t.http.get(`${API}/leads/${leads[0].id}`).set(bearer(successor.token)).expect(200);
    await t.http.get(`${API}/leads/${leads[0].id}`).set(bearer(leaving.token)).expect(404);

    const history = await t.db.query(
      `SELECT entity_type, count(*)::int AS n, count(DISTINCT entity_id)::int AS records FROM ownership_history
        WHERE reassignment_id = $1 AND from_user_id = $2 AND to_user_id = $3 GROUP BY entity_type ORDER BY entity_type`,
      [started.body.id, leaving.id, successor.id],
    );
    expect(history.rows).toStrictEqual([
      { entity_type: 'customer', n: 10, records: 10 },
      { entity_type: 'lead', n: 5, records: 5 },
      { entity_type: 'opportunity', n: 4, records: 4 },
      { entity_type: 'quote', n: 2, records: 2 },
    ]);
    const events = await t.db.query(
      `SELECT type, count(*)::int AS n FROM outbox
        WHERE type LIKE '%.owner_changed' OR type = 'sales.book_reassigned' GROUP BY type ORDER BY type`,
    );
    expect(events.rows).toStrictEqual([
      { type: 'customer.owner_changed', n: 10 },
      { type: 'lead.owner_changed', n: 5 },
      { type: 'opportunity.owner_changed', n: 4 },
      { type: 'quote.owner_changed', n: 2 },
      { type: 'sales.book_reassigned', n: 1 },
    ]);
    const audit = await t.db.query(
      `SELECT action, actor_id, count(*)::int AS n FROM audit_log WHERE action IN ('customer.owner_changed', 'sales.book_reassigned')
        GROUP BY action, actor_id ORDER BY action`,
    );
    expect(audit.rows).toStrictEqual([
      { action: 'customer.owner_changed', actor_id: manager.id, n: 10 },
      { action: 'sales.book_reassigned', actor_id: manager.id, n: 1 },
    ]);
  });

  it('is an administrator’s or the team manager’s, and refuses a successor who cannot own a book', async () => {
    const body = { fromUserId: leaving.id, toUserId: successor.id };
    await t.http.post(`${API}/admin/reassign`).set(bearer(leaving.token)).send(body).expect(403);
    await t.http.post(`${API}/admin/reassign`).set(bearer(otherManager.token)).send(body).expect(403);
    await t.http.post(`${API}/admin/reassign`).send(body).expect(401);
    const agent = await createUser(t, ['agent']);
    const refused = await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(t.adminToken))
      .send({ fromUserId: leaving.id, toUserId: agent.id })
      .expect(422);
    expect(refused.body.errors[0].field).toBe('toUserId');
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(t.adminToken))
      .send({ fromUserId: leaving.id, toUserId: leaving.id })
      .expect(422);
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(t.adminToken))
      .send({ ...body, include: ['desks'] })
      .expect(400);
    await t.http.get(`${API}/admin/reassign/${randomUUID()}`).set(bearer(t.adminToken)).expect(404);
  });
});
