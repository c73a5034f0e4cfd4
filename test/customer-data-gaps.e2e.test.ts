import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customer, serviceRequest } from './support/factories.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

// Gaps found in a read of the code (issue 17): each test here failed before its fix.
describe('customer data: paging, idempotent adjustments, expiring points, commitments', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let agent: User;
  let marketing: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id });
    agent = await createUser(t, ['agent']);
    marketing = await createUser(t, ['marketing']);
  });
  afterAll(() => t.close());

  /** Every item of a list, following nextCursor page by page; fails on any answer but 200. */
  async function allPages(path: string, token: string, limit: number, query: Record<string, string> = {}) {
    const items: { id?: string; key?: string; name?: string }[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await t.http
        .get(`${API}${path}`)
        .query({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) })
        .set(bearer(token));
      expect({ status: response.status, body: response.status === 200 ? null : response.body }).toStrictEqual({
        status: 200,
        body: null,
      });
      items.push(...response.body.data);
      pageSizes.push(response.body.data.length);
      cursor = response.body.nextCursor ?? undefined;
    } while (cursor);
    return { items, pageSizes };
  }

  it('pages the timeline past service-request entries', async () => {
    const { id } = await customer(t, sales.token, { name: '时间线分页' });
    await t.http
      .post(`${API}/customers/${id}/interactions`)
      .set(bearer(agent.token))
      .send({ channel: 'phone', direction: 'inbound', summary: '报修' })
      .expect(201);
    await serviceRequest(t, agent.token, id);
    await serviceRequest(t, agent.token, id, { subject: '滤芯更换' });
    const whole = await t.http.get(`${API}/customers/${id}/timeline`).set(bearer(agent.token)).expect(200);
    expect(whole.body.data.filter((entry: { kind: string }) => entry.kind === 'service_request').length).toBe(2);
    const { items } = await allPages(`/customers/${id}/timeline`, agent.token, 1);
    expect(items.map((entry) => entry.id)).toStrictEqual(whole.body.data.map((entry: { id: string }) => entry.id));
  });

  it('pages tier history beyond 200 changes', async () => {
    const { id } = await customer(t, sales.token, { name: '等级史' });
    await t.db.query(
      `INSERT INTO tier_history (customer_id, old_tier, new_tier, score, monetary, frequency, cause, changed_at)
       SELECT $1, '低', '中', 8, 100, 1, 'test', now() - make_interval(mins => n) FROM generate_series(1, 250) n`,
      [id],
    );
    const first = await t.http
      .get(`${API}/customers/${id}/tier-history`)
      .query({ limit: '200' })
      .set(bearer(agent.token))
      .expect(200);
    expect(first.body.data).toHaveLength(200);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { items, pageSizes } = await allPages(`/customers/${id}/tier-history`, agent.token, 200);
    expect(pageSizes).toStrictEqual([200, 50]);
    const ids = items.map((entry) => Number(entry.id));
    expect(ids).toStrictEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(250);
    await t.http
      .get(`${API}/customers/${id}/tier-history`)
      .query({ cursor: 'not-a-cursor' })
      .set(bearer(agent.token))
      .expect(400);
  });

  it('pages API keys, rewards, custom fields and tier definitions', async () => {
    for (const scope of ['customers:read', 'purchases:write', 'interactions:write']) await createApiKey(t, [scope]);
    for (const [index, cost] of [300, 100, 100, 200].entries())
      await t.http
        .post(`${API}/loyalty/rewards`)
        .set(bearer(marketing.token))
        .send({ name: `礼品${index}`, pointsCost: cost, stock: 5 })
        .expect(201);
    for (const key of ['zeta', 'alpha', 'mid'])
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key, label: key, type: 'text' })
        .expect(201);

    const keys = await allPages('/admin/api-keys', t.adminToken, 2);
    expect(keys.pageSizes).toStrictEqual([2, 1]);
    const whole = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
    expect(keys.items.map((key) => key.id)).toStrictEqual(whole.body.data.map((key: { id: string }) => key.id));

    const rewards = await allPages('/loyalty/rewards', agent.token, 3);
    expect(rewards.pageSizes).toStrictEqual([3, 1]);
    const costs = rewards.items.map((reward) => (reward as { pointsCost: number }).pointsCost);
    expect(costs).toStrictEqual([100, 100, 200, 300]);

    const fields = await allPages('/admin/custom-fields', agent.token, 2);
    expect(fields.items.map((field) => field.key)).toStrictEqual(['alpha', 'mid', 'zeta']);

    const tiers = await allPages('/admin/tiers', agent.token, 1);
    expect(tiers.items.map((tier) => (tier as { rank: number }).rank)).toStrictEqual([1, 2, 3, 4]);

    for (const path of ['/admin/api-keys', '/loyalty/rewards', '/admin/custom-fields', '/admin/tiers']) {
      const forged = Buffer.from(JSON.stringify(['x', 'y', 'z', 'w'])).toString('base64url');
      const response = await t.http.get(`${API}${path}`).query({ cursor: forged }).set(bearer(t.adminToken));
      expect({ path, status: response.status }).toStrictEqual({ path, status: 400 });
    }
  });

  it('applies a retried points adjustment once (Idempotency-Key)', async () => {
    const { id } = await customer(t, sales.token, { name: '调整重试' });
    const adjust = () =>
      t.http
        .post(`${API}/customers/${id}/loyalty/adjustments`)
        .set(bearer(manager.token))
        .set('idempotency-key', `adjust-${id}`)
        .send({ points: 500, reason: '补偿积分' });
    const first = await adjust().expect(201);
    const retried = await adjust().expect(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toStrictEqual(first.body);
    const summary = await t.http.get(`${API}/customers/${id}/loyalty`).set(bearer(manager.token)).expect(200);
    expect(summary.body.balance).toBe(500);
    await t.http
      .post(`${API}/customers/${id}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .set('idempotency-key', `adjust-${id}`)
      .send({ points: 600, reason: '补偿积分' })
      .expect(422);
  });

  it('pages the points ledger newest first across ids of different lengths', async () => {
    const { id } = await customer(t, sales.token, { name: '账本分页' });
    // ids 996…1007: as text, '999' sorts after '1007'
    await t.db.query(`SELECT setval('loyalty_ledger_id_seq', 995)`);
    for (let n = 1; n <= 12; n += 1)
      await t.http
        .post(`${API}/customers/${id}/loyalty/adjustments`)
        .set(bearer(manager.token))
        .send({ points: n, reason: `第${n}次` })
        .expect(201);
    const { items } = await allPages(`/customers/${id}/loyalty/ledger`, manager.token, 5);
    const points = items.map((entry) => (entry as { points: number }).points);
    expect(points).toStrictEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('shows the points expiring in the next 30 days on the loyalty summary', async () => {
    const { id } = await customer(t, sales.token, { name: '积分到期' });
    const adjust = (points: number) =>
      t.http
        .post(`${API}/customers/${id}/loyalty/adjustments`)
        .set(bearer(manager.token))
        .send({ points, reason: '测试积分' })
        .expect(201);
    const old = await adjust(100);
    const older = await adjust(40);
    await adjust(50); // fresh points: not expiring soon
    // 100 points credited 24 months less 10 days ago expire within the window; 40 credited 24 months less
    // 40 days ago do not yet.
    await t.db.query(
      `UPDATE loyalty_ledger SET created_at = now() - interval '24 months' + interval '10 days' WHERE id = $1`,
      [old.body.id],
    );
    await t.db.query(
      `UPDATE loyalty_ledger SET created_at = now() - interval '24 months' + interval '40 days' WHERE id = $1`,
      [older.body.id],
    );
    const summary = async () =>
      (await t.http.get(`${API}/customers/${id}/loyalty`).set(bearer(agent.token)).expect(200)).body;
    const before = await summary();
    expect(before.balance).toBe(190);
    expect(before.expiringSoon).toMatchObject({ points: 100, withinDays: 30 });
    expect(before.expiringSoon.until).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await adjust(-30); // spending uses the oldest points first
    expect((await summary()).expiringSoon.points).toBe(70);
  });

  describe('commitments', () => {
    async function interactionWithCommitments() {
      const { id } = await customer(t, sales.token, { name: '承诺' });
      const logged = await t.http
        .post(`${API}/customers/${id}/interactions`)
        .set(bearer(agent.token))
        .send({
          channel: 'phone',
          direction: 'outbound',
          summary: '回访',
          commitments: [{ description: '三天内上门安装', dueOn: '2026-12-03' }, { description: '赠送滤芯' }],
        })
        .expect(201);
      return { customerId: id, interactionId: logged.body.id as string };
    }

    it('marks a commitment kept or broken, with who and when, audited and announced', async () => {
      const { customerId, interactionId } = await interactionWithCommitments();
      const path = `${API}/customers/${customerId}/interactions/${interactionId}/commitments`;
      const kept = await t.http.put(`${path}/1`).set(bearer(agent.token)).send({ status: 'kept' }).expect(200);
      expect(kept.body.commitments[0]).toStrictEqual({
        description: '三天内上门安装',
        dueOn: '2026-12-03',
        status: 'open',
      });
      expect(kept.body.commitments[1]).toMatchObject({ description: '赠送滤芯', status: 'kept', settledBy: agent.id });
      expect(Date.parse(kept.body.commitments[1].settledAt)).not.toBeNaN();
      await t.http.put(`${path}/0`).set(bearer(sales.token)).send({ status: 'broken' }).expect(200);
      const listed = await t.http.get(`${API}/customers/${customerId}/interactions`).set(bearer(agent.token));
      expect(listed.body.data[0].commitments.map((c: { status: string }) => c.status)).toStrictEqual([
        'broken',
        'kept',
      ]);
      const { rows } = await t.db.query(
        `SELECT payload FROM outbox WHERE type = 'interaction.commitment_settled' AND aggregate_id = $1 ORDER BY id`,
        [customerId],
      );
      expect(rows.map((row: { payload: { index: number; status: string } }) => row.payload.status)).toStrictEqual([
        'kept',
        'broken',
      ]);
      const audit = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'interaction.commitment_settled' AND entity_id = $1`,
        [interactionId],
      );
      expect(audit.rows[0].n).toBe(2);
    });

    it('refuses a bad status, a missing commitment, a wrong role and no token', async () => {
      const { customerId, interactionId } = await interactionWithCommitments();
      const path = `${API}/customers/${customerId}/interactions/${interactionId}/commitments`;
      await t.http.put(`${path}/0`).set(bearer(agent.token)).send({ status: 'maybe' }).expect(400);
      await t.http.put(`${path}/x`).set(bearer(agent.token)).send({ status: 'kept' }).expect(400);
      await t.http.put(`${path}/2`).set(bearer(agent.token)).send({ status: 'kept' }).expect(404);
      const other = await customer(t, sales.token, { name: '别人' });
      await t.http
        .put(`${API}/customers/${other.id}/interactions/${interactionId}/commitments/0`)
        .set(bearer(agent.token))
        .send({ status: 'kept' })
        .expect(404);
      await t.http.put(`${path}/0`).set(bearer(marketing.token)).send({ status: 'kept' }).expect(403);
      await t.http.put(`${path}/0`).send({ status: 'kept' }).expect(401);
      const unchanged = await t.http.get(`${API}/customers/${customerId}/interactions`).set(bearer(agent.token));
      expect(unchanged.body.data[0].commitments.map((c: { status: string }) => c.status)).toStrictEqual([
        'open',
        'open',
      ]);
    });
  });
});
