import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';
import { serviceRequest } from './support/factories.js';
import { defineOutreachFields, reachableCustomer, zoneWhereItIs } from './support/outreach.js';

/** Care rules, the contact gate's preview, and the messages list (R-O1, R-O2, R-C11, R-P5). */
describe('outreach rules and the contact gate', () => {
  let t: TestApp;
  let marketing: string;
  let sales: string;
  let agent: string;
  let reporterKey: string;
  let otherKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
    sales = (await createUser(t, ['sales'])).token;
    agent = (await createUser(t, ['agent'])).token;
    reporterKey = await createApiKey(t, ['outreach:report']);
    otherKey = await createApiKey(t, ['customers:read']);
  });
  afterAll(() => t?.close());

  const rule = async (fields: Record<string, unknown> = {}) => {
    const response = await t.http
      .post(`${API}/outreach/rules`)
      .set(bearer(marketing))
      .send({
        name: '新品推荐',
        trigger: 'manual',
        purpose: 'marketing',
        channels: ['email', 'sms'],
        subject: '{{ salutation }}，新品上市',
        body: '{{ salutation }}，您的积分 {{ points }} 可抵现。',
        ...fields,
      });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string; version: number };
  };
  const preview = (customerId: string, ruleId: string) =>
    t.http.post(`${API}/outreach/preview`).set(bearer(marketing)).send({ customerId, ruleId });
  const messageCount = async () => Number((await t.db.query(`SELECT count(*) FROM outreach_messages`)).rows[0].count);

  describe('rules', () => {
    it('creates, reads, lists and changes a rule', async () => {
      const created = await rule({ name: '生日祝福', trigger: 'birthday', purpose: 'care' });
      expect(created).toMatchObject({
        name: '生日祝福',
        trigger: 'birthday',
        purpose: 'care',
        active: true,
        version: 1,
      });
      const read = await t.http.get(`${API}/outreach/rules/${created.id}`).set(bearer(marketing)).expect(200);
      expect(read.body).toStrictEqual(created);
      const listed = await t.http.get(`${API}/outreach/rules?limit=200`).set(bearer(t.adminToken)).expect(200);
      expect(listed.body.data.map((row: { id: string }) => row.id)).toContain(created.id);
      const changed = await t.http
        .patch(`${API}/outreach/rules/${created.id}`)
        .set({ ...bearer(marketing), 'if-match': '1' })
        .send({ active: false, delayDays: 3 })
        .expect(200);
      expect(changed.body).toMatchObject({ active: false, delayDays: 3, version: 2 });
    });

    it('refuses a stale version with 412 and changes nothing', async () => {
      const created = await rule();
      await t.http.patch(`${API}/outreach/rules/${created.id}`).set(bearer(marketing)).send({ name: 'x' }).expect(200);
      const stale = await t.http
        .patch(`${API}/outreach/rules/${created.id}`)
        .set(bearer(marketing))
        .send({ name: 'y', version: 1 });
      expect(stale.status).toBe(412);
      const read = await t.http.get(`${API}/outreach/rules/${created.id}`).set(bearer(marketing)).expect(200);
      expect(read.body.name).toBe('x');
    });

    it.each([
      ['an unknown trigger', { trigger: 'whenever' }, 'trigger'],
      ['an unknown channel', { channels: ['fax'] }, 'channels'],
      ['no channel', { channels: [] }, 'channels'],
      ['a template that does not parse', { body: '{{ salutation ' }, 'body'],
      ['a VIP care call that is not a phone task', { trigger: 'vip_care_call', channels: ['email'] }, 'channels'],
      ['an unknown field', { colour: 'red' }, 'colour'],
    ])('refuses %s with 400 naming the field', async (_, fields, field) => {
      const response = await t.http
        .post(`${API}/outreach/rules`)
        .set(bearer(marketing))
        .send({ name: 'r', trigger: 'manual', purpose: 'care', channels: ['email'], body: 'hi', ...fields });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('answers 404 for a rule that does not exist', async () => {
      await t.http.get(`${API}/outreach/rules/${randomUUID()}`).set(bearer(marketing)).expect(404);
    });
  });

  describe('preview: the gate decides, with its reason, and writes nothing', () => {
    let marketingRule: string;
    let serviceRule: string;

    beforeAll(async () => {
      marketingRule = (await rule()).id;
      serviceRule = (await rule({ purpose: 'service', body: '您的维修单已处理。' })).id;
    });

    it('sends on the first channel in the rule order the customer consented to, rendering the salutation', async () => {
      const customer = await reachableCustomer(t);
      const response = await preview(customer.id, marketingRule).expect(200);
      expect(response.body).toMatchObject({
        decision: 'send',
        reason: null,
        channel: 'email',
        subject: '李女士，新品上市',
      });
      expect(response.body.body).toBe('李女士，您的积分 0 可抵现。');
    });

    it('moves to the next channel without e-mail consent', async () => {
      const customer = await reachableCustomer(t, { consents: { email: false, sms: true } });
      expect((await preview(customer.id, marketingRule).expect(200)).body).toMatchObject({
        decision: 'send',
        channel: 'sms',
      });
    });

    it('refuses marketing to a customer who opted out of marketing, but not a service message', async () => {
      const customer = await reachableCustomer(t, { marketingOptOut: true });
      expect((await preview(customer.id, marketingRule).expect(200)).body).toMatchObject({
        decision: 'suppress',
        reason: 'marketing-opt-out',
        channel: null,
      });
      expect((await preview(customer.id, serviceRule).expect(200)).body).toMatchObject({ decision: 'send' });
    });

    it('refuses every purpose without consent on the channels', async () => {
      const customer = await reachableCustomer(t, { consents: { email: false, sms: false } });
      for (const ruleId of [marketingRule, serviceRule])
        expect((await preview(customer.id, ruleId).expect(200)).body).toMatchObject({
          decision: 'suppress',
          reason: 'no-consent',
        });
    });

    it('suppresses promotion while the customer has an overdue service request (R-P5)', async () => {
      const customer = await reachableCustomer(t);
      const request = await serviceRequest(t, t.adminToken, customer.id);
      expect((await preview(customer.id, marketingRule).expect(200)).body.decision).toBe('send');
      // The request's resolution deadline passes (the SLA clock is the service-requests module's; moved here in time).
      await t.db.query(`UPDATE service_requests SET resolve_by = now() - interval '1 minute' WHERE id = $1`, [
        (request as { id: string }).id,
      ]);
      expect((await preview(customer.id, marketingRule).expect(200)).body).toMatchObject({
        decision: 'suppress',
        reason: 'open-problem',
      });
      expect((await preview(customer.id, serviceRule).expect(200)).body.decision).toBe('send');
    });

    it("defers in the customer's quiet hours to the next allowed time", async () => {
      const customer = await reachableCustomer(t, { timeZone: zoneWhereItIs('night') });
      const response = await preview(customer.id, marketingRule).expect(200);
      expect(response.body).toMatchObject({ decision: 'defer', reason: 'quiet-hours', channel: 'email' });
      const hoursAhead = (Date.parse(response.body.sendAt) - Date.now()) / 3_600_000;
      expect(hoursAhead).toBeGreaterThan(0);
      expect(hoursAhead).toBeLessThanOrEqual(11);
    });

    it('writes nothing', async () => {
      const before = await messageCount();
      const customer = await reachableCustomer(t);
      await preview(customer.id, marketingRule).expect(200);
      expect(await messageCount()).toBe(before);
    });

    it('answers 404 for an unknown customer or rule and 400 for a malformed id', async () => {
      const customer = await reachableCustomer(t);
      await preview(randomUUID(), marketingRule).expect(404);
      await preview(customer.id, randomUUID()).expect(404);
      const bad = await t.http.post(`${API}/outreach/preview`).set(bearer(marketing)).send({ customerId: 'x' });
      expect(bad.status).toBe(400);
    });
  });

  describe('authorisation', () => {
    const routes: [string, string, (id: string) => string][] = [
      ['post', 'create a rule', () => `${API}/outreach/rules`],
      ['get', 'list rules', () => `${API}/outreach/rules`],
      ['get', 'read a rule', (id) => `${API}/outreach/rules/${id}`],
      ['patch', 'change a rule', (id) => `${API}/outreach/rules/${id}`],
      ['get', 'list runs', () => `${API}/outreach/runs`],
      ['post', 'preview', () => `${API}/outreach/preview`],
    ];
    let ruleId: string;
    beforeAll(async () => {
      ruleId = (await rule()).id;
    });

    it.each(routes)(
      '%s (%s): marketing and admin only; others 403, no token 401, keys 403',
      async (method, _, path) => {
        const call = (token?: string) => {
          const request = (t.http as unknown as Record<string, (url: string) => ReturnType<TestApp['http']['get']>>)[
            method
          ](path(ruleId));
          return token ? request.set(bearer(token)) : request;
        };
        expect((await call()).status).toBe(401);
        for (const token of [sales, agent, reporterKey, otherKey])
          expect((await call(token).send({})).status).toBe(403);
        for (const token of [marketing, t.adminToken]) expect((await call(token).send({})).status).not.toBe(403);
      },
    );

    it('lets marketing, managers and agents read messages; not sales nor keys', async () => {
      const manager = (await createUser(t, ['manager'])).token;
      for (const token of [marketing, manager, agent, t.adminToken])
        await t.http.get(`${API}/outreach/messages`).set(bearer(token)).expect(200);
      for (const token of [sales, reporterKey])
        await t.http.get(`${API}/outreach/messages`).set(bearer(token)).expect(403);
      await t.http.get(`${API}/outreach/messages`).expect(401);
    });

    it('takes delivery reports from keys with outreach:report (and admins) only', async () => {
      const report = { status: 'delivered', reportId: 'r-1' };
      for (const token of [reporterKey, t.adminToken])
        await t.http
          .post(`${API}/outreach/messages/${randomUUID()}/status`)
          .set(bearer(token))
          .send(report)
          .expect(404);
      for (const token of [otherKey, marketing])
        await t.http
          .post(`${API}/outreach/messages/${randomUUID()}/status`)
          .set(bearer(token))
          .send(report)
          .expect(403);
      await t.http.post(`${API}/outreach/messages/${randomUUID()}/status`).send(report).expect(401);
    });
  });
});
