import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customer, purchase, serviceRequest, webhookReceiver } from './support/factories.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners } from './support/webhook-receiver.js';

type User = Awaited<ReturnType<typeof createUser>>;

// The person erased in the first test: every value below must be gone from every table afterwards.
const PERSON = {
  name: '抹除王小明',
  mobile: '13700001111',
  email: 'erase.me@example.cn',
  homeAddress: '杭州市西湖区文三路99号',
  notes: '私密备注甲乙',
};
const DUPLICATE_EMAIL = 'old.wang.erase@example.cn';
const TRACES = [
  PERSON.name,
  PERSON.mobile,
  'erase.me@',
  'old.wang.erase',
  '文三路99号',
  '私密备注甲乙',
  '小明家的净水器',
  '小明要求退货',
];

describe('personal-data erasure', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let agent: User;
  let marketing: User;
  const partners = new WebhookPartners(() => t);

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id });
    agent = await createUser(t, ['agent']);
    marketing = await createUser(t, ['marketing']);
  });
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  });

  const erase = (id: string, body: Record<string, unknown> = { ground: 'customer-request' }, token = t.adminToken) =>
    t.http.post(`${API}/customers/${id}/erase`).set(bearer(token)).send(body);

  /** Every event committed so far is published and none of its webhook deliveries is still pending. */
  const pipelineIdle = () =>
    waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int
                + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::int AS busy`,
        );
        return rows[0].busy === 0;
      },
      30_000,
      'the outbox and webhook deliveries to drain',
    );

  /** Rows of any table of the database whose text contains one of the traces, as "table: row". */
  async function tracesLeft(): Promise<string[]> {
    const { rows: tables } = await t.db.query(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const patterns = TRACES.map((trace) => `%${trace}%`);
    const found: string[] = [];
    for (const { name } of tables) {
      const { rows } = await t.db.query(`SELECT t::text AS row FROM "${name}" t WHERE t::text ILIKE ANY($1::text[])`, [
        patterns,
      ]);
      found.push(...rows.map((row: { row: string }) => `${name}: ${row.row.slice(0, 300)}`));
    }
    return found;
  }

  it('anonymises the customer in every module, keeps the books, tells partners, and leaves no personal value in any table', async () => {
    const { receiver } = await webhookReceiver(partners, ['customer.*', 'purchase.*', 'interaction.*']);
    const made = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', 'erase-create-1')
        .send({ kind: 'individual', ...PERSON, religion: '佛教', customFields: {} })
        .expect(201)
    ).body;
    const duplicate = await customer(t, sales.token, { name: PERSON.name, email: DUPLICATE_EMAIL });
    await purchase(t, sales.token, duplicate.id, '50.00');
    await t.http
      .patch(`${API}/customers/${made.id}`)
      .set(bearer(sales.token))
      .send({ motto: '小明要求退货就退' })
      .expect(200);
    await purchase(t, sales.token, made.id, '300.00', { notes: '送到文三路99号' });
    await t.http
      .post(`${API}/customers/${made.id}/interactions`)
      .set(bearer(agent.token))
      .send({
        channel: 'phone',
        direction: 'inbound',
        summary: '小明要求退货',
        commitments: [{ description: '给小明家的净水器换滤芯' }],
      })
      .expect(201);
    await serviceRequest(t, agent.token, made.id, {
      subject: '小明家的净水器漏水',
      description: `回电 ${PERSON.mobile}`,
    });
    await t.http
      .post(`${API}/complaints`)
      .set(bearer(agent.token))
      .send({ customerId: made.id, category: 'product_quality', severity: 'normal', subject: '小明家的净水器有异味' })
      .expect(201);
    await t.http
      .post(`${API}/customers/${made.id}/loyalty/adjustments`)
      .set(bearer(manager.token))
      .send({ points: 40, reason: '小明要求退货的补偿' })
      .expect(201);
    await t.http
      .put(`${API}/customers/${made.id}/consents`)
      .set(bearer(sales.token))
      .send({ channels: [{ channel: 'sms', optedIn: true }] })
      .expect(200);
    await t.http
      .post(`${API}/customers/${made.id}/merge`)
      .set(bearer(sales.token))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    await waitFor(
      async () =>
        (
          await t.db.query(`SELECT count(*)::int AS n FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'earn'`, [
            made.id,
          ])
        ).rows[0].n >= 2,
      30_000,
      'the points of both purchases',
    );
    await pipelineIdle();
    expect((await tracesLeft()).length).toBeGreaterThan(20); // the sweep below can see them
    const balanceBefore = (
      await t.http.get(`${API}/customers/${made.id}/loyalty`).set(bearer(t.adminToken)).expect(200)
    ).body.balance;

    const erased = await erase(made.id, {
      ground: 'customer-request',
      reference: `DSR-7 回电 ${PERSON.mobile}`,
    }).expect(200);
    expect(erased.body).toMatchObject({
      customerId: made.id,
      ground: 'customer-request',
      reference: '[erased]',
      mergedIds: [duplicate.id],
      erasedBy: { type: 'user' },
    });
    expect(Object.keys(erased.body.erased).sort()).toStrictEqual(
      [
        'complaints',
        'customers',
        'feedback',
        'loyalty',
        'outreach',
        'platform',
        'sales',
        'service-requests',
        'tasks',
        'webhooks',
      ].sort(),
    );
    expect(erased.body.erased.customers).toMatchObject({ customers: 2, purchases: 1, interactions: 1 });
    expect(erased.body.erased.platform.outbox).toBeGreaterThan(3);

    // partners are told, by a signed webhook carrying ids only
    const notice = await waitFor(
      async () => receiver.received.find((webhook) => webhook.payload.type === 'customer.erased'),
      30_000,
      'the customer.erased webhook',
    );
    expect(notice.payload.data).toStrictEqual({
      customerId: made.id,
      mergedIds: [duplicate.id],
      erasedAt: erased.body.erasedAt,
    });
    await pipelineIdle();

    // nothing personal anywhere in the database: customer, records, timeline, audit, outbox, webhook log
    expect(await tracesLeft()).toStrictEqual([]);

    // through the API: the customer is gone as a person, its audit rows and webhook deliveries show no value
    const gone = await t.http.get(`${API}/customers/${made.id}`).set(bearer(t.adminToken)).expect(410);
    expect(gone.body.type).toBe('/problems/customer-erased');
    const search = await t.http.get(`${API}/customers`).query({ q: PERSON.name }).set(bearer(t.adminToken)).expect(200);
    expect(search.body.data).toStrictEqual([]);
    const audit = await t.http
      .get(`${API}/admin/audit-log`)
      .query({ entityId: made.id, limit: 200 })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(audit.body.data.map((row: { action: string }) => row.action)).toContain('customer.erased');
    expect(audit.body.data.find((row: { action: string }) => row.action === 'customer.erased')).toMatchObject({
      actorType: 'user',
    });
    const deliveries = await t.http
      .get(
        `${API}/webhooks/${(await t.http.get(`${API}/webhooks`).set(bearer(t.adminToken))).body.data[0].id}/deliveries`,
      )
      .query({ limit: 200 })
      .set(bearer(t.adminToken))
      .expect(200);
    expect(deliveries.body.data.length).toBeGreaterThan(3);
    for (const trace of TRACES) {
      expect(JSON.stringify(audit.body)).not.toContain(trace);
      expect(JSON.stringify(deliveries.body)).not.toContain(trace);
    }

    // the books: purchases, amounts and the points balance stay, the ledger still sums to the balance
    const { rows: books } = await t.db.query(
      `SELECT (SELECT sum(amount)::text FROM purchases WHERE customer_id = ANY($1::uuid[])) AS revenue,
              (SELECT balance FROM loyalty_accounts WHERE customer_id = $2)::int AS balance,
              (SELECT sum(points) FROM loyalty_ledger WHERE customer_id = $2)::int AS ledger`,
      [[made.id, duplicate.id], made.id],
    );
    expect(books[0]).toStrictEqual({ revenue: '350.00', balance: balanceBefore, ledger: balanceBefore });
  }, 120_000);

  it('refuses while a legal hold is open, and erases once an administrator releases it', async () => {
    const made = await customer(t, sales.token, { name: '冻结客户', mobile: '13700002222' });
    const path = `${API}/customers/${made.id}/legal-hold`;
    await t.http.put(path).set(bearer(manager.token)).send({ reason: '诉讼' }).expect(403);
    await t.http
      .put(path)
      .set(bearer(await createApiKey(t, ['customers:erase'])))
      .send({ reason: '诉讼' })
      .expect(403);
    await t.http.put(path).set(bearer(t.adminToken)).send({ reason: '' }).expect(400);
    const hold = await t.http.put(path).set(bearer(t.adminToken)).send({ reason: '(2026)浙01民初123号' }).expect(200);
    const again = await t.http.put(path).set(bearer(t.adminToken)).send({ reason: '另一个' }).expect(200);
    expect(again.body.id).toBe(hold.body.id);
    expect((await t.http.get(path).set(bearer(t.adminToken)).expect(200)).body.reason).toBe('(2026)浙01民初123号');

    const refused = await erase(made.id).expect(409);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: '/problems/customer-under-legal-hold', status: 409 });
    expect(refused.body.detail).toContain('legal hold');
    const still = await t.http.get(`${API}/customers/${made.id}`).set(bearer(t.adminToken)).expect(200);
    expect(still.body).toMatchObject({ name: '冻结客户', mobile: '+8613700002222' });
    expect(
      (await t.db.query(`SELECT count(*)::int AS n FROM customer_erasures WHERE customer_id = $1`, [made.id])).rows[0]
        .n,
    ).toBe(0);

    await t.http.delete(path).set(bearer(t.adminToken)).expect(204);
    await t.http.delete(path).set(bearer(t.adminToken)).expect(404);
    await erase(made.id).expect(200);
    await t.http.put(path).set(bearer(t.adminToken)).send({ reason: '太晚了' }).expect(410);
    const { rows } = await t.db.query(
      `SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'customer.legal_hold%' OR (entity_id = $1 AND action = 'customer.erased') ORDER BY id`,
      [made.id],
    );
    expect(rows.map((row: { action: string }) => row.action)).toStrictEqual([
      'customer.legal_hold_set',
      'customer.legal_hold_released',
      'customer.erased',
    ]);
  }, 60_000);

  it('refuses bad input with field errors and changes nothing; 404 for no customer, 308 for a merged one', async () => {
    const made = await customer(t, sales.token, { name: '校验客户' });
    for (const body of [
      {},
      { ground: 'because' },
      { ground: 'customer-request', reference: 'x'.repeat(201) },
      { ground: 'customer-request', extra: 1 },
    ]) {
      const response = await erase(made.id, body).expect(400);
      expect(response.body.type).toBe('/problems/validation');
      expect(response.body.errors.length).toBeGreaterThan(0);
    }
    await erase('not-a-uuid').expect(400);
    await erase('00000000-0000-4000-8000-000000000000').expect(404);
    expect((await t.http.get(`${API}/customers/${made.id}`).set(bearer(t.adminToken)).expect(200)).body.name).toBe(
      '校验客户',
    );
    const duplicate = await customer(t, sales.token, { name: '校验客户' });
    await t.http
      .post(`${API}/customers/${made.id}/merge`)
      .set(bearer(t.adminToken))
      .send({ duplicateId: duplicate.id })
      .expect(200);
    const moved = await erase(duplicate.id).expect(308);
    expect(moved.headers.location).toBe(`/api/v1/customers/${made.id}/erase`);
  });

  it('lets administrators and customers:erase keys erase; no other role or key, and not without a token', async () => {
    const made = await customer(t, sales.token, { name: '权限客户' });
    for (const token of [manager.token, sales.token, agent.token, marketing.token])
      await erase(made.id, undefined, token).expect(403);
    await erase(
      made.id,
      undefined,
      await createApiKey(t, ['customers:read', 'customers:write', 'customers:export']),
    ).expect(403);
    await t.http.post(`${API}/customers/${made.id}/erase`).send({ ground: 'customer-request' }).expect(401);
    const byKey = await erase(made.id, undefined, await createApiKey(t, ['customers:erase'])).expect(200);
    expect(byKey.body.erasedBy.type).toBe('api_key');
  });

  it('answers a repeated erasure with the first one, without erasing, auditing or telling partners twice', async () => {
    const made = await customer(t, sales.token, { name: '重复抹除', email: 'twice@example.cn' });
    const first = await erase(made.id, { ground: 'consent-withdrawn' }).expect(200);
    const second = await erase(made.id, { ground: 'customer-request' }).expect(200);
    expect(second.body).toStrictEqual(first.body);
    const { rows } = await t.db.query(
      `SELECT (SELECT count(*) FROM audit_log WHERE action = 'customer.erased' AND entity_id = $1)::int AS audits,
              (SELECT count(*) FROM outbox WHERE type = 'customer.erased' AND aggregate_id = $1)::int AS events`,
      [made.id],
    );
    expect(rows[0]).toStrictEqual({ audits: 1, events: 1 });
  });
});
