import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LoyaltyDailyProcessor } from '../src/modules/loyalty/loyalty-daily.processor.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { customer, purchase } from './support/factories.js';
import { earnAtBaseRateInEveryTier } from './support/loyalty.js';

type User = Awaited<ReturnType<typeof createUser>>;
const SETTINGS = `${API}/admin/loyalty/settings`;

describe('loyalty settings', () => {
  let t: TestApp;
  let manager: User;
  let sales: User;
  let agent: User;
  let marketing: User;

  beforeAll(async () => {
    t = await startTestApp({
      LOYALTY_POINTS_PER_UNIT: '2',
      LOYALTY_POINTS_EXPIRE_MONTHS: '24',
      LOYALTY_BIRTHDAY_POINTS: '50',
    });
    manager = await createUser(t, ['manager']);
    sales = await createUser(t, ['sales']);
    agent = await createUser(t, ['agent']);
    marketing = await createUser(t, ['marketing']);
    await earnAtBaseRateInEveryTier(t);
  }, 180_000);
  afterAll(() => t.close(), 180_000);

  const read = async () => (await t.http.get(SETTINGS).set(bearer(t.adminToken)).expect(200)).body;
  const change = async (
    values: Partial<{ pointsPerUnit: number; pointsExpireMonths: number; birthdayPoints: number }>,
  ) => {
    const current = await read();
    const body = {
      pointsPerUnit: current.pointsPerUnit,
      pointsExpireMonths: current.pointsExpireMonths,
      birthdayPoints: current.birthdayPoints,
      ...values,
    };
    return (
      await t.http
        .put(SETTINGS)
        .set(bearer(t.adminToken))
        .set('if-match', String(current.version))
        .send(body)
        .expect(200)
    ).body;
  };
  const newCustomer = async (extra: Record<string, unknown> = {}) =>
    (await customer(t, sales.token, { name: '积分客户', ...extra })).id;
  const balanceOf = async (customerId: string) =>
    (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(agent.token)).expect(200)).body
      .balance as number;
  const buy = (customerId: string, amount: string) => purchase(t, sales.token, customerId, amount);

  it('starts from the environment variables and shows the tier multipliers read-only', async () => {
    const settings = (await t.http.get(SETTINGS).set(bearer(manager.token)).expect(200)).body;
    expect(settings.pointsPerUnit).toBe(2);
    expect(settings.pointsExpireMonths).toBe(24);
    expect(settings.birthdayPoints).toBe(50);
    expect(settings.version).toBe(1);
    expect(settings.updatedBy).toBeNull();
    expect(settings.tierMultipliers).toStrictEqual([
      { tier: 'VIP', earnMultiplier: '1.00' },
      { tier: '低', earnMultiplier: '1.00' },
    ]);
    await t.http.get(SETTINGS).set(bearer(marketing.token)).expect(200);
  }, 180_000);

  it('lets an admin change them, with an audit row and a loyalty.settings_changed event', async () => {
    const current = await read();
    const updated = await t.http
      .put(SETTINGS)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version))
      .send({ pointsPerUnit: 5, pointsExpireMonths: 12, birthdayPoints: 200 })
      .expect(200);
    expect(updated.body.pointsPerUnit).toBe(5);
    expect(updated.body.pointsExpireMonths).toBe(12);
    expect(updated.body.birthdayPoints).toBe(200);
    expect(updated.body.version).toBe(current.version + 1);
    expect(updated.body.updatedBy).toBeTruthy();
    expect(await read()).toStrictEqual(updated.body);

    const audit = await t.db.query(
      `SELECT actor_id, before, after, fields FROM audit_log WHERE action = 'loyalty.settings_changed' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit.rows[0].actor_id).toBe(updated.body.updatedBy);
    expect(audit.rows[0].before.pointsPerUnit).toBe(current.pointsPerUnit);
    expect(audit.rows[0].after.pointsPerUnit).toBe(5);
    expect(audit.rows[0].fields).toStrictEqual(['pointsPerUnit', 'pointsExpireMonths', 'birthdayPoints']);
    const event = await t.db.query(
      `SELECT payload FROM outbox WHERE type = 'loyalty.settings_changed' ORDER BY id DESC LIMIT 1`,
    );
    expect(event.rows[0].payload.version).toBe(updated.body.version);
    expect(event.rows[0].payload.after).toStrictEqual({
      pointsPerUnit: 5,
      pointsExpireMonths: 12,
      birthdayPoints: 200,
    });
    expect(event.rows[0].payload.before.pointsPerUnit).toBe(current.pointsPerUnit);
  }, 180_000);

  it('accepts the version in the body instead of If-Match', async () => {
    const current = await read();
    const updated = await t.http
      .put(SETTINGS)
      .set(bearer(t.adminToken))
      .send({
        pointsPerUnit: current.pointsPerUnit,
        pointsExpireMonths: current.pointsExpireMonths,
        birthdayPoints: 0,
        version: current.version,
      })
      .expect(200);
    expect(updated.body.birthdayPoints).toBe(0);
    expect(updated.body.version).toBe(current.version + 1);
  }, 180_000);

  it('changes nothing, and records nothing, when the values are the same', async () => {
    const current = await read();
    const events = async () =>
      (await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'loyalty.settings_changed'`)).rows[0].n;
    const before = await events();
    const response = await t.http
      .put(SETTINGS)
      .set(bearer(t.adminToken))
      .send({
        pointsPerUnit: current.pointsPerUnit,
        pointsExpireMonths: current.pointsExpireMonths,
        birthdayPoints: current.birthdayPoints,
      })
      .expect(200);
    expect(response.body.version).toBe(current.version);
    expect(await events()).toBe(before);
  }, 180_000);

  it('refuses a stale version with 412 and keeps the settings', async () => {
    const current = await read();
    const body = { pointsPerUnit: 9, pointsExpireMonths: 9, birthdayPoints: 9 };
    const stale = await t.http
      .put(SETTINGS)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version - 1))
      .send(body)
      .expect(412);
    expect(stale.body.type).toBe('/problems/stale-version');
    await t.http
      .put(SETTINGS)
      .set(bearer(t.adminToken))
      .send({ ...body, version: current.version + 5 })
      .expect(412);
    expect(await read()).toStrictEqual(current);
  }, 180_000);

  it('refuses invalid settings with 400 naming the field, and changes nothing', async () => {
    const current = await read();
    const valid = { pointsPerUnit: 1, pointsExpireMonths: 24, birthdayPoints: 100 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, pointsPerUnit: -1 }, 'pointsPerUnit'],
      [{ ...valid, pointsPerUnit: 1.5 }, 'pointsPerUnit'],
      [{ ...valid, pointsPerUnit: '3' }, 'pointsPerUnit'],
      [{ ...valid, pointsExpireMonths: 0 }, 'pointsExpireMonths'],
      [{ ...valid, pointsExpireMonths: 241 }, 'pointsExpireMonths'],
      [{ ...valid, birthdayPoints: null }, 'birthdayPoints'],
      [{ pointsPerUnit: 1, pointsExpireMonths: 24 }, 'birthdayPoints'],
      [{ ...valid, tierMultipliers: [] }, 'tierMultipliers'],
      [{ ...valid, earnMultiplier: '2.00' }, 'earnMultiplier'],
    ];
    for (const [body, field] of cases) {
      const response = await t.http.put(SETTINGS).set(bearer(t.adminToken)).send(body).expect(400);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(response.body.errors.some((error: { field: string }) => error.field === field)).toBeTruthy();
    }
    await t.http.put(SETTINGS).set(bearer(t.adminToken)).set('if-match', 'latest').send(valid).expect(400);
    expect(await read()).toStrictEqual(current);
  }, 180_000);

  it('lets only admins change the settings, and only managers and marketing read them besides; no API key', async () => {
    const body = { pointsPerUnit: 7, pointsExpireMonths: 7, birthdayPoints: 7 };
    for (const user of [manager, sales, agent, marketing])
      await t.http.put(SETTINGS).set(bearer(user.token)).send(body).expect(403);
    for (const user of [sales, agent]) await t.http.get(SETTINGS).set(bearer(user.token)).expect(403);
    const partnerKey = await createApiKey(t, ['customers:read', 'customers:write', 'purchases:write']);
    await t.http.get(SETTINGS).set(bearer(partnerKey)).expect(403);
    await t.http.put(SETTINGS).set(bearer(partnerKey)).send(body).expect(403);
    await t.http.get(SETTINGS).expect(401);
    await t.http.put(SETTINGS).send(body).expect(401);
    expect((await read()).pointsPerUnit).not.toBe(7);
  }, 180_000);

  it('earns at the new rate on purchases after a change', async () => {
    await change({ pointsPerUnit: 1 });
    const customer = await newCustomer();
    await buy(customer, '100.00');
    await waitFor(async () => (await balanceOf(customer)) === 100, 15_000, 'the purchase at 1 point per yuan');
    await change({ pointsPerUnit: 3 });
    await buy(customer, '100.00');
    await waitFor(async () => (await balanceOf(customer)) === 400, 15_000, 'the purchase at 3 points per yuan');
    const summary = (await t.http.get(`${API}/customers/${customer}/loyalty`).set(bearer(agent.token)).expect(200))
      .body;
    expect(summary.pointsPerUnit).toBe(3);
    const earned = await t.db.query(
      `SELECT points::int AS points FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'earn' ORDER BY id`,
      [customer],
    );
    expect(earned.rows.map((row) => row.points)).toStrictEqual([100, 300]);
  }, 180_000);

  it('expires points by the months in force when the expiry job runs', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const customer = await newCustomer();
    const credit = (points: number, monthsAgo: number) =>
      t.db.query(
        `WITH account AS (INSERT INTO loyalty_accounts (customer_id, balance) VALUES ($1, $2) ON CONFLICT (customer_id) DO UPDATE SET balance = loyalty_accounts.balance + $2 RETURNING balance)
         INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, created_at)
         SELECT $1, 'adjust', $2, balance, 'test', gen_random_uuid()::text, now() - make_interval(months => $3) FROM account`,
        [customer, points, monthsAgo],
      );
    await credit(70, 8);
    await credit(30, 3);
    const processor = t.app.get(LoyaltyDailyProcessor);
    await change({ pointsExpireMonths: 12 });
    // nothing is 12 months old
    expect(await processor.expirePoints(today)).toBe(0);
    await change({ pointsExpireMonths: 6 });
    expect(await processor.expirePoints(today)).toBe(70);
    expect(await balanceOf(customer)).toBe(30);
  }, 180_000);

  it('gives the birthday points in force when the birthday job runs', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const birthDate = today.slice(5) === '02-29' ? '1992-02-29' : `1990-${today.slice(5)}`;
    await change({ birthdayPoints: 66 });
    const customer = await newCustomer({ birthDate });
    await t.app.get(LoyaltyDailyProcessor).birthdayRewards(today);
    expect(await balanceOf(customer)).toBe(66);
  }, 180_000);
});
