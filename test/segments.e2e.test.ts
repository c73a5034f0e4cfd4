import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';
import { customer, purchase } from './support/factories.js';

/** Saved segments (R-C7): filters over customers, their live count and members, and ?segmentId= on the customer list. */
describe('segments', () => {
  let t: TestApp;
  let marketing: string;
  let sales: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    marketing = (await createUser(t, ['marketing'])).token;
    sales = (await createUser(t, ['sales'])).token;
    const admin = t.adminToken;
    await t.http
      .post(`${API}/admin/custom-fields`)
      .set(bearer(admin))
      .send({ key: 'vipClub', label: 'VIP club', type: 'boolean' })
      .expect(201);
    // 华东: a big spender, a small one, one who bought nothing; 华南: a big spender.
    ids.bigEast = (await customer(t, admin, { region: '华东', industry: '零售', customFields: { vipClub: true } })).id;
    ids.smallEast = (await customer(t, admin, { region: '华东', industry: '制造' })).id;
    ids.idleEast = (await customer(t, admin, { region: '华东', kind: 'organization', companyName: '华东贸易' })).id;
    ids.bigSouth = (await customer(t, admin, { region: '华南', level: '高' })).id;
    await purchase(t, admin, ids.bigEast, '3000.00');
    await purchase(t, admin, ids.bigEast, '2500.00');
    await purchase(t, admin, ids.smallEast, '99.00');
    await purchase(t, admin, ids.bigSouth, '8000.00', { product: '软水机' });
    // An old purchase: outside a 30-day window, and 400 days since.
    await purchase(t, admin, ids.smallEast, '5000.00', {
      purchasedAt: new Date(Date.now() - 400 * 86_400_000).toISOString(),
    });
  });
  afterAll(() => t?.close());

  const names = (rows: { id: string }[]) =>
    rows
      .map((row) => Object.keys(ids).find((key) => ids[key] === row.id))
      .filter(Boolean)
      .sort();
  const segment = async (filter: Record<string, unknown>) => {
    const response = await t.http.post(`${API}/segments`).set(bearer(marketing)).send({ name: 's', filter });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string; version: number };
  };
  const members = async (filter: Record<string, unknown>) => {
    const { id } = await segment(filter);
    const listed = await t.http.get(`${API}/segments/${id}/customers?limit=200`).set(bearer(marketing)).expect(200);
    const count = await t.http.get(`${API}/segments/${id}/count`).set(bearer(marketing)).expect(200);
    expect(count.body.count).toBe(listed.body.data.length);
    return names(listed.body.data);
  };

  it.each<[string, Record<string, unknown>, string[]]>([
    ['region', { regions: ['华东'] }, ['bigEast', 'idleEast', 'smallEast']],
    ['region and industry', { regions: ['华东'], industries: ['零售', '制造'] }, ['bigEast', 'smallEast']],
    ['kind', { kinds: ['organization'] }, ['idleEast']],
    ['level', { levels: ['高'] }, ['bigSouth']],
    ['spend within a window', { spend: { min: '1000.00', withinDays: 30 } }, ['bigEast', 'bigSouth']],
    ['spend of all time', { spend: { min: '5000.00' } }, ['bigEast', 'bigSouth', 'smallEast']],
    ['purchase count', { purchaseCount: { min: 2 } }, ['bigEast', 'smallEast']],
    [
      'days since the last purchase',
      { regions: ['华东'], daysSinceLastPurchase: { max: 30 } },
      ['bigEast', 'smallEast'],
    ],
    ['a product bought', { purchasedProduct: '软水机' }, ['bigSouth']],
    ['a custom field', { customFields: { vipClub: true } }, ['bigEast']],
    ['no criterion (everyone)', {}, ['bigEast', 'bigSouth', 'idleEast', 'smallEast']],
  ])('selects by %s, counted live', async (_, filter, expected) => {
    expect(await members(filter)).toStrictEqual(expected);
  });

  it('selects by consent and by marketing opt-out', async () => {
    await t.http
      .put(`${API}/customers/${ids.bigSouth}/consents`)
      .set(bearer(t.adminToken))
      .send({ channels: [{ channel: 'sms', optedIn: true }], marketingOptOut: true })
      .expect(200);
    expect(await members({ consentChannel: 'sms' })).toStrictEqual(['bigSouth']);
    expect(await members({ marketingOptOut: true })).toStrictEqual(['bigSouth']);
  });

  it('filters the customer list by ?segmentId=, together with its other filters', async () => {
    const { id } = await segment({ regions: ['华东'] });
    const listed = await t.http.get(`${API}/customers?segmentId=${id}&kind=individual`).set(bearer(sales)).expect(200);
    expect(names(listed.body.data)).toStrictEqual(['bigEast', 'smallEast']);
    await t.http.get(`${API}/customers?segmentId=${randomUUID()}`).set(bearer(sales)).expect(404);
    await t.http.get(`${API}/customers?segmentId=nope`).set(bearer(sales)).expect(400);
  });

  it('pages the members with a keyset cursor', async () => {
    const { id } = await segment({ regions: ['华东'] });
    const first = await t.http.get(`${API}/segments/${id}/customers?limit=2`).set(bearer(marketing)).expect(200);
    expect(first.body.data).toHaveLength(2);
    const second = await t.http
      .get(`${API}/segments/${id}/customers?limit=2&cursor=${first.body.nextCursor}`)
      .set(bearer(marketing))
      .expect(200);
    expect(second.body.nextCursor).toBeNull();
    expect(names([...first.body.data, ...second.body.data])).toStrictEqual(['bigEast', 'idleEast', 'smallEast']);
  });

  it('changes a segment with its version, refuses a stale one, and deletes it', async () => {
    const { id } = await segment({ regions: ['华东'] });
    const changed = await t.http
      .patch(`${API}/segments/${id}`)
      .set({ ...bearer(marketing), 'if-match': '1' })
      .send({ name: '华南', filter: { regions: ['华南'] } })
      .expect(200);
    expect(changed.body).toMatchObject({ name: '华南', version: 2, filter: { regions: ['华南'] } });
    await t.http
      .patch(`${API}/segments/${id}`)
      .set({ ...bearer(marketing), 'if-match': '1' })
      .send({ name: 'x' })
      .expect(412);
    expect((await t.http.get(`${API}/segments/${id}/count`).set(bearer(marketing)).expect(200)).body.count).toBe(1);
    await t.http.delete(`${API}/segments/${id}`).set(bearer(marketing)).expect(204);
    await t.http.get(`${API}/segments/${id}`).set(bearer(marketing)).expect(404);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a spend that is not a number', { spend: { min: 'lots' } }, 'filter.spend.min'],
    ['a negative count', { purchaseCount: { min: -1 } }, 'filter.purchaseCount.min'],
    ['an unknown consent channel', { consentChannel: 'pigeon' }, 'filter.consentChannel'],
    ['an owner that is not a uuid', { ownerIds: ['me'] }, 'filter.ownerIds'],
    ['an unknown criterion', { colour: 'red' }, 'filter.colour'],
  ])('refuses %s with 400 naming the field', async (_, filter, field) => {
    const response = await t.http.post(`${API}/segments`).set(bearer(marketing)).send({ name: 's', filter });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('refuses a segment without a filter, or with one that is not an object, with 400', async () => {
    for (const filter of [undefined, 'everyone']) {
      const response = await t.http.post(`${API}/segments`).set(bearer(marketing)).send({ name: 's', filter });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain('filter');
    }
  });

  it('lets marketing and admins manage segments; others 403, no token 401', async () => {
    const { id } = await segment({});
    const key = await createApiKey(t, ['customers:read']);
    const agent = (await createUser(t, ['agent'])).token;
    const calls = [
      () => t.http.post(`${API}/segments`).send({ name: 's', filter: {} }),
      () => t.http.get(`${API}/segments`),
      () => t.http.get(`${API}/segments/${id}`),
      () => t.http.patch(`${API}/segments/${id}`).send({ name: 'n' }),
      () => t.http.get(`${API}/segments/${id}/count`),
      () => t.http.get(`${API}/segments/${id}/customers`),
    ];
    for (const call of calls) {
      expect((await call()).status).toBe(401);
      for (const token of [sales, agent, key]) expect((await call().set(bearer(token))).status).toBe(403);
      for (const token of [marketing, t.adminToken]) expect((await call().set(bearer(token))).status).toBeLessThan(300);
    }
    await t.http.delete(`${API}/segments/${id}`).set(bearer(sales)).expect(403);
    await t.http.delete(`${API}/segments/${id}`).set(bearer(t.adminToken)).expect(204);
  });
});
