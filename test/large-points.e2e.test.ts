import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { earnAtBaseRateInEveryTier } from './support/loyalty.js';
import { API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';

/**
 * Points and balances are bigint in the schema and read as such: the largest purchase the API takes
 * (numeric(14,2)) earns its points instead of failing its job for ever with "integer out of range"
 * (issue 11, item 9).
 */
describe('points beyond a 32-bit integer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await earnAtBaseRateInEveryTier(t);
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  it('credits the points of a 999,999,999,999.00 purchase, and a second one on top', async () => {
    const customerId = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(t.adminToken))
        .send({ kind: 'individual', name: '大客户' })
        .expect(201)
    ).body.id;
    const buy = () =>
      t.http
        .post(`${API}/customers/${customerId}/purchases`)
        .set(bearer(t.adminToken))
        .send({
          product: '整栋楼',
          amount: { amount: '999999999999.00', currency: 'CNY' },
          paymentMethod: 'bank_transfer',
        })
        .expect(201);
    await buy();
    await buy();
    const balanceOf = async () =>
      (await t.http.get(`${API}/customers/${customerId}/loyalty`).set(bearer(t.adminToken)).expect(200)).body.balance;
    await waitFor(async () => (await balanceOf()) === 1_999_999_999_998, 45_000, 'both purchases credited');
    const ledger = await t.http
      .get(`${API}/customers/${customerId}/loyalty/ledger`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(
      ledger.body.data.map((entry: { points: number; balanceAfter: number }) => [entry.points, entry.balanceAfter]),
    ).toStrictEqual([
      [999_999_999_999, 1_999_999_999_998],
      [999_999_999_999, 999_999_999_999],
    ]);
  }, 90_000);
});
