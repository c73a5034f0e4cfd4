import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, API, startTestApp, TestApp } from './support/test-app.js';

describe('graceful shutdown', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.db.end().catch(() => undefined);
  });

  it('finishes requests already in flight before closing the database', async () => {
    // A log-in hashes with Argon2 and then writes a refresh token: long enough to overlap the close.
    const inFlight = Promise.all(
      Array.from({ length: 4 }, async () => {
        const response = await t.http.post(`${API}/auth/login`).send(ADMIN);
        return { status: response.status, finishedAt: performance.now() };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closeStartedAt = performance.now();
    const closed = t.close();
    const responses = await inFlight;
    await closed;
    assert.ok(responses.some((response) => response.finishedAt > closeStartedAt), 'no request was still in flight when the close began');
    assert.deepEqual(responses.map((response) => response.status), [200, 200, 200, 200]);
  });
});
