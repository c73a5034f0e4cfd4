import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, API, bearer, createApiKey, createUser, startTestApp, TestApp } from './support/test-app.js';

describe('identity', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  describe('log-in and tokens', () => {
    it('logs the first administrator in and returns a token pair', async () => {
      const response = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      assert.equal(typeof response.body.accessToken, 'string');
      assert.match(response.body.refreshToken, /^rt_/);
      assert.equal(response.body.expiresIn, 900);
    });

    it('refuses a wrong password with a problem document', async () => {
      const response = await t.http.post(`${API}/auth/login`).send({ email: ADMIN.email, password: 'wrong-password' }).expect(401);
      assert.match(response.headers['content-type'], /application\/problem\+json/);
      assert.equal(response.body.status, 401);
      assert.equal(response.body.type, '/problems/unauthenticated');
    });

    it('refuses a malformed log-in body with field errors', async () => {
      const response = await t.http.post(`${API}/auth/login`).send({ email: 'not-an-email', password: 5 }).expect(400);
      const fields = response.body.errors.map((error: { field: string }) => error.field);
      assert.ok(fields.includes('email') && fields.includes('password'), JSON.stringify(response.body));
    });

    it('tells who is signed in', async () => {
      const me = await t.http.get(`${API}/auth/me`).set(bearer(t.adminToken)).expect(200);
      assert.equal(me.body.email, ADMIN.email);
      assert.deepEqual(me.body.roles, ['admin']);
    });

    it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
      const login = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      const first = login.body.refreshToken;
      const rotated = await t.http.post(`${API}/auth/refresh`).send({ refreshToken: first }).expect(200);
      assert.notEqual(rotated.body.refreshToken, first);
      await t.http.get(`${API}/auth/me`).set(bearer(rotated.body.accessToken)).expect(200);

      // A replay long after the rotation means the token leaked.
      await t.db.query(`UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE revoked_at IS NOT NULL`);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: first }).expect(401);
      // The replay revoked the successor too.
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: rotated.body.refreshToken }).expect(401);
    });

    it('does not sign out two tabs that refresh with the same token at once', async () => {
      const login = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      const [a, b] = await Promise.all([0, 1].map(() => t.http.post(`${API}/auth/refresh`).send({ refreshToken: login.body.refreshToken })));
      assert.deepEqual([a.status, b.status], [200, 200]);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: a.body.refreshToken }).expect(200);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: b.body.refreshToken }).expect(200);
    });

    it('rate-limits repeated log-in attempts on one account', async () => {
      const user = await createUser(t, ['agent']);
      let status = 0;
      for (let attempt = 0; attempt < 10 && status !== 429; attempt += 1) {
        status = (await t.http.post(`${API}/auth/login`).send({ email: user.email, password: 'wrong-password' })).status;
      }
      assert.equal(status, 429);
      const limited = await t.http.post(`${API}/auth/login`).send({ email: user.email, password: 'password-12345' }).expect(429);
      assert.equal(limited.headers['retry-after'], '60');
    });

    it('rejects requests without a token, with a malformed token and with a forged one', async () => {
      await t.http.get(`${API}/auth/me`).expect(401);
      await t.http.get(`${API}/auth/me`).set('authorization', 'Basic abc').expect(401);
      const [header, payload] = t.adminToken.split('.');
      await t.http.get(`${API}/auth/me`).set(bearer(`${header}.${payload}.forged-signature`)).expect(401);
    });
  });

  describe('users', () => {
    it('lets an administrator create staff with roles, team, region and skills', async () => {
      const manager = await createUser(t, ['manager']);
      const response = await t.http
        .post(`${API}/users`)
        .set(bearer(t.adminToken))
        .send({ email: 'tech.li@test.local', name: '李工', password: 'password-12345', roles: ['technician'], region: '浙江', skills: ['water-purifier'], managerId: manager.id })
        .expect(201);
      assert.equal(response.body.managerId, manager.id);
      assert.deepEqual(response.body.skills, ['water-purifier']);
      assert.equal(response.body.passwordHash, undefined);
      const stored = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [response.body.id]);
      assert.match(stored.rows[0].password_hash, /^\$argon2id\$/);
    });

    it('refuses a duplicate e-mail, an unknown role and unknown fields', async () => {
      await t.http.post(`${API}/users`).set(bearer(t.adminToken)).send({ email: ADMIN.email.toUpperCase(), name: 'x', password: 'password-12345', roles: ['sales'] }).expect(409);
      const invalid = await t.http
        .post(`${API}/users`)
        .set(bearer(t.adminToken))
        .send({ email: 'new@test.local', name: 'x', password: 'password-12345', roles: ['emperor'], shoeSize: 42 })
        .expect(400);
      const fields = invalid.body.errors.map((error: { field: string }) => error.field);
      assert.ok(fields.includes('roles') && fields.includes('shoeSize'), JSON.stringify(invalid.body));
    });

    it('forbids non-administrators from creating users', async () => {
      const sales = await createUser(t, ['sales']);
      await t.http.post(`${API}/users`).set(bearer(sales.token)).send({ email: 'x@test.local', name: 'x', password: 'password-12345', roles: ['admin'] }).expect(403);
    });

    it('updates a user with optimistic locking and audits the change', async () => {
      const agent = await createUser(t, ['agent']);
      const updated = await t.http.patch(`${API}/users/${agent.id}`).set(bearer(t.adminToken)).set('if-match', '1').send({ skills: ['billing'] }).expect(200);
      assert.equal(updated.body.version, 2);
      await t.http.patch(`${API}/users/${agent.id}`).set(bearer(t.adminToken)).set('if-match', '1').send({ region: '北京' }).expect(412);
      const audit = await t.db.query(`SELECT fields FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 AND action = 'user.updated'`, [agent.id]);
      assert.deepEqual(audit.rows[0].fields, ['skills']);
    });

    it('signs a deactivated user out at their next refresh', async () => {
      const agent = await createUser(t, ['agent']);
      const login = await t.http.post(`${API}/auth/login`).send({ email: agent.email, password: 'password-12345' }).expect(200);
      await t.http.patch(`${API}/users/${agent.id}`).set(bearer(t.adminToken)).send({ active: false }).expect(200);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: login.body.refreshToken }).expect(401);
      await t.http.post(`${API}/auth/login`).send({ email: agent.email, password: 'password-12345' }).expect(401);
    });
  });

  describe('API keys', () => {
    it('shows a key once, stores only its hash, and records its last use', async () => {
      const created = await t.http.post(`${API}/admin/api-keys`).set(bearer(t.adminToken)).send({ name: 'e-shop', scopes: ['customers:read'] }).expect(201);
      assert.match(created.body.key, /^crm_/);
      const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
      const entry = listed.body.data.find((key: { id: string }) => key.id === created.body.id);
      assert.equal(entry.key, undefined);
      assert.equal(entry.lastUsedAt, null);
      const stored = await t.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.body.id]);
      assert.notEqual(stored.rows[0].key_hash, created.body.key);

      await t.http.get(`${API}/customers`).set(bearer(created.body.key)).expect(200);
      const used = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
      assert.ok(used.body.data.find((key: { id: string }) => key.id === created.body.id).lastUsedAt);
    });

    it('refuses a key without the scope and a revoked key', async () => {
      const key = await createApiKey(t, ['customers:read']);
      await t.http.post(`${API}/customers`).set(bearer(key)).send({ kind: 'individual', name: '王芳' }).expect(403);
      await t.http.get(`${API}/auth/me`).set(bearer(key)).expect(403);
      const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
      const id = listed.body.data.find((entry: { prefix: string }) => key.startsWith(entry.prefix)).id;
      await t.http.delete(`${API}/admin/api-keys/${id}`).set(bearer(t.adminToken)).expect(204);
      await t.http.get(`${API}/customers`).set(bearer(key)).expect(401);
    });

    it('lets only administrators manage keys', async () => {
      const manager = await createUser(t, ['manager']);
      await t.http.post(`${API}/admin/api-keys`).set(bearer(manager.token)).send({ name: 'x', scopes: ['customers:read'] }).expect(403);
      await t.http.get(`${API}/admin/api-keys`).set(bearer(manager.token)).expect(403);
      await t.http.post(`${API}/admin/api-keys`).set(bearer(t.adminToken)).send({ name: 'x', scopes: ['everything'] }).expect(400);
    });
  });

  describe('operations endpoints', () => {
    it('serves health, metrics and the OpenAPI document without a token', async () => {
      await t.http.get('/health/live').expect(200);
      const ready = await t.http.get('/health/ready').expect(200);
      assert.equal(ready.body.checks.database.status, 'up');
      const metrics = await t.http.get('/metrics').expect(200);
      assert.match(metrics.text, /http_request_duration_seconds_bucket/);
      assert.match(metrics.text, /queue_jobs\{queue="domain-events"/);
      const docs = await t.http.get('/docs-json').expect(200);
      assert.ok(docs.body.paths['/api/v1/customers']);
      assert.ok(docs.body.components.schemas.CreateCustomerDto.properties.birthDate);
    });

    it('returns the request id it was given', async () => {
      const response = await t.http.get('/health/live').set('x-request-id', 'trace-123').expect(200);
      assert.equal(response.headers['x-request-id'], 'trace-123');
    });

    it('answers unknown routes with a problem document', async () => {
      const response = await t.http.get(`${API}/no-such-thing`).set(bearer(t.adminToken)).expect(404);
      assert.match(response.headers['content-type'], /application\/problem\+json/);
    });
  });
});

describe('user listing', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('pages through every user once and filters by role', async () => {
    for (let i = 0; i < 5; i += 1) await createUser(t, [i % 2 ? 'sales' : 'agent']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: '2' };
      if (cursor) query.cursor = cursor;
      const page = await t.http.get(`${API}/users`).query(query).set(bearer(t.adminToken)).expect(200);
      seen.push(...page.body.data.map((user: { id: string }) => user.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6);
    const sales = await t.http.get(`${API}/users`).query({ role: 'sales' }).set(bearer(t.adminToken)).expect(200);
    assert.equal(sales.body.data.length, 2);
    const agent = await createUser(t, ['agent']);
    await t.http.get(`${API}/users`).set(bearer(agent.token)).expect(403);
  });
});
