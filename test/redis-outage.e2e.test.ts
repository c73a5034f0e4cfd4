import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../bench/support.js';
import { DisposableRedis } from './support/disposable-redis.js';
import { ADMIN, API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';

/**
 * Redis down under a running app, on a Redis of the test's own: what needs Redis answers 503 within a
 * second (producers fail fast, issue 11 item 5), log-in fails closed (item 6), and what needs only
 * Postgres keeps working.
 */
describe('while Redis is down', () => {
  let redis: DisposableRedis;
  let t: TestApp;
  let endpointId: string;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    t = await startTestApp({ REDIS_URL: redis.url, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    endpointId = (
      await t.http
        .post(`${API}/webhooks`)
        .set(bearer(t.adminToken))
        .send({ url: 'http://127.0.0.1:9/hook', eventTypes: ['*'] })
        .expect(201)
    ).body.id;
    await redis.stop();
  }, 120_000);
  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await t.close();
    await redis.stop();
  }, 120_000);

  const requests: Array<
    [string, () => PromiseLike<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }>]
  > = [
    ['GET /admin/queues', () => t.http.get(`${API}/admin/queues`).set(bearer(t.adminToken))],
    [
      'GET /admin/queues/{name}/jobs',
      () => t.http.get(`${API}/admin/queues/domain-events/jobs?state=failed`).set(bearer(t.adminToken)),
    ],
    [
      'POST /admin/queues/{name}/pause',
      () => t.http.post(`${API}/admin/queues/maintenance/pause`).set(bearer(t.adminToken)),
    ],
    ['POST /admin/tiers/recalculate', () => t.http.post(`${API}/admin/tiers/recalculate`).set(bearer(t.adminToken))],
    ['POST /webhooks/{id}/test', () => t.http.post(`${API}/webhooks/${endpointId}/test`).set(bearer(t.adminToken))],
  ];
  for (const [name, send] of requests) {
    it(`answers ${name} with 503 and Retry-After within a second`, async () => {
      const started = Date.now();
      const response = await send();
      const elapsed = Date.now() - started;
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.headers['retry-after'] ?? '').toMatch(/^\d+$/);
      // took ${elapsed} ms
      expect(elapsed).toBeLessThan(1_000);
    }, 120_000);
  }

  it('keeps taking writes: the event waits in the outbox', async () => {
    await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .send({ kind: 'individual', name: '离线客户' })
      .expect(201);
  }, 120_000);

  it('refuses log-in (fails closed) rather than let password guesses through uncounted', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const wrong = await t.http.post(`${API}/auth/login`).send({ email: ADMIN.email, password: 'wrong-password' });
      expect(wrong.status).toBe(503);
      expect(wrong.headers['retry-after'] ?? '').toMatch(/^\d+$/);
    }
  }, 120_000);

  it('serves the queue admin and log-in again once Redis is back', async () => {
    await redis.start();
    await waitFor(
      async () => (await t.http.get(`${API}/admin/queues`).set(bearer(t.adminToken))).status === 200,
      30_000,
      'the queue admin',
    );
    await waitFor(async () => (await t.http.post(`${API}/auth/login`).send(ADMIN)).status === 200, 30_000, 'log-in');
  }, 120_000);
});
