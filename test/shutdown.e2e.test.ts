import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, API, startTestApp, TestApp } from './support/test-app.js';

describe('graceful shutdown', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await t.db.end().catch(() => undefined);
  }, 60_000);

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
    // no request was still in flight when the close began
    expect(responses.some((response) => response.finishedAt > closeStartedAt)).toBe(true);
    expect(responses.map((response) => response.status)).toStrictEqual([200, 200, 200, 200]);
  }, 60_000);
});
