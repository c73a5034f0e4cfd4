import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ADMIN,
  API,
  bearer,
  createApiKey,
  createUser,
  startTestApp,
  type TestApp,
  waitFor,
} from './support/test-app.js';

describe('identity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('log-in and tokens', () => {
    it('logs the first administrator in and returns a token pair', async () => {
      const response = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      expect(typeof response.body.accessToken).toBe('string');
      expect(response.body.refreshToken).toMatch(/^rt_/);
      expect(response.body.expiresIn).toBe(900);
    });

    it('refuses a wrong password with a problem document', async () => {
      const response = await t.http
        .post(`${API}/auth/login`)
        .send({ email: ADMIN.email, password: 'wrong-password' })
        .expect(401);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.status).toBe(401);
      expect(response.body.type).toBe('/problems/unauthenticated');
    });

    it('refuses a malformed log-in body with field errors', async () => {
      const response = await t.http.post(`${API}/auth/login`).send({ email: 'not-an-email', password: 5 }).expect(400);
      const fields = response.body.errors.map((error: { field: string }) => error.field);
      expect(fields.includes('email') && fields.includes('password')).toBeTruthy();
    });

    it('tells who is signed in', async () => {
      const me = await t.http.get(`${API}/auth/me`).set(bearer(t.adminToken)).expect(200);
      expect(me.body.email).toBe(ADMIN.email);
      expect(me.body.roles).toStrictEqual(['admin']);
    });

    it('rotates refresh tokens and revokes the family when a spent one is replayed', async () => {
      const login = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      const first = login.body.refreshToken;
      const rotated = await t.http.post(`${API}/auth/refresh`).send({ refreshToken: first }).expect(200);
      expect(rotated.body.refreshToken).not.toBe(first);
      await t.http.get(`${API}/auth/me`).set(bearer(rotated.body.accessToken)).expect(200);

      // A replay long after the rotation means the token leaked.
      await t.db.query(
        `UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE revoked_at IS NOT NULL`,
      );
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: first }).expect(401);
      // The replay revoked the successor too.
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: rotated.body.refreshToken }).expect(401);
    });

    it('does not sign out two tabs that refresh with the same token at once', async () => {
      const login = await t.http.post(`${API}/auth/login`).send(ADMIN).expect(200);
      const [a, b] = await Promise.all(
        [0, 1].map(() => t.http.post(`${API}/auth/refresh`).send({ refreshToken: login.body.refreshToken })),
      );
      expect([a.status, b.status]).toStrictEqual([200, 200]);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: a.body.refreshToken }).expect(200);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: b.body.refreshToken }).expect(200);
    });

    it('rate-limits repeated log-in attempts on one account', async () => {
      const user = await createUser(t, ['agent']);
      let status = 0;
      for (let attempt = 0; attempt < 10 && status !== 429; attempt += 1) {
        status = (await t.http.post(`${API}/auth/login`).send({ email: user.email, password: 'wrong-password' }))
          .status;
      }
      expect(status).toBe(429);
      const limited = await t.http
        .post(`${API}/auth/login`)
        .send({ email: user.email, password: 'password-12345' })
        .expect(429);
      expect(limited.headers['retry-after']).toBe('60');
    });

    it('rejects requests without a token, with a malformed token and with a forged one', async () => {
      await t.http.get(`${API}/auth/me`).expect(401);
      await t.http.get(`${API}/auth/me`).set('authorization', 'Basic abc').expect(401);
      const [header, payload] = t.adminToken.split('.');
      await t.http
        .get(`${API}/auth/me`)
        .set(bearer(`${header}.${payload}.forged-signature`))
        .expect(401);
    });
  });

  describe('users', () => {
    it('lets an administrator create staff with roles, team, region and skills', async () => {
      const manager = await createUser(t, ['manager']);
      const response = await t.http
        .post(`${API}/users`)
        .set(bearer(t.adminToken))
        .send({
          email: 'tech.li@test.local',
          name: '李工',
          password: 'password-12345',
          roles: ['technician'],
          region: '浙江',
          skills: ['water-purifier'],
          managerId: manager.id,
        })
        .expect(201);
      expect(response.body.managerId).toBe(manager.id);
      expect(response.body.skills).toStrictEqual(['water-purifier']);
      expect(response.body.passwordHash).toBeUndefined();
      const stored = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [response.body.id]);
      expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    });

    it('refuses a duplicate e-mail, an unknown role and unknown fields', async () => {
      await t.http
        .post(`${API}/users`)
        .set(bearer(t.adminToken))
        .send({ email: ADMIN.email.toUpperCase(), name: 'x', password: 'password-12345', roles: ['sales'] })
        .expect(409);
      const invalid = await t.http
        .post(`${API}/users`)
        .set(bearer(t.adminToken))
        .send({ email: 'new@test.local', name: 'x', password: 'password-12345', roles: ['emperor'], shoeSize: 42 })
        .expect(400);
      const fields = invalid.body.errors.map((error: { field: string }) => error.field);
      expect(fields.includes('roles') && fields.includes('shoeSize')).toBeTruthy();
    });

    it('forbids non-administrators from creating users', async () => {
      const sales = await createUser(t, ['sales']);
      await t.http
        .post(`${API}/users`)
        .set(bearer(sales.token))
        .send({ email: 'x@test.local', name: 'x', password: 'password-12345', roles: ['admin'] })
        .expect(403);
    });

    it('updates a user with optimistic locking and audits the change', async () => {
      const agent = await createUser(t, ['agent']);
      const updated = await t.http
        .patch(`${API}/users/${agent.id}`)
        .set(bearer(t.adminToken))
        .set('if-match', '1')
        .send({ skills: ['billing'] })
        .expect(200);
      expect(updated.body.version).toBe(2);
      await t.http
        .patch(`${API}/users/${agent.id}`)
        .set(bearer(t.adminToken))
        .set('if-match', '1')
        .send({ region: '北京' })
        .expect(412);
      const audit = await t.db.query(
        `SELECT fields FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 AND action = 'user.updated'`,
        [agent.id],
      );
      expect(audit.rows[0].fields).toStrictEqual(['skills']);
    });

    it('signs a deactivated user out at their next refresh', async () => {
      const agent = await createUser(t, ['agent']);
      const login = await t.http
        .post(`${API}/auth/login`)
        .send({ email: agent.email, password: 'password-12345' })
        .expect(200);
      await t.http.patch(`${API}/users/${agent.id}`).set(bearer(t.adminToken)).send({ active: false }).expect(200);
      await t.http.post(`${API}/auth/refresh`).send({ refreshToken: login.body.refreshToken }).expect(401);
      await t.http.post(`${API}/auth/login`).send({ email: agent.email, password: 'password-12345' }).expect(401);
    });
  });

  describe('API keys', () => {
    it('shows a key once, stores only its hash, and records its last use', async () => {
      const created = await t.http
        .post(`${API}/admin/api-keys`)
        .set(bearer(t.adminToken))
        .send({ name: 'e-shop', scopes: ['customers:read'] })
        .expect(201);
      expect(created.body.key).toMatch(/^crm_/);
      const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
      const entry = listed.body.data.find((key: { id: string }) => key.id === created.body.id);
      expect(entry.key).toBeUndefined();
      expect(entry.lastUsedAt).toBeNull();
      const stored = await t.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.body.id]);
      expect(stored.rows[0].key_hash).not.toBe(created.body.key);

      await t.http.get(`${API}/customers`).set(bearer(created.body.key)).expect(200);
      // The use is recorded after the answer, off the request's path, so the list shows it shortly after.
      const lastUsedAt = await waitFor(
        async () => {
          const used = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
          return used.body.data.find((key: { id: string }) => key.id === created.body.id).lastUsedAt as string | null;
        },
        10_000,
        "the key's last use to be recorded",
      );
      expect(Date.parse(lastUsedAt)).toBeGreaterThan(Date.parse(created.body.createdAt) - 1_000);
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
      await t.http
        .post(`${API}/admin/api-keys`)
        .set(bearer(manager.token))
        .send({ name: 'x', scopes: ['customers:read'] })
        .expect(403);
      await t.http.get(`${API}/admin/api-keys`).set(bearer(manager.token)).expect(403);
      await t.http
        .post(`${API}/admin/api-keys`)
        .set(bearer(t.adminToken))
        .send({ name: 'x', scopes: ['everything'] })
        .expect(400);
    });
  });

  describe('operations endpoints', () => {
    it('serves health, metrics and the OpenAPI document without a token', async () => {
      await t.http.get('/health/live').expect(200);
      const ready = await t.http.get('/health/ready').expect(200);
      expect(ready.body.checks.database.status).toBe('up');
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/http_request_duration_seconds_bucket/);
      expect(metrics.text).toMatch(/queue_jobs\{queue="domain-events"/);
      const docs = await t.http.get('/docs-json').expect(200);
      expect(docs.body.paths['/api/v1/customers']).toBeTruthy();
      expect(docs.body.components.schemas.CreateCustomerDto.properties.birthDate).toBeTruthy();
    });

    it('returns the request id it was given', async () => {
      const response = await t.http.get('/health/live').set('x-request-id', 'trace-123').expect(200);
      expect(response.headers['x-request-id']).toBe('trace-123');
    });

    it('answers unknown routes with a problem document', async () => {
      const response = await t.http.get(`${API}/no-such-thing`).set(bearer(t.adminToken)).expect(404);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    });
  });
});

describe('user listing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

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
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    const sales = await t.http.get(`${API}/users`).query({ role: 'sales' }).set(bearer(t.adminToken)).expect(200);
    expect(sales.body.data.length).toBe(2);
    const agent = await createUser(t, ['agent']);
    await t.http.get(`${API}/users`).set(bearer(agent.token)).expect(403);
  });
});
