import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';

/**
 * The rules of the README's role table that depend on the record — whose customer, whose request,
 * whose key — one test per rule (issue 11, item 8).
 */
describe('ownership rules', () => {
  let t: TestApp;
  let managerA: { id: string; token: string };
  let managerB: { id: string; token: string };
  let salesA: { id: string; token: string };
  let salesB: { id: string; token: string };
  let agent2: { id: string; token: string };
  let customerOfA: string;
  let customerOfB: string;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    managerA = await createUser(t, ['manager']);
    managerB = await createUser(t, ['manager']);
    salesA = await createUser(t, ['sales'], { managerId: managerA.id });
    salesB = await createUser(t, ['sales'], { managerId: managerB.id });
    agent2 = await createUser(t, ['agent'], { managerId: managerA.id });
    customerOfA = await createCustomer(salesA.token);
    customerOfB = await createCustomer(salesB.token);
  }, 120_000);
  afterAll(() => t.close(), 60_000);

  async function createCustomer(token: string, body: Record<string, unknown> = {}): Promise<string> {
    return (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(token))
        .send({ kind: 'individual', name: '归属测试', ...body })
        .expect(201)
    ).body.id;
  }
  const unownedCustomer = () => createCustomer(t.adminToken);

  it('lets a manager adjust points only for customers of their team (or nobody’s)', async () => {
    const adjust = (token: string, customerId: string) =>
      t.http
        .post(`${API}/customers/${customerId}/loyalty/adjustments`)
        .set(bearer(token))
        .send({ points: 10, reason: '补偿积分' });
    await adjust(managerB.token, customerOfA).expect(403);
    await adjust(managerA.token, customerOfA).expect(201);
    await adjust(managerB.token, await unownedCustomer()).expect(201);
    await adjust(t.adminToken, customerOfA).expect(201);
  });

  it('lets any staff member the route admits record what the customer asks for at their counter: consents, interactions, redemptions', async () => {
    // Consent is the customer's word, recorded by whoever hears it; so is a call, and a reward asked for.
    await t.http
      .put(`${API}/customers/${customerOfA}/consents`)
      .set(bearer(salesB.token))
      .send({ channels: [{ channel: 'sms', optedIn: true }] })
      .expect(200);
    await t.http
      .put(`${API}/customers/${customerOfA}/consents`)
      .set(bearer(agent2.token))
      .send({ channels: [{ channel: 'email', optedIn: false }] })
      .expect(200);
    await t.http
      .post(`${API}/customers/${customerOfA}/interactions`)
      .set(bearer(salesB.token))
      .send({ channel: 'phone', direction: 'inbound', summary: '代接来电' })
      .expect(201);
    const marketing = await createUser(t, ['marketing']);
    const reward = (
      await t.http
        .post(`${API}/loyalty/rewards`)
        .set(bearer(marketing.token))
        .send({ name: '保温杯', pointsCost: 1, stock: 100 })
        .expect(201)
    ).body;
    await t.http
      .post(`${API}/customers/${customerOfA}/loyalty/adjustments`)
      .set(bearer(t.adminToken))
      .send({ points: 50, reason: '开户赠送' })
      .expect(201);
    await t.http
      .post(`${API}/customers/${customerOfA}/loyalty/redemptions`)
      .set(bearer(salesB.token))
      .send({ rewardId: reward.id, quantity: 1 })
      .expect(201);
    await t.http
      .post(`${API}/customers/${customerOfA}/loyalty/redemptions`)
      .set(bearer(agent2.token))
      .send({ rewardId: reward.id, quantity: 1 })
      .expect(201);
    // Marketing is not at a counter.
    await t.http
      .post(`${API}/customers/${customerOfA}/loyalty/redemptions`)
      .set(bearer(marketing.token))
      .send({ rewardId: reward.id, quantity: 1 })
      .expect(403);
  });

  it('keeps the work steps for the assignee, and lets any agent at the desk change, close and reopen a request', async () => {
    const skill = `skill-${randomUUID().slice(0, 8)}`;
    const worker = await createUser(t, ['agent'], { managerId: managerA.id, skills: [skill] });
    const request = (
      await t.http
        .post(`${API}/service-requests`)
        .set(bearer(agent2.token))
        .send({ customerId: customerOfA, type: 'repair', severity: 'normal', subject: '漏水', requiredSkill: skill })
        .expect(201)
    ).body;
    expect((await t.http.post(`${API}/service-requests/next`).set(bearer(worker.token)).expect(200)).body.id).toBe(
      request.id,
    );
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(agent2.token)).expect(403);
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(worker.token)).expect(200);
    await t.http
      .patch(`${API}/service-requests/${request.id}`)
      .set(bearer(agent2.token))
      .send({ severity: 'high' })
      .expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(agent2.token))
      .send({ resolution: '别人的活' })
      .expect(403);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(worker.token))
      .send({ resolution: '换了阀门' })
      .expect(200);
    await t.http.post(`${API}/service-requests/${request.id}/close`).set(bearer(agent2.token)).expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/reopen`)
      .set(bearer(agent2.token))
      .send({ reason: '又漏了' })
      .expect(200);
  });

  it('lets an API key rate only the requests it filed', async () => {
    const filer = await createApiKey(t, ['service-requests:write']);
    const other = await createApiKey(t, ['service-requests:write']);
    const request = (
      await t.http
        .post(`${API}/service-requests`)
        .set(bearer(filer))
        .send({ customerId: customerOfA, type: 'inquiry', severity: 'low', subject: '咨询' })
        .expect(201)
    ).body;
    await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(managerA.token))
      .send({ assigneeId: managerA.id })
      .expect(200);
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(managerA.token)).expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(managerA.token))
      .send({ resolution: '已答复' })
      .expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/satisfaction`)
      .set(bearer(other))
      .send({ score: 1 })
      .expect(404);
    await t.http
      .post(`${API}/service-requests/${request.id}/satisfaction`)
      .set(bearer(filer))
      .send({ score: 5 })
      .expect(200);
  });

  it('lets a manager read the upsell list of their team only', async () => {
    const upsell = (token: string, ownerId?: string) =>
      t.http
        .get(`${API}/loyalty/upsell`)
        .query(ownerId ? { ownerId } : {})
        .set(bearer(token));
    await upsell(managerB.token, salesA.id).expect(403);
    await upsell(managerA.token, salesA.id).expect(200);
    await upsell(managerB.token).expect(200);
    await upsell(t.adminToken, salesA.id).expect(200);
    await upsell(salesB.token, salesA.id).expect(403);
  });

  it('shows a write-only key no more of a customer than it wrote', async () => {
    const writeOnly = await createApiKey(t, ['customers:write']);
    const empty = await t.http.patch(`${API}/customers/${customerOfA}`).set(bearer(writeOnly)).send({}).expect(200);
    expect(Object.keys(empty.body).sort()).toStrictEqual(['id', 'updatedAt', 'version']);
    const renamed = await t.http
      .patch(`${API}/customers/${customerOfA}`)
      .set(bearer(writeOnly))
      .send({ motto: '诚信' })
      .expect(200);
    expect(Object.keys(renamed.body).sort()).toStrictEqual(['id', 'motto', 'updatedAt', 'version']);
    const readWrite = await createApiKey(t, ['customers:read', 'customers:write']);
    const full = await t.http.patch(`${API}/customers/${customerOfA}`).set(bearer(readWrite)).send({}).expect(200);
    expect(full.body.name).toBe('归属测试');
  });

  it('lets a salesperson take a customer nobody owns, but not change it otherwise or take another’s', async () => {
    const unowned = await unownedCustomer();
    await t.http.patch(`${API}/customers/${unowned}`).set(bearer(salesA.token)).send({ motto: '未认领' }).expect(403);
    const taken = await t.http
      .patch(`${API}/customers/${unowned}`)
      .set(bearer(salesA.token))
      .send({ ownerId: salesA.id })
      .expect(200);
    expect(taken.body.ownerId).toBe(salesA.id);
    await t.http
      .patch(`${API}/customers/${customerOfB}`)
      .set(bearer(salesA.token))
      .send({ ownerId: salesA.id })
      .expect(403);
  });
});
