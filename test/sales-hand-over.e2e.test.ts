import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { CustomersService } from '../src/modules/customers/customers.service.js';
import { TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { customer, purchase } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;
/** Ends a transaction a test held open, undoing what it did. */
class RolledBack extends Error {}
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
  const finished = (id: string, what: string) =>
    waitFor(
      async () => {
        const shown = await t.http.get(`${API}/admin/reassign/${id}`).set(bearer(manager.token)).expect(200);
        return shown.body.status === 'done' && shown.body;
      },
      60_000,
      what,
    );

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
    const done = await finished(started.body.id, 'the hand-over to finish');
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

  it('spreads a book over the assignment rules’ salespeople of the team, each record by its rule, opportunities following their customer', async () => {
    const departing = await createUser(t, ['sales'], { managerId: manager.id });
    const [east1, east2, south] = [
      await createUser(t, ['sales'], { managerId: manager.id }),
      await createUser(t, ['sales'], { managerId: manager.id }),
      await createUser(t, ['sales'], { managerId: manager.id }),
    ];
    const outsider = await createUser(t, ['sales'], { managerId: otherManager.id });
    const [east, southern, far] = ['东', '南', '远'].map((name) => `${name}-${randomUUID().slice(0, 8)}`);
    const rule = (body: Record<string, unknown>) =>
      t.http.post(`${API}/admin/lead-assignment-rules`).set(bearer(t.adminToken)).send(body).expect(201);
    // The east rule names the departing salesperson while their leads arrive, then the two who stay.
    const eastRule = await rule({ name: east, regions: [east], strategy: 'round_robin', salespeople: [departing.id] });
    await rule({ name: southern, regions: [southern], strategy: 'fewest_open', salespeople: [south.id, departing.id] });
    await rule({ name: far, regions: [far], strategy: 'round_robin', salespeople: [outsider.id] });
    const lead = async (region: string) =>
      (
        await t.http
          .post(`${API}/leads`)
          .set(bearer(departing.token))
          .send({ name: `分配 ${region}`, source: 'other', region })
          .expect(201)
      ).body;
    const leads = [await lead(east), await lead(east)];
    expect(leads.map((created) => created.ownerId)).toStrictEqual([departing.id, departing.id]);
    await t.http
      .patch(`${API}/admin/lead-assignment-rules/${eastRule.body.id}`)
      .set(bearer(t.adminToken))
      .set('if-match', String(eastRule.body.version))
      .send({ salespeople: [east1.id, east2.id, departing.id] })
      .expect(200);
    const eastCustomers = [];
    for (let i = 0; i < 4; i += 1) eastCustomers.push(await customer(t, departing.token, { region: east }));
    const southCustomer = await customer(t, departing.token, { region: southern });
    const farCustomer = await customer(t, departing.token, { region: far });
    const opportunity = (
      await t.http
        .post(`${API}/opportunities`)
        .set(bearer(departing.token))
        .send({ name: '跟随客户', customerId: southCustomer.id, amount: money('300.00') })
        .expect(201)
    ).body;

    // Both or neither of a successor and a spread: 422.
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: departing.id, toUserId: east1.id, spread: 'assignment_rules' })
      .expect(422);
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: departing.id })
      .expect(422);
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: departing.id, spread: 'evenly' })
      .expect(400);
    // Another team's manager may not spread this book.
    await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(otherManager.token))
      .send({ fromUserId: departing.id, spread: 'assignment_rules' })
      .expect(403);

    const started = await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(manager.token))
      .send({ fromUserId: departing.id, spread: 'assignment_rules' })
      .expect(202);
    expect(started.body).toMatchObject({ toUserId: null, spread: 'assignment_rules', status: 'running' });
    const done = await finished(started.body.id, 'the spread to finish');
    expect(done.moved).toStrictEqual({ customers: 6, leads: 2, opportunities: 1, quotes: 0 });

    const ownerOf = async (table: string, id: string) =>
      (await t.db.query(`SELECT owner_id FROM ${table} WHERE id = $1`, [id])).rows[0].owner_id as string;
    // East: round robin over the two who stay, the departing salesperson passed over — two customers and one lead each.
    const eastOwners = [
      ...(await Promise.all(eastCustomers.map((c) => ownerOf('customers', c.id)))),
      ...(await Promise.all(leads.map((l) => ownerOf('leads', l.id)))),
    ];
    expect(eastOwners.filter((id) => id === east1.id)).toHaveLength(3);
    expect(eastOwners.filter((id) => id === east2.id)).toHaveLength(3);
    // South: its rule's only other salesperson; the opportunity follows its customer.
    expect(await ownerOf('customers', southCustomer.id)).toBe(south.id);
    expect(await ownerOf('opportunities', opportunity.id)).toBe(south.id);
    // Far: its rule names only someone outside the manager's team and there is no default rule, so the customer
    // goes in turn to one of the team whom some rule names (the first test's departing salesperson included).
    expect([east1.id, east2.id, south.id, leaving.id]).toContain(await ownerOf('customers', farCustomer.id));
    expect(await count(`SELECT count(*)::int AS n FROM customers WHERE owner_id = $1`, [departing.id])).toBe(0);

    const history = await t.db.query(
      `SELECT entity_id::text AS id, to_user_id::text AS "to" FROM ownership_history WHERE reassignment_id = $1`,
      [started.body.id],
    );
    expect(history.rows).toHaveLength(9);
    for (const row of history.rows)
      expect(row.to).toBe(
        await ownerOf(
          row.id === opportunity.id ? 'opportunities' : leads.some((l) => l.id === row.id) ? 'leads' : 'customers',
          row.id,
        ),
      );
    const events = await t.db.query(
      `SELECT payload->>'customerId' AS id, payload->>'toUserId' AS "to" FROM outbox
        WHERE type = 'customer.owner_changed' AND payload->>'reassignmentId' = $1`,
      [started.body.id],
    );
    expect(events.rows).toHaveLength(6);
    for (const row of events.rows) expect(row.to).toBe(await ownerOf('customers', row.id));
  });

  it('refuses to spread a book when the rules name nobody of the team who may take it', async () => {
    const loneManager = await createUser(t, ['manager']);
    const departing = await createUser(t, ['sales'], { managerId: loneManager.id });
    const refused = await t.http
      .post(`${API}/admin/reassign`)
      .set(bearer(loneManager.token))
      .send({ fromUserId: departing.id, spread: 'assignment_rules' })
      .expect(422);
    expect(refused.body.errors[0].field).toBe('spread');
  });

  it('never makes a purchase wait for a slice that holds its customer', async () => {
    const departing = await createUser(t, ['sales'], { managerId: manager.id });
    const held = await customer(t, departing.token);
    const customers = t.app.get(CustomersService);
    // A slice's transaction stays open (its rows locked) while a purchase is recorded for one of its customers:
    // the purchase must commit without waiting, or pg_stat_activity shows it waiting on a lock.
    await t.app
      .get(TransactionRunner)
      .run(async (tx) => {
        const moved = await customers.handOverSlice(tx, {
          fromUserId: departing.id,
          toUserId: successor.id,
          limit: 10,
          reassignmentId: randomUUID(),
          actorId: manager.id,
          requestId: null,
        });
        expect(moved).toStrictEqual([held.id]);
        let settled = false;
        const recorded = purchase(t, t.adminToken, held.id).then(() => {
          settled = true;
          return 'recorded' as const;
        });
        const blocked = (async () => {
          for (; !settled; await new Promise((resolve) => setTimeout(resolve, 50))) {
            const waiting = await t.db.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%purchases%'`,
            );
            if (waiting.rows[0].n > 0) return 'blocked' as const;
          }
          return 'recorded' as const;
        })();
        expect(await Promise.race([recorded, blocked])).toBe('recorded');
        await blocked;
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
  });
});
