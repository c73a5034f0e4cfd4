import { API, bearer, type TestApp } from './test-app.js';

/** Two tiers that both earn at the base rate, so a balance shows the points-per-unit rate alone. */
export async function earnAtBaseRateInEveryTier(t: TestApp): Promise<void> {
  await t.http
    .put(`${API}/admin/tiers`)
    .set(bearer(t.adminToken))
    .send({
      tiers: [
        { name: 'VIP', rank: 1, minScore: 13, earnMultiplier: '1.00', benefits: [] },
        { name: '低', rank: 2, minScore: 0, earnMultiplier: '1.00', benefits: [] },
      ],
    })
    .expect(200);
}
