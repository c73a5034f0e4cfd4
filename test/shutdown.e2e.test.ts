import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { AuthService } from '../src/modules/identity/auth.service.js';
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
    // The close begins once all four are inside the log-in (not merely connected: idle connections close at once).
    const auth = t.app.get(AuthService);
    const login = auth.login.bind(auth);
    let started = 0;
    let allStarted!: () => void;
    const allInside = new Promise<void>((resolve) => (allStarted = resolve));
    jest.spyOn(auth, 'login').mockImplementation((...args) => {
      started += 1;
      if (started === 4) allStarted();
      return login(...args);
    });
    const inFlight = Promise.all(
      Array.from({ length: 4 }, async () => {
        const response = await t.http.post(`${API}/auth/login`).send(ADMIN);
        return { status: response.status, finishedAt: performance.now() };
      }),
    );
    await allInside;
    const closeStartedAt = performance.now();
    const [responses, closed] = await Promise.allSettled([inFlight, t.close()]);
    if (closed.status === 'rejected') throw closed.reason;
    if (responses.status === 'rejected') throw responses.reason;
    // Fails when every request had finished before the close began, which would prove nothing.
    expect(responses.value.some((response) => response.finishedAt > closeStartedAt)).toBe(true);
    expect(responses.value.map((response) => response.status)).toStrictEqual([200, 200, 200, 200]);
  }, 60_000);
});
