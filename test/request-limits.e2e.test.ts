import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API, bearer, startTestApp, type TestApp } from './support/test-app.js';

describe('request bodies the parser refuses before any transform', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  const assertBadRequestProblem = (response: {
    status: number;
    headers: Record<string, string>;
    body: Record<string, unknown>;
  }) => {
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.status).toBe(400);
    expect(typeof response.body.requestId).toBe('string');
  };

  it('refuses 1,500 nested arrays sent to log-in with 400, not a stack overflow', async () => {
    const body = '['.repeat(1500) + ']'.repeat(1500);
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send(body);
    assertBadRequestProblem(response);
    expect(String(response.body.detail)).toMatch(/nested deeper than 32/);
  }, 60_000);

  it('refuses an 800 KB nested body quickly, keeping the event loop free', async () => {
    const body = '{"a":'.repeat(160_000) + '1' + '}'.repeat(160_000);
    const started = performance.now();
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send(body);
    assertBadRequestProblem(response);
    // took ${Math.round(performance.now() - started)} ms
    expect(performance.now() - started).toBeLessThan(500);
  }, 60_000);

  it('refuses an array longer than 1,000 items anywhere in a body', async () => {
    const body = JSON.stringify({ kind: 'individual', name: 'x', tags: Array.from({ length: 100_000 }, () => 0) });
    const response = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .set('content-type', 'application/json')
      .send(body);
    assertBadRequestProblem(response);
    expect(String(response.body.detail)).toMatch(/more than 1000 items/);
  }, 60_000);

  it('still accepts brackets and commas inside strings and ordinary nesting', async () => {
    const response = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .send({ kind: 'individual', name: '[[[{{{"\\,,,'.repeat(10), lifeJourney: {} });
    expect(response.status).toBe(201);
  }, 60_000);

  it('still reports malformed JSON as 400 problem details', async () => {
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send('{"email": ');
    assertBadRequestProblem(response);
  }, 60_000);
});
