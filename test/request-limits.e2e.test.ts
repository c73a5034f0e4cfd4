import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API, bearer, startTestApp, TestApp } from './support/test-app.js';

describe('request bodies the parser refuses before any transform', { timeout: 60_000 }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const assertBadRequestProblem = (response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) => {
    assert.equal(response.status, 400);
    assert.match(response.headers['content-type'], /application\/problem\+json/);
    assert.equal(response.body.status, 400);
    assert.equal(typeof response.body.requestId, 'string');
  };

  it('refuses 1,500 nested arrays sent to log-in with 400, not a stack overflow', async () => {
    const body = '['.repeat(1500) + ']'.repeat(1500);
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send(body);
    assertBadRequestProblem(response);
    assert.match(String(response.body.detail), /nested deeper than 32/);
  });

  it('refuses an 800 KB nested body quickly, keeping the event loop free', async () => {
    const body = '{"a":'.repeat(160_000) + '1' + '}'.repeat(160_000);
    const started = performance.now();
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send(body);
    assertBadRequestProblem(response);
    assert.ok(performance.now() - started < 500, `took ${Math.round(performance.now() - started)} ms`);
  });

  it('refuses an array longer than 1,000 items anywhere in a body', async () => {
    const body = JSON.stringify({ kind: 'individual', name: 'x', tags: Array.from({ length: 100_000 }, () => 0) });
    const response = await t.http.post(`${API}/customers`).set(bearer(t.adminToken)).set('content-type', 'application/json').send(body);
    assertBadRequestProblem(response);
    assert.match(String(response.body.detail), /more than 1000 items/);
  });

  it('still accepts brackets and commas inside strings and ordinary nesting', async () => {
    const response = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .send({ kind: 'individual', name: '[[[{{{"\\,,,'.repeat(10), lifeJourney: {} });
    assert.equal(response.status, 201, JSON.stringify(response.body));
  });

  it('still reports malformed JSON as 400 problem details', async () => {
    const response = await t.http.post(`${API}/auth/login`).set('content-type', 'application/json').send('{"email": ');
    assertBadRequestProblem(response);
  });
});
