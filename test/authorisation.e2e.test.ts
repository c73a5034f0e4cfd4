import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { SCOPES } from '../src/common/auth/principal.js';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';
import { purchase } from './support/factories.js';

/**
 * The authorisation matrix of the customer and identity endpoints: for every route and every kind of
 * caller, who gets in (the route's own status), who is not signed in (401) and who is refused (403), as the Roles table of
 * API.md, the @Allow rules and CustomerAccess describe. Then what each caller sees of the sensitive
 * profile fields, and how far a manager's reach goes.
 */

type User = Awaited<ReturnType<typeof createUser>>;
type Request = ReturnType<TestApp['http']['get']>;

/** The kinds of caller every endpoint is tried with. */
const CALLERS = [
  'anonymous',
  'admin',
  'manager',
  'owner',
  'otherSales',
  'agent',
  'technician',
  'marketing',
  'unscopedKey',
  'scopedKey',
] as const;
type Caller = (typeof CALLERS)[number];
type StaffCaller = Exclude<Caller, 'anonymous' | 'unscopedKey' | 'scopedKey'>;
type UserCaller = Exclude<StaffCaller, 'admin'>;

/** Every signed-in role. */
const EVERY_ROLE: StaffCaller[] = ['admin', 'manager', 'owner', 'otherSales', 'agent', 'technician', 'marketing'];
/** Administrators only ("admin: everything, including configuration, users, API keys, admin endpoints"). */
const ADMIN_ONLY: StaffCaller[] = ['admin'];
/** The owner of the customer, the owner's manager and administrators. */
const OWNER_MANAGER_ADMIN: StaffCaller[] = ['admin', 'manager', 'owner'];

/** Scopes that have nothing to do with customers, users or configuration. */
const UNRELATED_SCOPES = ['webhooks:manage', 'outreach:report', 'service-requests:write', 'complaints:write'];
const EVERY_SCOPE = [...SCOPES];

/** The sensitive profile of every customer these tests create; the zodiac follows from the birth date. */
const SENSITIVE = { birthDate: '1985-06-15', zodiac: '牛', religion: '佛教', smoker: false, drinker: true } as const;
const SENSITIVE_FIELDS = Object.keys(SENSITIVE) as (keyof typeof SENSITIVE)[];

const PASSWORD = 'password-12345';

interface Ids {
  customer: string;
  purchase: string;
  user: string;
  apiKey: string;
  customField: string;
  refreshToken: string;
}

interface Case {
  /** Method and path, as in API.md. */
  route: string;
  /** What the route answers a caller who gets in. */
  status: number;
  /** What the caller tries to do, to read in the test name. */
  action: string;
  /** No token needed: everyone gets in. */
  public?: boolean;
  /** The roles that get in (anyone else signed in gets 403). */
  roles: StaffCaller[];
  /** The scope that lets an API key in; none: no API key may call the route. */
  scope?: string;
  /** The record is a customer (or one of its records), so ownership matters. */
  aboutCustomer?: boolean;
  /** A record of its own for each caller, made in before(), for calls that use their record up. */
  fresh?: (caller: Caller) => Promise<Partial<Ids>>;
  request: (ids: Ids, caller: Caller) => Request;
}

describe('authorisation', () => {
  let t: TestApp;
  const users = {} as Record<UserCaller | 'outsideManager', User>;
  const keys: Record<string, string> = {};
  let shared: Ids;
  const freshIds = new Map<string, Partial<Ids>>();
  let loginTarget: { email: string; password: string };
  /** Customer fixtures for the sections after the matrix. */
  const customers: Record<string, { id: string; code: string }> = {};
  let outsidePurchaseId: string;

  const unique = () => randomBytes(4).toString('hex');

  const newCustomer = (overrides: Record<string, unknown> = {}) => ({
    kind: 'individual',
    name: '权限测试',
    gender: 'female',
    mobile: '139 0000 1111',
    region: '浙江',
    ...SENSITIVE,
    zodiac: undefined,
    ...overrides,
  });

  const purchaseBody = () => ({ product: '滤芯', amount: { amount: '10.00', currency: 'CNY' }, paymentMethod: 'cash' });

  async function createCustomer(
    token: string,
    overrides: Record<string, unknown> = {},
  ): Promise<{ id: string; code: string }> {
    const response = await t.http.post(`${API}/customers`).set(bearer(token)).send(newCustomer(overrides));
    expect(response.status).toBe(201);
    return response.body;
  }

  const recordPurchase = async (token: string, customerId: string) => (await purchase(t, token, customerId)).id;

  /** A staff account made by the administrator, without logging in (log-ins are slow). */
  async function createAccount(
    roles: string[],
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; email: string }> {
    const email = `authz-${roles.join('-')}-${unique()}@test.local`;
    const response = await t.http
      .post(`${API}/users`)
      .set(bearer(t.adminToken))
      .send({ email, name: `${roles[0]} 账号`, password: PASSWORD, roles, ...extra });
    expect(response.status).toBe(201);
    return { id: response.body.id, email };
  }

  /** Like createApiKey, with a short name: a key with every scope would overflow the name's 100 characters. */
  async function issueKey(name: string, scopes: string[]): Promise<string> {
    const response = await t.http.post(`${API}/admin/api-keys`).set(bearer(t.adminToken)).send({ name, scopes });
    expect(response.status).toBe(201);
    return response.body.key;
  }

  async function login(email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
    const response = await t.http.post(`${API}/auth/login`).send({ email, password });
    expect(response.status).toBe(200);
    return response.body;
  }

  const CASES: Case[] = [
    // Identity.
    {
      route: 'POST /auth/login',
      status: 200,
      action: 'log in',
      public: true,
      roles: [],
      request: () => t.http.post(`${API}/auth/login`).send(loginTarget),
    },
    {
      route: 'POST /auth/refresh',
      status: 200,
      action: 'refresh a session',
      public: true,
      roles: [],
      fresh: async () => ({ refreshToken: (await login(loginTarget.email, loginTarget.password)).refreshToken }),
      request: (ids) => t.http.post(`${API}/auth/refresh`).send({ refreshToken: ids.refreshToken }),
    },
    {
      route: 'GET /auth/me',
      status: 200,
      action: 'see who they are signed in as',
      roles: EVERY_ROLE,
      request: () => t.http.get(`${API}/auth/me`),
    },
    {
      route: 'POST /users',
      status: 201,
      action: 'create a staff account',
      roles: ADMIN_ONLY,
      request: (_, caller) =>
        t.http.post(`${API}/users`).send({
          email: `new-${caller}-${unique()}@test.local`,
          name: '新员工',
          password: PASSWORD,
          roles: ['agent'],
        }),
    },
    {
      route: 'GET /users',
      status: 200,
      action: 'list staff accounts',
      roles: ['admin', 'manager'],
      request: () => t.http.get(`${API}/users`),
    },
    {
      route: 'GET /users/{id}',
      status: 200,
      action: 'read a staff account',
      roles: ['admin', 'manager'],
      request: (ids) => t.http.get(`${API}/users/${ids.user}`),
    },
    {
      route: 'PATCH /users/{id}',
      status: 200,
      action: 'change a staff account',
      roles: ADMIN_ONLY,
      request: (ids) => t.http.patch(`${API}/users/${ids.user}`).send({ skills: ['water-purifier'] }),
    },
    {
      route: 'POST /admin/api-keys',
      status: 201,
      action: 'issue an API key',
      roles: ADMIN_ONLY,
      request: (_, caller) =>
        t.http.post(`${API}/admin/api-keys`).send({ name: `issued by ${caller}`, scopes: ['customers:read'] }),
    },
    {
      route: 'GET /admin/api-keys',
      status: 200,
      action: 'list API keys',
      roles: ADMIN_ONLY,
      request: () => t.http.get(`${API}/admin/api-keys`),
    },
    {
      route: 'DELETE /admin/api-keys/{id}',
      status: 204,
      action: 'revoke an API key',
      roles: ADMIN_ONLY,
      fresh: async (caller) => {
        const created = await t.http
          .post(`${API}/admin/api-keys`)
          .set(bearer(t.adminToken))
          .send({ name: `victim of ${caller}`, scopes: ['customers:read'] })
          .expect(201);
        return { apiKey: created.body.id };
      },
      request: (ids) => t.http.delete(`${API}/admin/api-keys/${ids.apiKey}`),
    },
    // Custom field definitions.
    {
      route: 'GET /admin/custom-fields',
      status: 200,
      action: 'list the custom field definitions',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      request: () => t.http.get(`${API}/admin/custom-fields`),
    },
    {
      route: 'POST /admin/custom-fields',
      status: 201,
      action: 'define a custom field',
      roles: ADMIN_ONLY,
      request: (_, caller) =>
        t.http
          .post(`${API}/admin/custom-fields`)
          .send({ key: `authz${caller[0].toUpperCase()}${caller.slice(1)}`, label: `字段 ${caller}`, type: 'text' }),
    },
    {
      route: 'PATCH /admin/custom-fields/{id}',
      status: 200,
      action: 'change a custom field definition',
      roles: ADMIN_ONLY,
      request: (ids, caller) =>
        t.http.patch(`${API}/admin/custom-fields/${ids.customField}`).send({ label: `会员卡号 (${caller})` }),
    },
    // Customers.
    {
      route: 'POST /customers',
      status: 201,
      action: 'create a customer',
      roles: ['admin', 'manager', 'owner', 'otherSales'],
      scope: 'customers:write',
      request: (_, caller) => t.http.post(`${API}/customers`).send(newCustomer({ name: `新客户 ${caller}` })),
    },
    {
      route: 'GET /customers',
      status: 200,
      action: 'list customers',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      request: () => t.http.get(`${API}/customers`),
    },
    {
      route: 'GET /customers/{id}',
      status: 200,
      action: 'read a customer',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      aboutCustomer: true,
      request: (ids) => t.http.get(`${API}/customers/${ids.customer}`),
    },
    {
      route: 'PATCH /customers/{id}',
      status: 200,
      action: 'change a customer',
      roles: OWNER_MANAGER_ADMIN,
      scope: 'customers:write',
      aboutCustomer: true,
      request: (ids, caller) => t.http.patch(`${API}/customers/${ids.customer}`).send({ hobbies: `茶道 (${caller})` }),
    },
    {
      // The controller lets managers (and admins) delete; not the owning salesperson, not a key.
      route: 'DELETE /customers/{id}',
      status: 204,
      action: 'delete a customer',
      roles: ['admin', 'manager'],
      aboutCustomer: true,
      fresh: async (caller) => ({
        customer: (await createCustomer(users.owner.token, { name: `待删除 ${caller}` })).id,
      }),
      request: (ids) => t.http.delete(`${API}/customers/${ids.customer}`),
    },
    {
      route: 'POST /customers/{id}/purchases',
      status: 201,
      action: 'record a purchase',
      roles: OWNER_MANAGER_ADMIN,
      scope: 'purchases:write',
      aboutCustomer: true,
      request: (ids) => t.http.post(`${API}/customers/${ids.customer}/purchases`).send(purchaseBody()),
    },
    {
      route: 'GET /customers/{id}/purchases',
      status: 200,
      action: 'list purchases',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      aboutCustomer: true,
      request: (ids) => t.http.get(`${API}/customers/${ids.customer}/purchases`),
    },
    {
      route: 'POST /purchases/{id}/refund',
      status: 200,
      action: 'refund a purchase',
      roles: OWNER_MANAGER_ADMIN,
      scope: 'purchases:write',
      aboutCustomer: true,
      fresh: async () => ({ purchase: await recordPurchase(users.owner.token, shared.customer) }),
      request: (ids) => t.http.post(`${API}/purchases/${ids.purchase}/refund`).send({ reason: '质量问题' }),
    },
    {
      route: 'POST /customers/{id}/interactions',
      status: 201,
      action: 'log an interaction',
      roles: ['admin', 'manager', 'owner', 'otherSales', 'agent', 'technician'],
      scope: 'interactions:write',
      aboutCustomer: true,
      request: (ids) =>
        t.http
          .post(`${API}/customers/${ids.customer}/interactions`)
          .send({ channel: 'phone', direction: 'inbound', summary: '客户咨询滤芯更换' }),
    },
    {
      route: 'GET /customers/{id}/interactions',
      status: 200,
      action: 'list interactions',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      aboutCustomer: true,
      request: (ids) => t.http.get(`${API}/customers/${ids.customer}/interactions`),
    },
    {
      route: 'GET /customers/{id}/consents',
      status: 200,
      action: 'read consents',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      aboutCustomer: true,
      request: (ids) => t.http.get(`${API}/customers/${ids.customer}/consents`),
    },
    {
      route: 'PUT /customers/{id}/consents',
      status: 200,
      action: 'record consents',
      roles: ['admin', 'manager', 'owner', 'otherSales', 'agent'],
      scope: 'customers:write',
      aboutCustomer: true,
      request: (ids) =>
        t.http
          .put(`${API}/customers/${ids.customer}/consents`)
          .send({ channels: [{ channel: 'sms', optedIn: true }], source: '客户来电' }),
    },
    {
      route: 'GET /customers/{id}/timeline',
      status: 200,
      action: 'read the timeline',
      roles: EVERY_ROLE,
      scope: 'customers:read',
      aboutCustomer: true,
      request: (ids) => t.http.get(`${API}/customers/${ids.customer}/timeline`),
    },
  ];

  function who(caller: Caller, c: Case): string {
    switch (caller) {
      case 'anonymous':
        return 'a caller without a token';
      case 'admin':
        return 'an administrator';
      case 'manager':
        return c.aboutCustomer ? "the owner's manager" : 'a manager';
      case 'owner':
        return c.aboutCustomer ? 'the salesperson who owns the customer' : 'a salesperson';
      case 'otherSales':
        return c.aboutCustomer ? 'another salesperson' : 'a salesperson from another team';
      case 'agent':
        return 'an agent';
      case 'technician':
        return 'a technician';
      case 'marketing':
        return 'a marketer';
      case 'unscopedKey':
        return 'an API key without a relevant scope';
      case 'scopedKey':
        return c.public
          ? 'a caller presenting an API key'
          : c.scope
            ? `an API key with ${c.scope}`
            : 'an API key, whatever its scopes,';
    }
  }

  function tokenFor(caller: Caller, c: Case): string | undefined {
    switch (caller) {
      case 'anonymous':
        return undefined;
      case 'admin':
        return t.adminToken;
      case 'unscopedKey':
        return keys.unrelated;
      case 'scopedKey':
        return c.scope ? keys[c.scope] : keys.every;
      default:
        return users[caller].token;
    }
  }

  /** The status a caller gets: the route's own when they get in. */
  function expected(c: Case, caller: Caller): number {
    if (c.public) return c.status;
    if (caller === 'anonymous') return 401;
    if (caller === 'unscopedKey') return 403;
    if (caller === 'scopedKey') return c.scope ? c.status : 403;
    return c.roles.includes(caller) ? c.status : 403;
  }

  /** The status, and a problem document with every refusal. */
  function assertOutcome(response: { status: number; body: unknown; headers: Record<string, string> }, status: number) {
    expect(response.status).toBe(status);
    if (status >= 400) expect(response.headers['content-type'] ?? '').toMatch(/application\/problem\+json/);
  }

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '100' });
    users.manager = await createUser(t, ['manager']);
    users.outsideManager = await createUser(t, ['manager']);
    users.owner = await createUser(t, ['sales'], { managerId: users.manager.id, region: '浙江' });
    users.otherSales = await createUser(t, ['sales'], { managerId: users.outsideManager.id, region: '江苏' });
    users.agent = await createUser(t, ['agent']);
    users.technician = await createUser(t, ['technician']);
    users.marketing = await createUser(t, ['marketing']);

    keys.unrelated = await issueKey('unrelated scopes', UNRELATED_SCOPES);
    keys.every = await issueKey('every scope', EVERY_SCOPE);
    for (const scope of ['customers:read', 'customers:write', 'purchases:write', 'interactions:write'])
      keys[scope] = await createApiKey(t, [scope]);
    keys.readSensitive = await createApiKey(t, ['customers:read', 'customers:sensitive']);
    keys.writeSensitive = await createApiKey(t, ['customers:write', 'customers:sensitive']);

    const target = await createAccount(['agent']);
    loginTarget = { email: (await createAccount(['agent'])).email, password: PASSWORD };
    const field = await t.http
      .post(`${API}/admin/custom-fields`)
      .set(bearer(t.adminToken))
      .send({ key: 'vipCardNo', label: '会员卡号', type: 'text' })
      .expect(201);
    const customer = await createCustomer(users.owner.token, { name: '共享客户' });
    const standingKey = await t.http
      .post(`${API}/admin/api-keys`)
      .set(bearer(t.adminToken))
      .send({ name: 'standing', scopes: ['customers:read'] })
      .expect(201);
    shared = {
      customer: customer.id,
      purchase: await recordPurchase(users.owner.token, customer.id),
      user: target.id,
      apiKey: standingKey.body.id,
      customField: field.body.id,
      refreshToken: '',
    };

    for (const c of CASES) {
      if (!c.fresh) continue;
      for (const caller of CALLERS) freshIds.set(`${c.route}|${caller}`, await c.fresh(caller));
    }

    // For the sensitive-field, team and deletion sections.
    customers.sensitive = await createCustomer(users.owner.token, { name: '敏感字段' });
    customers.team = await createCustomer(users.owner.token, { name: '团队客户' });
    customers.outside = await createCustomer(users.otherSales.token, { name: '外部客户', notes: '原始备注' });
    outsidePurchaseId = await recordPurchase(users.otherSales.token, customers.outside.id);
    customers.giveAwayByManager = await createCustomer(users.owner.token, { name: '转交一' });
    customers.giveAwayBySales = await createCustomer(users.owner.token, { name: '转交二' });
    customers.deleted = await createCustomer(users.owner.token, { name: '已删除' });
    await t.http.delete(`${API}/customers/${customers.deleted.id}`).set(bearer(t.adminToken)).expect(204);
  }, 180_000); // a route × caller matrix of fresh records: minutes on a busy machine, not the 30 s of a hook
  afterAll(() => t?.close());

  describe('the matrix', () => {
    for (const c of CASES) {
      describe(c.route, () => {
        for (const caller of CALLERS) {
          const outcome = expected(c, caller);
          const name = `${who(caller, c)} ${outcome < 400 ? 'can' : 'cannot'} ${c.action} (${outcome})`;
          it(name, async () => {
            const ids = { ...shared, ...freshIds.get(`${c.route}|${caller}`) };
            const request = c.request(ids, caller);
            const token = tokenFor(caller, c);
            if (token) request.set(bearer(token));
            assertOutcome(await request, outcome);
          });
        }
      });
    }
  });

  describe('records that do not exist', () => {
    const missing: Ids = {
      customer: randomUUID(),
      purchase: randomUUID(),
      user: randomUUID(),
      apiKey: randomUUID(),
      customField: randomUUID(),
      refreshToken: '',
    };
    for (const c of CASES.filter((entry) => entry.route.includes('{id}'))) {
      it(`an administrator gets 404 from ${c.route} for an id that does not exist`, async () => {
        assertOutcome(await c.request(missing, 'admin').set(bearer(t.adminToken)), 404);
      });
      if (c.scope) {
        it(`an API key with ${c.scope} gets 404 from ${c.route} for an id that does not exist`, async () => {
          assertOutcome(await c.request(missing, 'scopedKey').set(bearer(keys[c.scope!])), 404);
        });
      }
      const refused = (['marketing', 'technician', 'agent'] as const).find((role) => !c.roles.includes(role));
      if (refused) {
        it(`${who(refused, c)} who may not ${c.action} gets 403 from ${c.route} whether or not the record exists`, async () => {
          assertOutcome(await c.request(missing, refused).set(bearer(users[refused].token)), 403);
        });
      }
    }

    it('a deleted customer is 404 for every reader and writer, its owner included', async () => {
      const id = customers.deleted.id;
      for (const token of [
        users.owner.token,
        users.manager.token,
        users.agent.token,
        t.adminToken,
        keys['customers:read'],
      ]) {
        assertOutcome(await t.http.get(`${API}/customers/${id}`).set(bearer(token)), 404);
      }
      assertOutcome(
        await t.http.patch(`${API}/customers/${id}`).set(bearer(users.owner.token)).send({ hobbies: 'x' }),
        404,
      );
      assertOutcome(
        await t.http.post(`${API}/customers/${id}/purchases`).set(bearer(users.owner.token)).send(purchaseBody()),
        404,
      );
      assertOutcome(await t.http.get(`${API}/customers/${id}/timeline`).set(bearer(users.agent.token)), 404);
    });

    it('a revoked API key is refused with 401', async () => {
      const key = await createApiKey(t, ['customers:read']);
      await t.http.get(`${API}/customers`).set(bearer(key)).expect(200);
      const listed = await t.http.get(`${API}/admin/api-keys`).set(bearer(t.adminToken)).expect(200);
      const id = listed.body.data.find((entry: { prefix: string }) => key.startsWith(entry.prefix)).id;
      await t.http.delete(`${API}/admin/api-keys/${id}`).set(bearer(t.adminToken)).expect(204);
      assertOutcome(await t.http.get(`${API}/customers`).set(bearer(key)), 401);
    });
  });

  describe('sensitive profile fields', () => {
    function assertSensitive(body: Record<string, unknown>, visible: boolean, _what: string) {
      if (visible) {
        for (const field of SENSITIVE_FIELDS)
          /* the caller names who reads: the field should be shown */ expect(body[field]).toStrictEqual(
            SENSITIVE[field],
          );
      } else {
        for (const field of SENSITIVE_FIELDS)
          /* ${field} should be absent, got ${JSON.stringify(body[field])} */ expect(field in body).toBe(false);
        // the religion leaks elsewhere in the body
        expect(JSON.stringify(body).includes(SENSITIVE.religion)).toBe(false);
      }
    }

    const readers: { name: string; token: () => string; sees: boolean }[] = [
      { name: 'an administrator', token: () => t.adminToken, sees: true },
      { name: 'a manager', token: () => users.manager.token, sees: true },
      { name: 'the owning salesperson', token: () => users.owner.token, sees: true },
      { name: 'another salesperson', token: () => users.otherSales.token, sees: true },
      { name: 'an API key with customers:read and customers:sensitive', token: () => keys.readSensitive, sees: true },
      { name: 'an agent', token: () => users.agent.token, sees: false },
      { name: 'a technician', token: () => users.technician.token, sees: false },
      { name: 'a marketer', token: () => users.marketing.token, sees: false },
      { name: 'an API key with customers:read only', token: () => keys['customers:read'], sees: false },
    ];

    for (const reader of readers) {
      const verb = reader.sees ? 'sees' : 'does not see';
      it(`${reader.name} ${verb} birth date, zodiac, religion, smoker and drinker when reading one customer`, async () => {
        const response = await t.http
          .get(`${API}/customers/${customers.sensitive.id}`)
          .set(bearer(reader.token()))
          .expect(200);
        assertSensitive(response.body, reader.sees, 'GET one');
      });

      it(`${reader.name} ${verb} the sensitive fields in a list of customers`, async () => {
        const found = await t.http
          .get(`${API}/customers`)
          .query({ q: customers.sensitive.code })
          .set(bearer(reader.token()))
          .expect(200);
        expect(found.body.data.length).toBe(1);
        assertSensitive(found.body.data[0], reader.sees, 'search');
        if (!reader.sees) {
          const page = await t.http
            .get(`${API}/customers`)
            .query({ limit: '200' })
            .set(bearer(reader.token()))
            .expect(200);
          expect(page.body.data.length > 1).toBe(true);
          for (const customer of page.body.data) assertSensitive(customer, false, `list entry ${customer.id}`);
        }
      });
    }

    const creators: { name: string; token: () => string; sees: boolean }[] = [
      { name: 'an administrator', token: () => t.adminToken, sees: true },
      { name: 'a manager', token: () => users.manager.token, sees: true },
      { name: 'a salesperson', token: () => users.owner.token, sees: true },
      { name: 'an API key with customers:write and customers:sensitive', token: () => keys.writeSensitive, sees: true },
      { name: 'an API key with customers:write only', token: () => keys['customers:write'], sees: false },
    ];
    for (const creator of creators) {
      it(`${creator.name} ${creator.sees ? 'gets' : 'does not get'} the sensitive fields back from a create`, async () => {
        const response = await t.http
          .post(`${API}/customers`)
          .set(bearer(creator.token()))
          .send(newCustomer({ name: '新建敏感' }))
          .expect(201);
        assertSensitive(response.body, creator.sees, 'create');
      });
    }

    const updaters: { name: string; token: () => string; sees: boolean }[] = [
      { name: 'an administrator', token: () => t.adminToken, sees: true },
      { name: "the owner's manager", token: () => users.manager.token, sees: true },
      { name: 'the owning salesperson', token: () => users.owner.token, sees: true },
      { name: 'an API key with customers:write and customers:sensitive', token: () => keys.writeSensitive, sees: true },
      { name: 'an API key with customers:write only', token: () => keys['customers:write'], sees: false },
    ];
    for (const updater of updaters) {
      it(`${updater.name} ${updater.sees ? 'gets' : 'does not get'} the sensitive fields back from an update`, async () => {
        const response = await t.http
          .patch(`${API}/customers/${customers.sensitive.id}`)
          .set(bearer(updater.token()))
          .send({ hobbies: `书法 ${unique()}` })
          .expect(200);
        assertSensitive(response.body, updater.sees, 'update');
      });
    }

    for (const [role, name] of [
      ['agent', 'an agent'],
      ['technician', 'a technician'],
      ['marketing', 'a marketer'],
    ] as const) {
      it(`${name} may neither create nor update a customer, and the refusals reveal nothing sensitive`, async () => {
        const created = await t.http.post(`${API}/customers`).set(bearer(users[role].token)).send(newCustomer());
        assertOutcome(created, 403);
        assertSensitive(created.body, false, 'refused create');
        const updated = await t.http
          .patch(`${API}/customers/${customers.sensitive.id}`)
          .set(bearer(users[role].token))
          .send({ hobbies: 'x' });
        assertOutcome(updated, 403);
        assertSensitive(updated.body, false, 'refused update');
      });
    }
  });

  describe("a manager's team", () => {
    it('a manager may change a customer owned by a member of their team', async () => {
      const response = await t.http
        .patch(`${API}/customers/${customers.team.id}`)
        .set(bearer(users.manager.token))
        .send({ notes: '经理修改' })
        .expect(200);
      expect(response.body.notes).toBe('经理修改');
      expect(response.body.ownerId).toBe(users.owner.id);
    });

    it('a manager may not change a customer owned by a salesperson outside their team', async () => {
      assertOutcome(
        await t.http
          .patch(`${API}/customers/${customers.outside.id}`)
          .set(bearer(users.manager.token))
          .send({ notes: '越权修改' }),
        403,
      );
      const unchanged = await t.http
        .get(`${API}/customers/${customers.outside.id}`)
        .set(bearer(users.otherSales.token))
        .expect(200);
      expect(unchanged.body.notes).toBe('原始备注');
    });

    it('a manager may not record a purchase for, refund a purchase of, or delete a customer outside their team', async () => {
      assertOutcome(
        await t.http
          .post(`${API}/customers/${customers.outside.id}/purchases`)
          .set(bearer(users.manager.token))
          .send(purchaseBody()),
        403,
      );
      assertOutcome(
        await t.http
          .post(`${API}/purchases/${outsidePurchaseId}/refund`)
          .set(bearer(users.manager.token))
          .send({ reason: '越权' }),
        403,
      );
      assertOutcome(
        await t.http.delete(`${API}/customers/${customers.outside.id}`).set(bearer(users.manager.token)),
        403,
      );
      await t.http.get(`${API}/customers/${customers.outside.id}`).set(bearer(users.agent.token)).expect(200);
    });

    it("the outside salesperson's own manager may change that customer", async () => {
      const response = await t.http
        .patch(`${API}/customers/${customers.outside.id}`)
        .set(bearer(users.outsideManager.token))
        .send({ hobbies: '钓鱼' })
        .expect(200);
      expect(response.body.hobbies).toBe('钓鱼');
    });

    it('a manager may not hand a team customer to a salesperson outside their team', async () => {
      assertOutcome(
        await t.http
          .patch(`${API}/customers/${customers.giveAwayByManager.id}`)
          .set(bearer(users.manager.token))
          .send({ ownerId: users.otherSales.id }),
        403,
      );
      const unchanged = await t.http
        .get(`${API}/customers/${customers.giveAwayByManager.id}`)
        .set(bearer(users.agent.token))
        .expect(200);
      expect(unchanged.body.ownerId).toBe(users.owner.id);
    });

    it('a salesperson may not give their own customer to someone else', async () => {
      assertOutcome(
        await t.http
          .patch(`${API}/customers/${customers.giveAwayBySales.id}`)
          .set(bearer(users.owner.token))
          .send({ ownerId: users.otherSales.id }),
        403,
      );
      const unchanged = await t.http
        .get(`${API}/customers/${customers.giveAwayBySales.id}`)
        .set(bearer(users.agent.token))
        .expect(200);
      expect(unchanged.body.ownerId).toBe(users.owner.id);
    });
  });
});
