import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { API, bearer, startTestApp, TestApp } from './support/test-app.js';

/** Access tokens must say when they were issued, when they expire and what they are (issue 11, item 11). */
describe('access tokens', () => {
  let t: TestApp;
  let jwt: JwtService;
  let admin: { sub: string; roles: string[]; email: string; name: string };

  beforeAll(async () => {
    t = await startTestApp();
    jwt = t.app.get(JwtService, { strict: false });
    const claims = jwt.decode(t.adminToken);
    admin = { sub: claims.sub, roles: claims.roles, email: claims.email, name: claims.name };
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  const now = () => Math.floor(Date.now() / 1000);
  const listWith = (token: string) => t.http.get(`${API}/customers`).set(bearer(token));

  it('accepts a token the server issued', async () => {
    await listWith(t.adminToken).expect(200);
  });

  it('refuses a validly signed token without exp, which would never expire', async () => {
    const token = jwt.sign({ ...admin, typ: 'access' }); // no expiresIn: no exp claim
    expect(jwt.decode(token).exp).toBeUndefined();
    const response = await listWith(token).expect(401);
    expect(response.body.type).toBe('/problems/unauthenticated');
  });

  it('refuses a token without iat', async () => {
    await listWith(jwt.sign({ ...admin, typ: 'access' }, { expiresIn: 600, noTimestamp: true })).expect(401);
  });

  it('refuses a token without the access typ, or with another', async () => {
    await listWith(jwt.sign({ ...admin }, { expiresIn: 600 })).expect(401);
    await listWith(jwt.sign({ ...admin, typ: 'refresh' }, { expiresIn: 600 })).expect(401);
  });

  it('refuses a token issued in the future or living longer than any access token may', async () => {
    await listWith(jwt.sign({ ...admin, typ: 'access', iat: now() + 3_600 }, { expiresIn: 600 })).expect(401);
    await listWith(jwt.sign({ ...admin, typ: 'access' }, { expiresIn: 30 * 86_400 })).expect(401);
  });
});
