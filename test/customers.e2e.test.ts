import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

describe('customers', () => {
  let t: TestApp;
  let sales: User;
  let otherSales: User;
  let manager: User;
  let agent: User;
  let marketing: User;
  let technician: User;

  beforeAll(async () => {
    t = await startTestApp();
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales'], { managerId: manager.id, region: '浙江' });
    otherSales = await createUser(t, ['sales']);
    agent = await createUser(t, ['agent']);
    marketing = await createUser(t, ['marketing']);
    technician = await createUser(t, ['technician']);
  });
  afterAll(() => t.close());

  const newCustomer = (overrides: Record<string, unknown> = {}) => ({
    kind: 'individual',
    name: '张伟',
    gender: 'male',
    birthDate: '1985-06-15',
    mobile: '138 1234 5678',
    email: 'Zhang.Wei@Example.cn',
    homeAddress: '浙江省金华市永康市东城街道 88 号',
    education: '本科及以上',
    religion: '佛教',
    smoker: false,
    drinker: true,
    region: '浙江',
    industry: '制造业',
    lifeJourney: { shortTermGoals: '换一套新厨房设备', mostUrgentProblem: '净水器漏水' },
    ...overrides,
  });

  async function createCustomer(token: string, overrides: Record<string, unknown> = {}) {
    const response = await t.http.post(`${API}/customers`).set(bearer(token)).send(newCustomer(overrides));
    expect(response.status).toBe(201);
    return response.body;
  }

  describe('create', () => {
    it('records the full profile with a customer number, normalised contacts and the zodiac', async () => {
      const customer = await createCustomer(sales.token);
      expect(customer.code).toMatch(/^C\d{6,}$/);
      expect(customer.mobile).toBe('+8613812345678');
      expect(customer.email).toBe('zhang.wei@example.cn');
      expect(customer.zodiac).toBe('牛');
      expect(customer.birthDate).toBe('1985-06-15');
      // a salesperson owns the customers they create
      expect(customer.ownerId).toBe(sales.id);
      expect(customer.version).toBe(1);
      expect(customer.lifeJourney.mostUrgentProblem).toBe('净水器漏水');
      expect(customer.registeredOn).toBe(new Date().toISOString().slice(0, 10));
    });

    it('gives every customer a different number', async () => {
      const [a, b] = await Promise.all([
        createCustomer(sales.token, { name: '李娜' }),
        createCustomer(sales.token, { name: '李静' }),
      ]);
      expect(a.code).not.toBe(b.code);
    });

    it('records organisations too', async () => {
      const company = await createCustomer(manager.token, {
        kind: 'organization',
        name: '永康市恒达五金制品有限公司',
        gender: undefined,
        birthDate: undefined,
        companyFoundedOn: '2003-05-01',
        website: 'hengda.example.cn',
      });
      expect(company.kind).toBe('organization');
      expect(company.zodiac).toBeNull();
    });

    for (const [what, body, field] of [
      ['a wrong type', { name: 123 }, 'name'],
      ['an unknown field', { favouriteColour: 'red' }, 'favouriteColour'],
      ['an invalid mobile number', { mobile: '12345' }, 'mobile'],
      ['an invalid e-mail', { email: 'zhang.wei@' }, 'email'],
      ['a birth date in the future', { birthDate: '2999-01-01' }, 'birthDate'],
      ['an impossible birth date', { birthDate: '1990-02-30' }, 'birthDate'],
      ['an unknown education level', { education: '博士后' }, 'education'],
      ['a nested unknown field', { lifeJourney: { dreams: 'x' } }, 'lifeJourney.dreams'],
    ] as const) {
      it(`refuses ${what} with a field error and creates nothing`, async () => {
        const before = await t.db.query(`SELECT count(*)::int AS n FROM customers`);
        const response = await t.http
          .post(`${API}/customers`)
          .set(bearer(sales.token))
          .send(newCustomer(body as Record<string, unknown>))
          .expect(400);
        expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(response.body.title).toBe('Validation failed');
        expect(response.body.errors.some((error: { field: string }) => error.field === field)).toBeTruthy();
        const afterCount = await t.db.query(`SELECT count(*)::int AS n FROM customers`);
        expect(afterCount.rows[0].n).toBe(before.rows[0].n);
      });
    }

    it('refuses NUL characters anywhere with a 400, never a 500', async () => {
      const inName = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send(newCustomer({ name: '张\u0000' }))
        .expect(400);
      expect(inName.body.errors.map((error: { field: string }) => error.field)).toStrictEqual(['name']);
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send(newCustomer({ lifeJourney: { notes: 'a\u0000b' } }))
        .expect(400);
      await t.http.get(`${API}/customers`).query({ q: '\u0000' }).set(bearer(agent.token)).expect(400);
      await t.http.get(`${API}/customers`).query({ region: 'x\u0000' }).set(bearer(agent.token)).expect(400);
    });

    it('refuses null for fields a customer always has', async () => {
      const response = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send(newCustomer({ registeredOn: null }))
        .expect(400);
      expect(response.body.errors[0].field).toBe('registeredOn');
    });

    it('refuses a request without a token, from the wrong role and from a key without the scope', async () => {
      await t.http.post(`${API}/customers`).send(newCustomer()).expect(401);
      await t.http.post(`${API}/customers`).set(bearer(marketing.token)).send(newCustomer()).expect(403);
      await t.http.post(`${API}/customers`).set(bearer(agent.token)).send(newCustomer()).expect(403);
      const readOnlyKey = await createApiKey(t, ['customers:read']);
      await t.http.post(`${API}/customers`).set(bearer(readOnlyKey)).send(newCustomer()).expect(403);
    });

    it('lets a partner key with customers:write create customers', async () => {
      const key = await createApiKey(t, ['customers:write']);
      const response = await t.http
        .post(`${API}/customers`)
        .set(bearer(key))
        .send(newCustomer({ name: '赵敏' }))
        .expect(201);
      expect(response.body.ownerId).toBeNull();
      // a key without customers:sensitive does not read sensitive fields back
      expect(response.body.religion).toBeUndefined();
    });

    it('does not let a salesperson give a new customer to someone else', async () => {
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send(newCustomer({ ownerId: otherSales.id }))
        .expect(403);
      const assigned = await t.http
        .post(`${API}/customers`)
        .set(bearer(manager.token))
        .send(newCustomer({ ownerId: sales.id }))
        .expect(201);
      expect(assigned.body.ownerId).toBe(sales.id);
    });

    it('writes the customer.created event and an audit row in the same transaction', async () => {
      const customer = await createCustomer(sales.token, { name: '钱多多' });
      const outbox = await t.db.query(`SELECT type, payload FROM outbox WHERE aggregate_id = $1`, [customer.id]);
      expect(outbox.rows[0].type).toBe('customer.created');
      expect(outbox.rows[0].payload.customer.name).toBe('钱多多');
      // events carry no sensitive fields
      expect(outbox.rows[0].payload.customer.religion).toBeUndefined();
      const audit = await t.db.query(
        `SELECT actor_id, after FROM audit_log WHERE entity_id = $1 AND action = 'customer.created'`,
        [customer.id],
      );
      expect(audit.rows[0].actor_id).toBe(sales.id);
      expect(audit.rows[0].after.name).toBe('钱多多');
    });
  });

  describe('idempotent create', () => {
    it('returns the first result for a retry with the same key and body', async () => {
      const key = randomUUID();
      const body = newCustomer({ name: '孙悟空' });
      const first = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(body)
        .expect(201);
      const retry = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(body)
        .expect(201);
      expect(retry.body.id).toBe(first.body.id);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      const count = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE name = '孙悟空'`);
      expect(count.rows[0].n).toBe(1);
    });

    it('creates once when the same request races itself', async () => {
      const key = randomUUID();
      const body = newCustomer({ name: '猪八戒' });
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http.post(`${API}/customers`).set(bearer(sales.token)).set('idempotency-key', key).send(body),
        ),
      );
      expect(responses.every((response) => response.status === 201 || response.status === 409)).toBe(true);
      const count = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE name = '猪八戒'`);
      expect(count.rows[0].n).toBe(1);
    });

    it('refuses the same key with a different body', async () => {
      const key = randomUUID();
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(newCustomer({ name: '沙悟净' }))
        .expect(201);
      const reused = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(newCustomer({ name: '唐僧' }))
        .expect(422);
      expect(reused.body.type).toBe('/problems/idempotency-key-reused');
    });

    it('lets a failed request be retried with the same key', async () => {
      const key = randomUUID();
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(newCustomer({ mobile: 'bad' }))
        .expect(400);
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .set('idempotency-key', key)
        .send(newCustomer({ name: '白龙马' }))
        .expect(201);
    });
  });

  describe('read and sensitive fields', () => {
    it('shows sensitive fields to the salesperson and audits the read', async () => {
      const customer = await createCustomer(sales.token, { name: '周杰' });
      const read = await t.http.get(`${API}/customers/${customer.id}`).set(bearer(otherSales.token)).expect(200);
      expect(read.body.religion).toBe('佛教');
      expect(read.body.drinker).toBe(true);
      const audit = await t.db.query(
        `SELECT fields FROM audit_log WHERE entity_id = $1 AND action = 'customer.sensitive_read' AND actor_id = $2`,
        [customer.id, otherSales.id],
      );
      expect(audit.rowCount).toBe(1);
      expect(new Set(audit.rows[0].fields)).toStrictEqual(
        new Set(['birthDate', 'zodiac', 'religion', 'drinker', 'smoker']),
      );
    });

    for (const role of ['marketing', 'agent', 'technician'] as const) {
      it(`hides religion, smoking, drinking and birth date from ${role}`, async () => {
        const user = { marketing, agent, technician }[role];
        const customer = await createCustomer(sales.token, { name: '吴芳' });
        const read = await t.http.get(`${API}/customers/${customer.id}`).set(bearer(user.token)).expect(200);
        for (const field of ['religion', 'smoker', 'drinker', 'birthDate', 'zodiac'])
          /* ${field} leaked */ expect(field in read.body).toBe(false);
        expect(read.body.name).toBe('吴芳');
        const list = await t.http.get(`${API}/customers`).query({ q: '吴芳' }).set(bearer(user.token)).expect(200);
        expect(list.body.data.length > 0).toBe(true);
        expect('religion' in list.body.data[0]).toBe(false);
      });
    }

    it('lets a key with customers:write set sensitive fields it collected without reading them back', async () => {
      const key = await createApiKey(t, ['customers:write']);
      const customer = await createCustomer(sales.token, { name: '郑爽' });
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(marketing.token))
        .send({ smoker: true })
        .expect(403);
      const updated = await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(key))
        .send({ smoker: true })
        .expect(200);
      expect(updated.body.smoker).toBeUndefined();
    });

    it('answers 404 for a customer that does not exist and 400 for a malformed id', async () => {
      await t.http.get(`${API}/customers/${randomUUID()}`).set(bearer(agent.token)).expect(404);
      const malformed = await t.http.get(`${API}/customers/not-a-uuid`).set(bearer(agent.token)).expect(400);
      expect(malformed.body.errors).toStrictEqual([{ field: 'id', message: 'id must be a UUID' }]);
    });

    it('lets a partner key read customers, and sensitive fields only with customers:sensitive', async () => {
      const customer = await createCustomer(sales.token, { name: '冯巩' });
      const plain = await t.http
        .get(`${API}/customers/${customer.id}`)
        .set(bearer(await createApiKey(t, ['customers:read'])))
        .expect(200);
      expect(plain.body.religion).toBeUndefined();
      const sensitive = await t.http
        .get(`${API}/customers/${customer.id}`)
        .set(bearer(await createApiKey(t, ['customers:read', 'customers:sensitive'])))
        .expect(200);
      expect(sensitive.body.religion).toBe('佛教');
    });
  });

  describe('update', () => {
    it('updates with If-Match, bumps the version, and audits before and after', async () => {
      const customer = await createCustomer(sales.token, { name: '陈明' });
      const updated = await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .set('if-match', '1')
        .send({ jobTitle: '采购经理', birthDate: '2024-02-10' })
        .expect(200);
      expect(updated.body.version).toBe(2);
      expect(updated.body.jobTitle).toBe('采购经理');
      // the zodiac follows the new birth date
      expect(updated.body.zodiac).toBe('龙');
      const audit = await t.db.query(
        `SELECT before, after, fields FROM audit_log WHERE entity_id = $1 AND action = 'customer.updated'`,
        [customer.id],
      );
      expect(audit.rows[0].before).toStrictEqual({ jobTitle: null, birthDate: '1985-06-15' });
      expect(audit.rows[0].after).toStrictEqual({ jobTitle: '采购经理', birthDate: '2024-02-10' });
      const event = await t.db.query(
        `SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = 'customer.updated'`,
        [customer.id],
      );
      expect(event.rows[0].payload.changedFields).toStrictEqual(['jobTitle']);
    });

    it('fails a stale If-Match with 412 and changes nothing', async () => {
      const customer = await createCustomer(sales.token, { name: '林峰' });
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ hobbies: '钓鱼' })
        .expect(200);
      const stale = await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .set('if-match', '1')
        .send({ hobbies: '登山' })
        .expect(412);
      expect(stale.body.type).toBe('/problems/stale-version');
      const read = await t.http.get(`${API}/customers/${customer.id}`).set(bearer(sales.token)).expect(200);
      expect(read.body.hobbies).toBe('钓鱼');
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ hobbies: '登山', version: 1 })
        .expect(412);
    });

    it("forbids another salesperson from changing someone else's customer", async () => {
      const customer = await createCustomer(sales.token, { name: '黄磊' });
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(otherSales.token))
        .send({ notes: 'mine now' })
        .expect(403);
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(otherSales.token))
        .send({ ownerId: otherSales.id })
        .expect(403);
    });

    it("lets the owner's manager change it and reassign within the team", async () => {
      const customer = await createCustomer(otherSales.token, { name: '何炅' });
      await t.http.patch(`${API}/customers/${customer.id}`).set(bearer(manager.token)).send({ notes: 'x' }).expect(403);
      const mine = await createCustomer(sales.token, { name: '谢娜' });
      const reassigned = await t.http
        .patch(`${API}/customers/${mine.id}`)
        .set(bearer(manager.token))
        .send({ lifecycleStage: 'stable' })
        .expect(200);
      expect(reassigned.body.lifecycleStage).toBe('stable');
    });

    it('refuses a malformed If-Match and accepts * as any version', async () => {
      const customer = await createCustomer(sales.token, { name: '万能' });
      const malformed = await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .set('if-match', 'abc')
        .send({ notes: 'x' })
        .expect(400);
      expect(malformed.body.errors[0].field).toBe('If-Match');
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .set('if-match', '*')
        .send({ notes: 'x' })
        .expect(200);
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .set('if-match', '"2"')
        .send({ notes: 'y' })
        .expect(200);
    });

    it('refuses to clear the name and refuses an invalid phone', async () => {
      const customer = await createCustomer(sales.token, { name: '杨洋' });
      await t.http.patch(`${API}/customers/${customer.id}`).set(bearer(sales.token)).send({ name: null }).expect(400);
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ phone: 'call me maybe' })
        .expect(400);
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ kind: 'organization' })
        .expect(400);
    });

    it('lets a manager delete a customer, who then is gone from reads', async () => {
      const customer = await createCustomer(sales.token, { name: '删除我' });
      await t.http.delete(`${API}/customers/${customer.id}`).set(bearer(sales.token)).expect(403);
      await t.http.delete(`${API}/customers/${customer.id}`).set(bearer(manager.token)).expect(204);
      await t.http.get(`${API}/customers/${customer.id}`).set(bearer(manager.token)).expect(404);
    });
  });

  describe('search, filters and pagination', () => {
    let zhangWei: { id: string; code: string };
    beforeAll(async () => {
      zhangWei = await createCustomer(sales.token, {
        name: '张伟',
        mobile: '13955554444',
        email: 'wei.zhang@search.cn',
        region: '江苏',
      });
      await createCustomer(sales.token, {
        name: '张小龙',
        region: '广东',
        mobile: '13600001111',
        email: 'xl@search.cn',
      });
      await createCustomer(sales.token, { name: '王伟', region: '江苏', mobile: '13700002222', email: 'ww@search.cn' });
      await createCustomer(sales.token, {
        kind: 'organization',
        name: '杭州张记食品有限公司',
        region: '浙江',
        mobile: '13800003333',
        email: 'zj@search.cn',
      });
    });

    const search = async (q: string, extra: Record<string, string> = {}) =>
      (
        await t.http
          .get(`${API}/customers`)
          .query({ q, limit: '200', ...extra })
          .set(bearer(agent.token))
          .expect(200)
      ).body.data.map((c: { name: string }) => c.name);

    it('finds 张伟 by the single character 张', async () => {
      const names = await search('张');
      expect(names.includes('张伟') && names.includes('张小龙') && names.includes('杭州张记食品有限公司')).toBeTruthy();
      expect(names.includes('王伟')).toBeFalsy();
    });

    it('finds by a given name and by a full name', async () => {
      const byGiven = await search('伟');
      expect(byGiven.includes('张伟') && byGiven.includes('王伟')).toBeTruthy();
      const byFull = await search('张伟');
      expect(byFull.includes('张伟') && !byFull.includes('王伟') && !byFull.includes('张小龙')).toBeTruthy();
      // spaces in the query are ignored
      expect(await search('张 伟')).toStrictEqual(byFull);
    });

    it('finds by customer number, phone and e-mail', async () => {
      expect(await search(zhangWei.code)).toStrictEqual(['张伟']);
      expect(await search(zhangWei.code.toLowerCase())).toStrictEqual(['张伟']);
      expect(await search('139 5555 4444')).toStrictEqual(['张伟']);
      expect(await search('1395555')).toStrictEqual(['张伟']);
      expect(await search('WEI.ZHANG@search.cn')).toStrictEqual(['张伟']);
    });

    it('treats LIKE wildcards in a query as text', async () => {
      expect(await search('%')).toStrictEqual([]);
      expect(await search('_')).toStrictEqual([]);
    });

    it('combines search with filters', async () => {
      expect((await search('伟', { region: '江苏' })).sort()).toStrictEqual(['张伟', '王伟'].sort());
      const filtered = await t.http
        .get(`${API}/customers`)
        .query({ region: '广东' })
        .set(bearer(agent.token))
        .expect(200);
      expect(filtered.body.data.every((c: { region: string }) => c.region === '广东')).toBeTruthy();
      const byOwner = await t.http
        .get(`${API}/customers`)
        .query({ ownerId: otherSales.id })
        .set(bearer(agent.token))
        .expect(200);
      expect(byOwner.body.data.every((c: { ownerId: string }) => c.ownerId === otherSales.id)).toBeTruthy();
    });

    it('pages through every customer exactly once with the cursor', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string> = { limit: '7' };
        if (cursor) query.cursor = cursor;
        const page = await t.http.get(`${API}/customers`).query(query).set(bearer(agent.token)).expect(200);
        expect(page.body.data.length <= 7).toBe(true);
        seen.push(...page.body.data.map((c: { id: string }) => c.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const total = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE deleted_at IS NULL`);
      expect(seen).toHaveLength(total.rows[0].n);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('refuses a forged cursor and an oversized limit', async () => {
      await t.http.get(`${API}/customers`).query({ cursor: 'bm9wZQ' }).set(bearer(agent.token)).expect(400);
      const impossibleDate = Buffer.from(JSON.stringify(['2026-02-30', randomUUID()])).toString('base64url');
      await t.http.get(`${API}/customers`).query({ cursor: impossibleDate }).set(bearer(agent.token)).expect(400);
      const badOffset = Buffer.from(JSON.stringify(['2026-01-01 00:00:00+99', randomUUID()])).toString('base64url');
      await t.http.get(`${API}/customers`).query({ cursor: badOffset }).set(bearer(agent.token)).expect(400);
      await t.http.get(`${API}/customers`).query({ limit: '201' }).set(bearer(agent.token)).expect(400);
      await t.http.get(`${API}/customers`).query({ lifecycleStage: 'retired' }).set(bearer(agent.token)).expect(400);
    });
  });

  describe('zodiac at the lunar new year', () => {
    for (const [birthDate, zodiac] of [
      ['2024-02-09', '兔'],
      ['2024-02-10', '龙'],
      ['2023-01-21', '虎'],
      ['2023-01-22', '兔'],
    ]) {
      it(`records someone born on ${birthDate} as ${zodiac}`, async () => {
        const customer = await createCustomer(sales.token, { name: '新年宝宝', birthDate });
        expect(customer.zodiac).toBe(zodiac);
      });
    }
  });

  describe('purchases', () => {
    it('records a purchase with decimal money and a payment method, and emits purchase.recorded', async () => {
      const customer = await createCustomer(sales.token, { name: '购物者' });
      const response = await t.http
        .post(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(sales.token))
        .send({
          product: '家用净水器 X3',
          amount: { amount: '1999.9', currency: 'CNY' },
          paymentMethod: 'wechat_pay',
          purchasedAt: '2026-11-01T08:00:00.000Z',
        })
        .expect(201);
      expect(response.body.amount).toStrictEqual({ amount: '1999.90', currency: 'CNY' });
      expect(response.body.paymentMethod).toBe('wechat_pay');
      const event = await t.db.query(
        `SELECT payload FROM outbox WHERE type = 'purchase.recorded' AND aggregate_id = $1`,
        [customer.id],
      );
      expect(event.rows[0].payload.purchase.id).toBe(response.body.id);
      const list = await t.http
        .get(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(marketing.token))
        .expect(200);
      expect(list.body.data[0].id).toBe(response.body.id);
    });

    for (const [what, body, field] of [
      ['a negative amount', { amount: { amount: '-5.00', currency: 'CNY' } }, 'amount.amount'],
      ['a float amount', { amount: { amount: 19.99, currency: 'CNY' } }, 'amount.amount'],
      ['three decimals', { amount: { amount: '1.999', currency: 'CNY' } }, 'amount.amount'],
      ['an unknown currency code', { amount: { amount: '1.00', currency: 'yuan' } }, 'amount.currency'],
      ['an unknown payment method', { paymentMethod: 'barter' }, 'paymentMethod'],
      ['a purchase in the future', { purchasedAt: '2999-01-01T00:00:00.000Z' }, 'purchasedAt'],
      ['a timestamp without a time', { purchasedAt: '2026' }, 'purchasedAt'],
      ['a week-date timestamp', { purchasedAt: '2026-W48' }, 'purchasedAt'],
    ] as const) {
      it(`refuses ${what}`, async () => {
        const customer = await createCustomer(sales.token, { name: '校验' });
        const response = await t.http
          .post(`${API}/customers/${customer.id}/purchases`)
          .set(bearer(sales.token))
          .send({ product: '滤芯', amount: { amount: '99.00', currency: 'CNY' }, paymentMethod: 'cash', ...body })
          .expect(400);
        expect(response.body.errors.some((error: { field: string }) => error.field === field)).toBeTruthy();
        const stored = await t.db.query(`SELECT count(*)::int AS n FROM purchases WHERE customer_id = $1`, [
          customer.id,
        ]);
        expect(stored.rows[0].n).toBe(0);
      });
    }

    it('accepts purchases from a partner key with purchases:write and refuses one without', async () => {
      const customer = await createCustomer(sales.token, { name: '网店客户' });
      const body = {
        product: '滤芯',
        amount: { amount: '99.00', currency: 'CNY' },
        paymentMethod: 'online',
        channel: 'e-shop',
      };
      await t.http
        .post(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(await createApiKey(t, ['customers:write'])))
        .send(body)
        .expect(403);
      await t.http
        .post(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(await createApiKey(t, ['purchases:write'])))
        .send(body)
        .expect(201);
      await t.http.post(`${API}/customers/${customer.id}/purchases`).set(bearer(agent.token)).send(body).expect(403);
      await t.http.post(`${API}/customers/${randomUUID()}/purchases`).set(bearer(t.adminToken)).send(body).expect(404);
    });

    it('refunds a purchase once', async () => {
      const customer = await createCustomer(sales.token, { name: '退货者' });
      const purchase = await t.http
        .post(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(sales.token))
        .send({ product: '滤芯', amount: { amount: '99.00', currency: 'CNY' }, paymentMethod: 'cash' })
        .expect(201);
      await t.http
        .post(`${API}/purchases/${purchase.body.id}/refund`)
        .set(bearer(otherSales.token))
        .send({ reason: '质量问题' })
        .expect(403);
      const refunded = await t.http
        .post(`${API}/purchases/${purchase.body.id}/refund`)
        .set(bearer(sales.token))
        .send({ reason: '质量问题' })
        .expect(200);
      expect(refunded.body.refundedAt).toBeTruthy();
      await t.http.post(`${API}/purchases/${purchase.body.id}/refund`).set(bearer(sales.token)).send({}).expect(409);
    });
  });

  describe('interactions, consents and the timeline', () => {
    it('logs an interaction with commitments and emits interaction.logged', async () => {
      const customer = await createCustomer(sales.token, { name: '来电客户' });
      const response = await t.http
        .post(`${API}/customers/${customer.id}/interactions`)
        .set(bearer(agent.token))
        .send({
          channel: 'phone',
          direction: 'inbound',
          summary: '客户反映净水器漏水',
          commitments: [{ description: '明天上门检修', dueOn: '2026-11-26' }],
        })
        .expect(201);
      expect(response.body.staffId).toBe(agent.id);
      expect(response.body.commitments).toStrictEqual([
        { description: '明天上门检修', dueOn: '2026-11-26', status: 'open' },
      ]);
      const event = await t.db.query(`SELECT 1 FROM outbox WHERE type = 'interaction.logged' AND aggregate_id = $1`, [
        customer.id,
      ]);
      expect(event.rowCount).toBe(1);
      await t.http
        .post(`${API}/customers/${customer.id}/interactions`)
        .set(bearer(agent.token))
        .send({ channel: 'pigeon', direction: 'inbound', summary: 'x' })
        .expect(400);
      await t.http
        .post(`${API}/customers/${customer.id}/interactions`)
        .set(bearer(marketing.token))
        .send({ channel: 'phone', direction: 'inbound', summary: 'x' })
        .expect(403);
      const list = await t.http
        .get(`${API}/customers/${customer.id}/interactions`)
        .set(bearer(sales.token))
        .expect(200);
      expect(list.body.data.length).toBe(1);
    });

    it('records consent per channel and a marketing opt-out', async () => {
      const customer = await createCustomer(sales.token, { name: '不要广告' });
      const response = await t.http
        .put(`${API}/customers/${customer.id}/consents`)
        .set(bearer(agent.token))
        .send({
          channels: [
            { channel: 'email', optedIn: false },
            { channel: 'sms', optedIn: true },
          ],
          marketingOptOut: true,
          source: '客户来电要求',
        })
        .expect(200);
      expect(response.body.marketingOptOut).toBe(true);
      const read = await t.http
        .get(`${API}/customers/${customer.id}/consents`)
        .set(bearer(marketing.token))
        .expect(200);
      expect(
        read.body.channels.map((c: { channel: string; optedIn: boolean }) => [c.channel, c.optedIn]),
      ).toStrictEqual([
        ['email', false],
        ['sms', true],
      ]);
      await t.http
        .put(`${API}/customers/${customer.id}/consents`)
        .set(bearer(agent.token))
        .send({ channels: [{ channel: 'fax', optedIn: true }] })
        .expect(400);
      await t.http
        .put(`${API}/customers/${customer.id}/consents`)
        .set(bearer(technician.token))
        .send({ marketingOptOut: false })
        .expect(403);
      await t.http
        .put(`${API}/customers/${customer.id}/consents`)
        .set(bearer(marketing.token))
        .send({ marketingOptOut: false })
        .expect(403);
      await t.http
        .put(`${API}/customers/${customer.id}/consents`)
        .set(bearer(agent.token))
        .send({ marketingOptOut: null })
        .expect(400);
      const consentOnly = await t.http
        .get(`${API}/customers/${customer.id}/timeline`)
        .query({ kind: 'consent', limit: '1' })
        .set(bearer(agent.token))
        .expect(200);
      expect(consentOnly.body.data.map((entry: { kind: string }) => entry.kind)).toStrictEqual(['consent']);
    });

    it('merges purchases, interactions and profile changes newest first', async () => {
      const customer = await createCustomer(sales.token, { name: '时间线' });
      await t.http
        .post(`${API}/customers/${customer.id}/purchases`)
        .set(bearer(sales.token))
        .send({
          product: '净水器',
          amount: { amount: '2999.00', currency: 'CNY' },
          paymentMethod: 'card',
          purchasedAt: new Date(Date.now() - 60_000).toISOString(),
        })
        .expect(201);
      await t.http
        .post(`${API}/customers/${customer.id}/interactions`)
        .set(bearer(agent.token))
        .send({ channel: 'chat', direction: 'inbound', summary: '咨询安装' })
        .expect(201);
      await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ hobbies: '茶道' })
        .expect(200);

      const timeline = await t.http
        .get(`${API}/customers/${customer.id}/timeline`)
        .set(bearer(agent.token))
        .expect(200);
      const kinds = timeline.body.data.map((entry: { kind: string }) => entry.kind);
      expect(kinds).toStrictEqual(['profile', 'interaction', 'profile', 'purchase']);
      const ats = timeline.body.data.map((entry: { at: string }) => entry.at);
      expect([...ats].sort().reverse()).toStrictEqual(ats);
      // the timeline shows changed field names, not sensitive values
      expect(JSON.stringify(timeline.body).includes('佛教')).toBe(false);

      const firstPage = await t.http
        .get(`${API}/customers/${customer.id}/timeline`)
        .query({ limit: '2' })
        .set(bearer(agent.token))
        .expect(200);
      const secondPage = await t.http
        .get(`${API}/customers/${customer.id}/timeline`)
        .query({ limit: '2', cursor: firstPage.body.nextCursor })
        .set(bearer(agent.token))
        .expect(200);
      expect([...firstPage.body.data, ...secondPage.body.data].map((entry: { id: string }) => entry.id)).toStrictEqual(
        timeline.body.data.map((entry: { id: string }) => entry.id),
      );
      const purchasesOnly = await t.http
        .get(`${API}/customers/${customer.id}/timeline`)
        .query({ kind: 'purchase' })
        .set(bearer(agent.token))
        .expect(200);
      expect(purchasesOnly.body.data.map((entry: { kind: string }) => entry.kind)).toStrictEqual(['purchase']);
    });
  });

  describe('custom fields', () => {
    it('lets an administrator define typed fields that customers are validated against', async () => {
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(manager.token))
        .send({ key: 'vipCardNo', label: 'VIP 卡号', type: 'text' })
        .expect(403);
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key: 'vipCardNo', label: 'VIP 卡号', type: 'text', maxLength: 10 })
        .expect(201);
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key: 'source', label: '来源', type: 'enum', options: ['展会', '官网'] })
        .expect(201);
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key: 'source', label: '来源', type: 'text' })
        .expect(409);
      await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key: 'Bad Key', label: 'x', type: 'text' })
        .expect(400);

      const customer = await createCustomer(sales.token, {
        name: '自定义',
        customFields: { vipCardNo: 'V-001', source: '展会' },
      });
      expect(customer.customFields).toStrictEqual({ vipCardNo: 'V-001', source: '展会' });
      const wrong = await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send(newCustomer({ customFields: { source: '电话', shoeSize: 42 } }))
        .expect(400);
      const fields = wrong.body.errors.map((error: { field: string }) => error.field).sort();
      expect(fields).toStrictEqual(['customFields.shoeSize', 'customFields.source']);

      const patched = await t.http
        .patch(`${API}/customers/${customer.id}`)
        .set(bearer(sales.token))
        .send({ customFields: { source: '官网' } })
        .expect(200);
      expect(patched.body.customFields).toStrictEqual({ vipCardNo: 'V-001', source: '官网' });
      const field = (await t.http.get(`${API}/admin/custom-fields`).set(bearer(t.adminToken)).expect(200)).body.data[0];
      await t.http
        .patch(`${API}/admin/custom-fields/${field.id}`)
        .set(bearer(t.adminToken))
        .set('if-match', String(field.version + 1))
        .send({ label: 'x' })
        .expect(412);
      await t.http
        .patch(`${API}/admin/custom-fields/${field.id}`)
        .set(bearer(t.adminToken))
        .send({ label: null })
        .expect(400);
      const list = await t.http.get(`${API}/admin/custom-fields`).set(bearer(agent.token)).expect(200);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.data.map((field: { key: string }) => field.key)).toStrictEqual(['source', 'vipCardNo']);
    });
  });
});
