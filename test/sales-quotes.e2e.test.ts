import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { customer } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;
const money = (amount: string) => ({ amount, currency: 'CNY' });

describe('one price list and quotes with approved discounts (R-SP6)', () => {
  let t: TestApp;
  let manager: User;
  let seller: User;
  let colleague: User;
  let otherManager: User;
  let purifier: { id: string };
  let filter: { id: string };

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    seller = await createUser(t, ['sales'], { managerId: manager.id });
    colleague = await createUser(t, ['sales'], { managerId: manager.id });
    otherManager = await createUser(t, ['manager']);
    purifier = await product({ code: 'RO-200', name: '商用反渗透净水器', unit: '台', listPrice: money('1999.00') });
    filter = await product({ code: 'PP-10', name: 'PP 滤芯', unit: '支', listPrice: money('35.50') });
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  async function product(body: Record<string, unknown>, token = manager.token) {
    const response = await t.http.post(`${API}/products`).set(bearer(token)).send(body);
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body;
  }
  const opportunity = async (owner: User) => {
    const { id: customerId } = await customer(t, owner.token);
    return (
      await t.http
        .post(`${API}/opportunities`)
        .set(bearer(owner.token))
        .send({ name: '净水改造', customerId, amount: money('40000.00') })
        .expect(201)
    ).body;
  };
  const quote = async (owner: User, lines: Record<string, unknown>[]) => {
    const { id: opportunityId } = await opportunity(owner);
    const response = await t.http.post(`${API}/quotes`).set(bearer(owner.token)).send({ opportunityId, lines });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body;
  };
  const act = (id: string, action: string, token: string, body: Record<string, unknown> = {}) =>
    t.http.post(`${API}/quotes/${id}/${action}`).set(bearer(token)).send(body);
  const tasksAbout = async (quoteId: string) =>
    (
      await t.db.query(
        `SELECT kind, assignee_id AS "assigneeId", assignee_role AS "assigneeRole" FROM tasks WHERE subject_id = $1`,
        [quoteId],
      )
    ).rows;

  describe('the price list', () => {
    it('is kept by managers and administrators, read by sellers, and refuses a duplicate code', async () => {
      await t.http
        .post(`${API}/products`)
        .set(bearer(seller.token))
        .send({ code: 'X-1', name: 'x', unit: '台', listPrice: money('1.00') })
        .expect(403);
      await t.http
        .post(`${API}/products`)
        .set(bearer(manager.token))
        .send({ code: 'RO-200', name: 'x', unit: '台', listPrice: money('1.00') })
        .expect(409);
      await t.http
        .post(`${API}/products`)
        .set(bearer(t.adminToken))
        .send({ code: 'X-2', name: 'x', unit: '台', listPrice: { amount: '1.00', currency: 'USD' } })
        .expect(422);
      // No price, or a price that is not an object: a validation error, not a 500 (found by the fuzz suite).
      for (const listPrice of [undefined, '1.00'])
        await t.http
          .post(`${API}/products`)
          .set(bearer(t.adminToken))
          .send({ code: 'X-3', name: 'x', unit: '台', listPrice })
          .expect(400);
      const listed = await t.http.get(`${API}/products`).set(bearer(seller.token)).expect(200);
      expect(listed.body.data.map((row: { code: string }) => row.code)).toEqual(
        expect.arrayContaining(['RO-200', 'PP-10']),
      );
      const shown = await t.http.get(`${API}/products/${purifier.id}`).set(bearer(seller.token)).expect(200);
      expect(shown.body).toMatchObject({ code: 'RO-200', listPrice: money('1999.00'), active: true, version: 1 });
    });

    it('changes a price with If-Match; quotes made before keep the price they were made with', async () => {
      const item = await product({
        code: `T-${randomUUID().slice(0, 6)}`,
        name: '试用品',
        unit: '个',
        listPrice: money('10.00'),
      });
      const before = await quote(seller, [{ productId: item.id, quantity: 2 }]);
      await t.http
        .patch(`${API}/products/${item.id}`)
        .set(bearer(manager.token))
        .set('if-match', '9')
        .send({ listPrice: money('12.00') })
        .expect(412);
      await t.http
        .patch(`${API}/products/${item.id}`)
        .set(bearer(manager.token))
        .set('if-match', '1')
        .send({ listPrice: money('12.00') })
        .expect(200);
      const after = await quote(seller, [{ productId: item.id, quantity: 2 }]);
      expect(after.total).toStrictEqual(money('24.00'));
      expect(
        (await t.http.get(`${API}/quotes/${before.id}`).set(bearer(seller.token)).expect(200)).body.total,
      ).toStrictEqual(money('20.00'));
      await t.http.patch(`${API}/products/${item.id}`).set(bearer(manager.token)).send({ active: false }).expect(200);
      const { id: opportunityId } = await opportunity(seller);
      const inactive = await t.http
        .post(`${API}/quotes`)
        .set(bearer(seller.token))
        .send({
          opportunityId,
          lines: [
            { productId: purifier.id, quantity: 1 },
            { productId: item.id, quantity: 1 },
          ],
        })
        .expect(422);
      expect(inactive.body.errors).toStrictEqual([
        { field: 'lines.1.productId', message: 'not a product on the price list' },
      ]);
    });
  });

  describe('quotes', () => {
    it('prices every line from the price list: a discount within the limit is approved at once and can be sent', async () => {
      const made = await quote(seller, [
        { productId: purifier.id, quantity: 3, discountPercent: 5 },
        { productId: filter.id, quantity: 10 },
      ]);
      // 1999.00 × 95% = 1899.05 × 3 = 5697.15; 35.50 × 10 = 355.00.
      expect(made).toMatchObject({ status: 'approved', maxDiscountPercent: 5, total: money('6052.15'), revision: 1 });
      expect(made.lines[0]).toMatchObject({
        listPrice: money('1999.00'),
        unitPrice: money('1899.05'),
        lineTotal: money('5697.15'),
      });
      expect(made.number).toMatch(/^Q\d+$/);
      const sent = await act(made.id, 'send', seller.token).expect(200);
      expect(sent.body.status).toBe('sent');
      const twice = await act(made.id, 'send', seller.token).expect(409);
      expect(twice.body.type).toBe('/problems/quote-not-approved');
    });

    it('puts a discount beyond the limit up for the manager’s approval; unapproved it cannot be sent; approved it can', async () => {
      const made = await quote(seller, [{ productId: purifier.id, quantity: 1, discountPercent: 15 }]);
      expect(made.status).toBe('pending_approval');
      expect(await tasksAbout(made.id)).toStrictEqual([
        { kind: 'quote.approval', assigneeId: manager.id, assigneeRole: null },
      ]);
      const early = await act(made.id, 'send', seller.token).expect(409);
      expect(early.body.detail).toBe(`Quote ${made.number} is pending approval: only an approved quote can be sent.`);
      await act(made.id, 'approve', seller.token).expect(403);
      await act(made.id, 'approve', otherManager.token).expect(404);
      const approved = await act(made.id, 'approve', manager.token, { reason: '首单' }).expect(200);
      expect(approved.body).toMatchObject({ status: 'approved', decidedBy: manager.id, decisionReason: '首单' });
      await act(made.id, 'approve', manager.token).expect(409);
      await act(made.id, 'send', seller.token).expect(200);
      const events = await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [made.id]);
      expect(events.rows.map((row: { type: string }) => row.type)).toStrictEqual([
        'quote.created',
        'quote.approval_requested',
        'quote.approved',
        'quote.sent',
      ]);
    });

    it('rejects with a reason, and a rejected quote is never sent', async () => {
      const made = await quote(seller, [{ productId: filter.id, quantity: 5, discountPercent: 20 }]);
      await act(made.id, 'reject', manager.token).expect(400);
      const rejected = await act(made.id, 'reject', manager.token, { reason: '折扣过大' }).expect(200);
      expect(rejected.body).toMatchObject({ status: 'rejected', decisionReason: '折扣过大' });
      await act(made.id, 'send', seller.token).expect(409);
    });

    it('needs an administrator beyond the manager limit, and follows the limits an administrator sets', async () => {
      const beyond = await quote(seller, [{ productId: purifier.id, quantity: 1, discountPercent: 30 }]);
      expect(await tasksAbout(beyond.id)).toStrictEqual([
        { kind: 'quote.approval', assigneeId: null, assigneeRole: 'admin' },
      ]);
      await act(beyond.id, 'approve', manager.token).expect(403);
      await act(beyond.id, 'approve', t.adminToken).expect(200);
      await t.http
        .put(`${API}/admin/discount-limits`)
        .set(bearer(manager.token))
        .send({ sales: 20, manager: 40 })
        .expect(403);
      await t.http
        .put(`${API}/admin/discount-limits`)
        .set(bearer(t.adminToken))
        .send({ sales: 20, manager: 10 })
        .expect(400);
      await t.http
        .put(`${API}/admin/discount-limits`)
        .set(bearer(t.adminToken))
        .send({ sales: 20, manager: 40 })
        .expect(200);
      try {
        expect((await quote(seller, [{ productId: purifier.id, quantity: 1, discountPercent: 15 }])).status).toBe(
          'approved',
        );
        expect((await quote(manager, [{ productId: purifier.id, quantity: 1, discountPercent: 35 }])).status).toBe(
          'approved',
        );
      } finally {
        await t.http
          .put(`${API}/admin/discount-limits`)
          .set(bearer(t.adminToken))
          .send({ sales: 10, manager: 25 })
          .expect(200);
      }
      const limits = await t.http.get(`${API}/admin/discount-limits`).set(bearer(t.adminToken)).expect(200);
      expect(limits.body).toStrictEqual({ sales: 10, manager: 25 });
    });

    it('never changes a sent quote: a revision replaces it, and only the latest revision can be revised', async () => {
      const made = await quote(seller, [{ productId: purifier.id, quantity: 1 }]);
      await act(made.id, 'send', seller.token).expect(200);
      const revised = await t.http
        .post(`${API}/quotes/${made.id}/revisions`)
        .set(bearer(seller.token))
        .send({ lines: [{ productId: purifier.id, quantity: 2, discountPercent: 12 }] })
        .expect(201);
      expect(revised.body).toMatchObject({
        number: made.number,
        revision: 2,
        supersedesId: made.id,
        status: 'pending_approval',
      });
      const original = await t.http.get(`${API}/quotes/${made.id}`).set(bearer(seller.token)).expect(200);
      expect(original.body).toMatchObject({ status: 'sent', total: money('1999.00'), version: made.version + 1 });
      const stale = await t.http
        .post(`${API}/quotes/${made.id}/revisions`)
        .set(bearer(seller.token))
        .send({ lines: [{ productId: purifier.id, quantity: 1 }] })
        .expect(409);
      expect(stale.body.type).toBe('/problems/quote-superseded');
      // An unsent revision that is replaced becomes superseded and can no longer be sent.
      const third = await t.http
        .post(`${API}/quotes/${revised.body.id}/revisions`)
        .set(bearer(seller.token))
        .send({ lines: [{ productId: purifier.id, quantity: 2 }] })
        .expect(201);
      expect(third.body).toMatchObject({ revision: 3, status: 'approved' });
      const second = await t.http.get(`${API}/quotes/${revised.body.id}`).set(bearer(seller.token)).expect(200);
      expect(second.body.status).toBe('superseded');
      await act(revised.body.id, 'approve', manager.token).expect(409);
    });

    it('keeps a salesperson to their own quotes and a manager to the team’s (404), and validates lines', async () => {
      const made = await quote(seller, [{ productId: filter.id, quantity: 1 }]);
      await t.http.get(`${API}/quotes/${made.id}`).set(bearer(colleague.token)).expect(404);
      await t.http.get(`${API}/quotes/${made.id}`).set(bearer(otherManager.token)).expect(404);
      await t.http.get(`${API}/quotes/${made.id}`).set(bearer(manager.token)).expect(200);
      await act(made.id, 'send', colleague.token).expect(404);
      const marketing = await createUser(t, ['marketing']);
      await t.http.get(`${API}/quotes/${made.id}`).set(bearer(marketing.token)).expect(403);
      await t.http.get(`${API}/quotes/${made.id}`).expect(401);
      const { id: opportunityId } = await opportunity(seller);
      await t.http
        .post(`${API}/quotes`)
        .set(bearer(colleague.token))
        .send({ opportunityId, lines: [{ productId: filter.id, quantity: 1 }] })
        .expect(422);
      for (const lines of [
        [],
        [{ productId: filter.id, quantity: 0 }],
        [{ productId: filter.id, quantity: 1, discountPercent: 101 }],
        [{ productId: filter.id, quantity: 1, discountPercent: 1.234 }],
      ])
        await t.http.post(`${API}/quotes`).set(bearer(seller.token)).send({ opportunityId, lines }).expect(400);
      const mine = await t.http
        .get(`${API}/quotes?opportunityId=${made.opportunityId}`)
        .set(bearer(seller.token))
        .expect(200);
      expect(mine.body.data.map((row: { id: string }) => row.id)).toStrictEqual([made.id]);
      const theirs = await t.http
        .get(`${API}/quotes?opportunityId=${made.opportunityId}`)
        .set(bearer(colleague.token))
        .expect(200);
      expect(theirs.body.data).toStrictEqual([]);
    });
  });
});
