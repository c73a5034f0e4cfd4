import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customer, purchase, serviceRequest } from './support/factories.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

describe('duplicates and merge', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let otherSales: User;
  let agent: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id });
    otherSales = await createUser(t, ['sales']);
    agent = await createUser(t, ['agent']);
  });
  afterAll(() => t.close());

  /** Every table with a customer_id column, from the catalogue, and how many rows each has for the customer. */
  async function rowsOf(customerId: string): Promise<Record<string, number>> {
    const { rows: tables } = await t.db.query(
      `SELECT table_name AS name FROM information_schema.columns
       WHERE table_schema = 'public' AND column_name = 'customer_id' ORDER BY table_name`,
    );
    const counts: Record<string, number> = {};
    for (const { name } of tables) {
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ${name} WHERE customer_id = $1`, [customerId]);
      counts[name] = rows[0].n;
    }
    return counts;
  }

  async function loyalty(customerId: string) {
    const { rows } = await t.db.query(
      `SELECT (SELECT balance::int FROM loyalty_accounts WHERE customer_id = $1) AS balance,
              (SELECT coalesce(sum(points), 0)::int FROM loyalty_ledger WHERE customer_id = $1) AS ledger`,
      [customerId],
    );
    return rows[0] as { balance: number | null; ledger: number };
  }

  async function consents(customerId: string) {
    const { rows } = await t.db.query(
      `SELECT channel, opted_in AS "optedIn" FROM customer_consents WHERE customer_id = $1 ORDER BY channel`,
      [customerId],
    );
    return rows;
  }

  /** A customer with a purchase (and its points), an adjustment, a service request, an interaction and consents. */
  async function customerWithHistory(
    fields: Record<string, unknown>,
    channels: { channel: string; optedIn: boolean }[],
  ) {
    const made = await customer(t, sales.token, fields);
    await purchase(t, sales.token, made.id, '300.00');
    await t.http
      .post(`${API}/customers/${made.id}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 100, reason: '开户赠送积分' })
      .expect(201);
    await serviceRequest(t, agent.token, made.id);
    await t.http
      .post(`${API}/customers/${made.id}/interactions`)
      .set(bearer(agent.token))
      .send({ channel: 'phone', direction: 'inbound', summary: '咨询滤芯' })
      .expect(201);
    await t.http
      .put(`${API}/customers/${made.id}/consents`)
      .set(bearer(sales.token))
      .send({ channels, source: '电话确认' })
      .expect(200);
    // the purchase's points and the tier it earns are written by workers: wait for both before merging
    await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT (SELECT count(*) FROM loyalty_ledger WHERE customer_id = $1)::int AS ledger,
                  (SELECT count(*) FROM tier_history WHERE customer_id = $1)::int AS tiers`,
          [made.id],
        );
        return rows[0].ledger >= 2 && rows[0].tiers >= 1;
      },
      30_000,
      'the purchase points and tier',
    );
    return made;
  }

  it('scores duplicate candidates by phone, e-mail and a Chinese name, with the reason for each', async () => {
    const a = await customer(t, sales.token, { name: '欧阳明月', mobile: '13912345670', email: 'oymy@example.cn' });
    const b = await customer(t, sales.token, { name: '欧阳 明月', mobile: '139 1234 5670' });
    const c = await customer(t, sales.token, { name: '欧阳明日', email: 'OYMY@example.cn' });
    const d = await customer(t, sales.token, { name: '司马光', mobile: '13700000001' });

    const response = await t.http.get(`${API}/customers/${a.id}/duplicates`).set(bearer(agent.token)).expect(200);
    const byId = new Map(
      response.body.data.map((candidate: { candidateId: string }) => [candidate.candidateId, candidate]),
    );
    expect(byId.get(b.id)).toMatchObject({
      customerId: a.id,
      score: 80,
      reasons: [
        { field: 'phone', points: 50 },
        { field: 'name', points: 30 },
      ],
    });
    // 欧阳明月 / 欧阳明日 share 欧, 阳, 明, 欧阳 and 阳明 of 9 grams: 56 % alike, 17 points, beside the e-mail's 40
    expect(byId.get(c.id)).toMatchObject({
      score: 57,
      reasons: [
        { field: 'email', points: 40 },
        { field: 'name', points: 17 },
      ],
    });
    expect(byId.has(d.id)).toBe(false);
    expect(response.body.data[0].candidateId).toBe(b.id); // best first

    // the whole-database list pages pairs in id order
    const pairs: { customerId: string; candidateId: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http
        .get(`${API}/customers/duplicates`)
        .query({ limit: 1, ...(cursor ? { cursor } : {}) })
        .set(bearer(manager.token))
        .expect(200);
      pairs.push(...page.body.data);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    const key = (x: string, y: string) => [x, y].sort().join('/');
    const keys = pairs.map((pair) => key(pair.customerId, pair.candidateId));
    expect(keys).toContain(key(a.id, b.id));
    expect(keys).toContain(key(a.id, c.id));
    for (const pair of pairs) expect(pair.customerId < pair.candidateId).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('merges two customers with purchases, points, service requests and consents in one go, and undoes it', async () => {
    const survivor = await customerWithHistory({ name: '合并甲', mobile: '13800000011', email: 'old@example.cn' }, [
      { channel: 'sms', optedIn: true },
      { channel: 'email', optedIn: true },
    ]);
    const duplicate = await customerWithHistory(
      { name: '合并甲', mobile: '13800000011', email: 'new@example.cn', region: '浙江' },
      [
        { channel: 'sms', optedIn: false },
        { channel: 'phone', optedIn: true },
      ],
    );
    const survivorBefore = await rowsOf(survivor.id);
    const duplicateBefore = await rowsOf(duplicate.id);
    const pointsBefore = [(await loyalty(survivor.id)).balance!, (await loyalty(duplicate.id)).balance!];

    const merged = await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(manager.token))
      .send({ duplicateId: duplicate.id, fieldChoices: { email: 'duplicate' } })
      .expect(200);
    expect(merged.body).toMatchObject({ survivorId: survivor.id, duplicateId: duplicate.id, undoneAt: null });
    expect(merged.body.moved.customers).toMatchObject({ purchases: 1, interactions: 1, customer_consents: 2 });
    expect(merged.body.moved.loyalty).toMatchObject({ loyalty_ledger: 2, points: pointsBefore[1] });
    expect(merged.body.moved['service-requests']).toStrictEqual({ service_requests: 1 });

    // every child row of the duplicate moved (from the catalogue: every table with a customer_id)
    const after = await rowsOf(duplicate.id);
    const left = Object.entries(after).filter(
      ([table, n]) => n > 0 && !['loyalty_accounts', 'customer_values'].includes(table),
    );
    expect(left).toStrictEqual([]);
    const survivorAfter = await rowsOf(survivor.id);
    for (const table of [
      'purchases',
      'interactions',
      'loyalty_ledger',
      'service_requests',
      'customer_timeline_entries',
    ])
      expect(survivorAfter[table]).toBe(survivorBefore[table] + duplicateBefore[table]);
    // balances summed; the survivor's ledger still sums to its balance; the duplicate's account is empty
    const points = await loyalty(survivor.id);
    expect(points.balance).toBe(pointsBefore[0] + pointsBefore[1]);
    expect(points.ledger).toBe(points.balance);
    expect((await loyalty(duplicate.id)).balance).toBe(0);
    // the stricter consent wins; a channel only the duplicate had comes along
    expect(await consents(survivor.id)).toStrictEqual([
      { channel: 'email', optedIn: true },
      { channel: 'phone', optedIn: true },
      { channel: 'sms', optedIn: false },
    ]);
    // profile: the chosen e-mail, the region the survivor lacked
    const profile = await t.http.get(`${API}/customers/${survivor.id}`).set(bearer(manager.token)).expect(200);
    expect(profile.body).toMatchObject({ email: 'new@example.cn', region: '浙江', mobile: '+8613800000011' });
    // the duplicate's id resolves to the survivor
    const gone = await t.http.get(`${API}/customers/${duplicate.id}`).set(bearer(agent.token)).expect(308);
    expect(gone.headers.location).toBe(`/api/v1/customers/${survivor.id}`);
    // an event without personal data, and an audit row
    const { rows: events } = await t.db.query(
      `SELECT payload FROM outbox WHERE type = 'customer.merged' AND aggregate_id = $1`,
      [survivor.id],
    );
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0].payload)).not.toMatch(/合并甲|13800000011|example\.cn/);
    const { rows: audit } = await t.db.query(
      `SELECT actor_id FROM audit_log WHERE action = 'customer.merged' AND entity_id = $1`,
      [survivor.id],
    );
    expect(audit).toStrictEqual([{ actor_id: manager.id }]);
    // a retried merge answers with the first one and moves nothing again
    const again = await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(manager.token))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    expect(again.body.id).toBe(merged.body.id);
    expect(
      (
        await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'customer.merged' AND aggregate_id = $1`, [
          survivor.id,
        ])
      ).rows[0].n,
    ).toBe(1);
    const log = await t.http.get(`${API}/customers/${survivor.id}/merges`).set(bearer(agent.token)).expect(200);
    expect(log.body.data.map((entry: { id: string }) => entry.id)).toStrictEqual([merged.body.id]);

    // undo: everything goes back
    const undone = await t.http
      .post(`${API}/customers/merges/${merged.body.id}/undo`)
      .set(bearer(manager.token))
      .expect(200);
    expect(undone.body.undoneAt).not.toBeNull();
    expect(await rowsOf(duplicate.id)).toStrictEqual(duplicateBefore);
    expect(await rowsOf(survivor.id)).toStrictEqual(survivorBefore);
    expect((await loyalty(survivor.id)).balance).toBe(pointsBefore[0]);
    expect((await loyalty(duplicate.id)).balance).toBe(pointsBefore[1]);
    expect(await consents(survivor.id)).toStrictEqual([
      { channel: 'email', optedIn: true },
      { channel: 'sms', optedIn: true },
    ]);
    expect(await consents(duplicate.id)).toStrictEqual([
      { channel: 'phone', optedIn: true },
      { channel: 'sms', optedIn: false },
    ]);
    const restored = await t.http.get(`${API}/customers/${survivor.id}`).set(bearer(manager.token)).expect(200);
    expect(restored.body).toMatchObject({ email: 'old@example.cn', region: null });
    await t.http.get(`${API}/customers/${duplicate.id}`).set(bearer(manager.token)).expect(200);
    // undoing twice is the same undo
    const twice = await t.http
      .post(`${API}/customers/merges/${merged.body.id}/undo`)
      .set(bearer(manager.token))
      .expect(200);
    expect(twice.body.undoneAt).toBe(undone.body.undoneAt);
  }, 120_000);

  it('refuses to undo once the points that came with the duplicate were spent, changing nothing', async () => {
    const survivor = await customer(t, sales.token, { name: '积分甲' });
    const duplicate = await customer(t, sales.token, { name: '积分乙' });
    await t.http
      .post(`${API}/customers/${duplicate.id}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 500, reason: '老积分迁移' })
      .expect(201);
    const merged = await t.http
      .post(`${API}/customers/${survivor.id}/merge`)
      .set(bearer(manager.token))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    await t.http
      .post(`${API}/customers/${survivor.id}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: -400, reason: '兑换礼品扣减' })
      .expect(201);
    const refused = await t.http
      .post(`${API}/customers/merges/${merged.body.id}/undo`)
      .set(bearer(manager.token))
      .expect(409);
    expect(refused.body.type).toBe('/problems/merge-not-undoable');
    expect((await loyalty(survivor.id)).balance).toBe(100);
    await t.http.get(`${API}/customers/${duplicate.id}`).set(bearer(manager.token)).expect(308);
  });

  it('refuses a merge into itself, a bad duplicate id, unknown field choices and a missing duplicate, writing nothing', async () => {
    const a = await customer(t, sales.token, { name: '校验甲' });
    const b = await customer(t, sales.token, { name: '校验乙' });
    const count = async () => (await t.db.query(`SELECT count(*)::int AS n FROM customer_merges`)).rows[0].n;
    const before = await count();
    const merge = (id: string, body: Record<string, unknown>) =>
      t.http.post(`${API}/customers/${id}/merge`).set(bearer(manager.token)).send(body);
    expect((await merge(a.id, { duplicateId: a.id })).status).toBe(422);
    expect((await merge(a.id, { duplicateId: 'not-a-uuid' })).status).toBe(400);
    expect((await merge(a.id, {})).status).toBe(400);
    const choices = await merge(a.id, {
      duplicateId: b.id,
      fieldChoices: { passwordHash: 'duplicate', email: 'both' },
    });
    expect(choices.status).toBe(400);
    expect(choices.body.errors.map((error: { field: string }) => error.field).sort()).toStrictEqual([
      'fieldChoices.email',
      'fieldChoices.passwordHash',
    ]);
    expect((await merge(a.id, { duplicateId: '00000000-0000-4000-8000-000000000000' })).status).toBe(422);
    expect((await merge('00000000-0000-4000-8000-000000000000', { duplicateId: b.id })).status).toBe(404);
    expect((await merge(a.id, { duplicateId: b.id, extra: 1 })).status).toBe(400);
    await t.http.get(`${API}/customers/not-a-uuid/duplicates`).set(bearer(agent.token)).expect(400);
    await t.http
      .get(`${API}/customers/duplicates`)
      .query({ cursor: 'nonsense' })
      .set(bearer(manager.token))
      .expect(400);
    await t.http
      .post(`${API}/customers/merges/00000000-0000-4000-8000-000000000000/undo`)
      .set(bearer(manager.token))
      .expect(404);
    expect(await count()).toBe(before);
    await t.http.get(`${API}/customers/${b.id}`).set(bearer(manager.token)).expect(200);
  });

  it('lets the owner, their manager, administrators and customers:write keys merge; no one else', async () => {
    const mine = await customer(t, sales.token, { name: '权限甲' });
    const alsoMine = await customer(t, sales.token, { name: '权限乙' });
    const theirs = await customer(t, otherSales.token, { name: '权限丙' });
    const merge = (id: string, duplicateId: string, token?: string) => {
      const request = t.http.post(`${API}/customers/${id}/merge`);
      return (token ? request.set(bearer(token)) : request).send({ duplicateId });
    };
    expect((await merge(mine.id, theirs.id, sales.token)).status).toBe(403); // another salesperson's customer
    expect((await merge(theirs.id, mine.id, sales.token)).status).toBe(403);
    expect((await merge(mine.id, alsoMine.id, agent.token)).status).toBe(403);
    expect((await merge(mine.id, alsoMine.id, await createApiKey(t, ['customers:read']))).status).toBe(403);
    expect((await merge(mine.id, alsoMine.id)).status).toBe(401);
    expect(await rowsOf(theirs.id)).toMatchObject({ purchases: 0 });
    await t.http.get(`${API}/customers/${theirs.id}`).set(bearer(agent.token)).expect(200);

    const bySales = await merge(mine.id, alsoMine.id, sales.token);
    expect(bySales.status).toBe(200);
    await t.http.post(`${API}/customers/merges/${bySales.body.id}/undo`).set(bearer(sales.token)).expect(403);
    await t.http.post(`${API}/customers/merges/${bySales.body.id}/undo`).set(bearer(agent.token)).expect(403);
    await t.http.post(`${API}/customers/merges/${bySales.body.id}/undo`).expect(401);
    await t.http.post(`${API}/customers/merges/${bySales.body.id}/undo`).set(bearer(t.adminToken)).expect(200);
    const byKey = await merge(mine.id, alsoMine.id, await createApiKey(t, ['customers:write']));
    expect(byKey.status).toBe(200);
    const byAdmin = await merge(mine.id, theirs.id, t.adminToken);
    expect(byAdmin.status).toBe(200);

    await t.http.get(`${API}/customers/duplicates`).set(bearer(sales.token)).expect(403);
    await t.http.get(`${API}/customers/duplicates`).set(bearer(agent.token)).expect(403);
    await t.http.get(`${API}/customers/duplicates`).expect(401);
    await t.http.get(`${API}/customers/${mine.id}/duplicates`).expect(401);
    await t.http
      .get(`${API}/customers/${mine.id}/duplicates`)
      .set(bearer(await createApiKey(t, ['leads:write'])))
      .expect(403);
  });
});
