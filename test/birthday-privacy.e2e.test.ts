import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LoyaltyDailyProcessor } from '../src/modules/loyalty/loyalty-daily.processor.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

/**
 * A birthday reward tells the day a customer was born. Those who may not see the birth date (agents,
 * technicians, marketing, keys without customers:sensitive) do not get the reward's ledger entry or
 * its event either (issue 11, item 12).
 */
describe('birthday rewards and who may see them', () => {
  let t: TestApp;
  let customerId: string;
  const day = '2026-03-12';

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    customerId = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(t.adminToken))
        .send({ kind: 'individual', name: '寿星', birthDate: '1990-03-12' })
        .expect(201)
    ).body.id;
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  const ledgerSources = async (token: string) =>
    (await t.http.get(`${API}/customers/${customerId}/loyalty/ledger`).set(bearer(token)).expect(200)).body.data.map(
      (entry: { sourceType: string; reason: string | null }) => `${entry.sourceType} ${entry.reason}`,
    );

  it('shows the birthday entry only to those who may see the birth date', async () => {
    expect(await t.app.get(LoyaltyDailyProcessor, { strict: false }).birthdayRewards(day)).toBe(1);
    await t.http
      .post(`${API}/customers/${customerId}/loyalty/adjustments`)
      .set(bearer(t.adminToken))
      .send({ points: 5, reason: '补偿积分' })
      .expect(201);

    for (const roles of [['manager'], ['sales']])
      expect(await ledgerSources((await createUser(t, roles)).token)).toStrictEqual([
        'adjustment 补偿积分',
        'birthday 生日礼',
      ]);
    expect(await ledgerSources(await createApiKey(t, ['customers:read', 'customers:sensitive']))).toStrictEqual([
      'adjustment 补偿积分',
      'birthday 生日礼',
    ]);
    for (const roles of [['agent'], ['technician'], ['marketing']])
      expect(await ledgerSources((await createUser(t, roles)).token)).toStrictEqual(['adjustment 补偿积分']);
    expect(await ledgerSources(await createApiKey(t, ['customers:read']))).toStrictEqual(['adjustment 补偿积分']);
    // The balance is the balance: it includes the reward.
    const summary = await t.http
      .get(`${API}/customers/${customerId}/loyalty`)
      .set(bearer((await createUser(t, ['agent'])).token))
      .expect(200);
    expect(summary.body.balance).toBe(105);
  });

  it('sends loyalty.birthday_rewarded only to keys with customers:sensitive', async () => {
    const reader = await createApiKey(t, ['customers:read', 'webhooks:manage']);
    const sensitiveReader = await createApiKey(t, ['customers:read', 'customers:sensitive', 'webhooks:manage']);
    const register = (key: string, eventTypes: string[]) =>
      t.http.post(`${API}/webhooks`).set(bearer(key)).send({ url: 'http://127.0.0.1:9/hook', eventTypes });
    const refused = await register(reader, ['loyalty.birthday_rewarded']).expect(422);
    expect(refused.body.type).toBe('/problems/event-type-not-readable');
    const readerEndpoint = (await register(reader, ['loyalty.*']).expect(201)).body.id;
    const sensitiveEndpoint = (await register(sensitiveReader, ['loyalty.birthday_rewarded']).expect(201)).body.id;

    const other = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(t.adminToken))
        .send({ kind: 'individual', name: '又一位寿星', birthDate: '1991-03-13' })
        .expect(201)
    ).body.id;
    expect(await t.app.get(LoyaltyDailyProcessor, { strict: false }).birthdayRewards('2026-03-13')).toBe(1);
    const eventId = (
      await t.db.query(`SELECT event_id FROM outbox WHERE type = 'loyalty.birthday_rewarded' AND aggregate_id = $1`, [
        other,
      ])
    ).rows[0].event_id;
    const deliveriesFor = async (endpointId: string) =>
      (
        await t.db.query(`SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2`, [
          endpointId,
          eventId,
        ])
      ).rowCount;
    await waitFor(
      async () => (await deliveriesFor(sensitiveEndpoint)) === 1,
      20_000,
      'the delivery to the key that may read birth dates',
    );
    expect(await deliveriesFor(readerEndpoint)).toBe(0);
  }, 60_000);
});
