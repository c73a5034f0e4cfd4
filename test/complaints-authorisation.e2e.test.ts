import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp } from './support/test-app.js';
import { customer } from './support/factories.js';

/**
 * The authorisation matrix of every complaints route (issue 13), read from the issue and API.md's
 * Roles table rather than from the @Allow rules:
 * - complaints are taken in by `agent`, `manager` and keys with `complaints:write` (a partner's
 *   feedback platform), listed and worked by `agent` and `manager`; a `sales` user reads the
 *   complaints of the customers they own (another salesperson's: 404); nobody else;
 * - a key reads and rates only the complaints it filed;
 * - the report is for `manager` and `marketing`;
 * - the taxonomies are read by the roles that file, work, own or report on complaints and by keys that
 *   file them (to know the codes) — not by technicians, who have no complaint route — and changed by
 *   administrators only; targets and settings are read by the desk, changed by administrators;
 * - improvement actions are created by managers, read by managers, agents and marketing, and changed
 *   by their owner whatever the role (a manager changes anyone's; only the owner or an admin gives the
 *   verdict);
 * - open problems are read by every staff role and by keys with `customers:read`;
 * - administrators may do everything; no token is 401 everywhere.
 */

type User = Awaited<ReturnType<typeof createUser>>;
type Request = ReturnType<TestApp['http']['get']>;

const CALLERS = [
  'anonymous',
  'admin',
  'manager',
  'agent',
  'sales',
  'otherSales',
  'technician',
  'marketing',
  'unscopedKey',
  'complaintsKey',
  'readerKey',
] as const;
type Caller = (typeof CALLERS)[number];
type UserCaller = Exclude<Caller, 'anonymous' | 'admin' | 'unscopedKey' | 'complaintsKey' | 'readerKey'>;
type Role = 'admin' | 'manager' | 'agent' | 'sales' | 'technician' | 'marketing';
type KeyCaller = 'complaintsKey' | 'readerKey';

const EVERY_ROLE: Role[] = ['admin', 'manager', 'agent', 'sales', 'technician', 'marketing'];
const DESK: Role[] = ['admin', 'manager', 'agent'];
const TAXONOMY_READERS: Role[] = ['admin', 'manager', 'agent', 'sales', 'marketing'];
/** Every scope but the two these routes know. */
const OTHER_SCOPES = [
  'customers:write',
  'customers:sensitive',
  'purchases:write',
  'interactions:write',
  'service-requests:write',
  'outreach:report',
  'webhooks:manage',
  'leads:write',
  'sales:read',
];

type ComplaintState = 'received' | 'acknowledged' | 'investigating' | 'waiting_on_customer' | 'resolved';
type ActionState = 'open' | 'in_progress' | 'completed';

/** What a caller gets: the route's status, 401, 403, or 404 (a record they may not know of). */
type Outcome = 'allowed' | 401 | 403 | 404;

interface Fixture {
  complaint: string;
  action: string;
  code: string;
}

interface Case {
  route: string;
  status: number;
  action: string;
  roles: Role[];
  keys?: KeyCaller[];
  /** A salesperson who does not own the complaint's customer: 404 where the owner gets in. */
  otherSales?: 404;
  /** A complaint in this state is made for each caller (filed by the caller when it is a key). */
  complaint?: ComplaintState;
  /** An improvement action in this state, owned by the caller (an agent for keys and anonymous). */
  improvementAction?: ActionState;
  /** A category of its own for each caller. */
  category?: boolean;
  rootCause?: boolean;
  request: (fixture: Fixture, caller: Caller) => Request;
}

describe('complaints authorisation', () => {
  let t: TestApp;
  const users = {} as Record<UserCaller | 'otherAgent', User>;
  let adminId: string;
  const keys = {} as Record<'unscopedKey' | 'complaintsKey' | 'readerKey', string>;
  let customerId: string;
  let targets: unknown[];
  const fixtures = new Map<string, Fixture>();
  const today = new Date().toISOString().slice(0, 10);
  let counter = 0;
  const unique = () => `${Date.now().toString(36)}_${(counter += 1)}`;

  const idOf = (caller: Caller): string =>
    caller === 'admin' ? adminId : caller in users ? users[caller as UserCaller].id : users.agent.id;

  function tokenFor(caller: Caller): string | undefined {
    if (caller === 'anonymous') return undefined;
    if (caller === 'admin') return t.adminToken;
    if (caller === 'unscopedKey' || caller === 'complaintsKey' || caller === 'readerKey') return keys[caller];
    return users[caller].token;
  }

  async function step(id: string, path: string, body: Record<string, unknown> = {}): Promise<void> {
    const response = await t.http
      .post(`${API}/${path.replace(':id', id)}`)
      .set(bearer(t.adminToken))
      .send(body);
    expect({ path, status: response.status, body: response.body }).toMatchObject({ status: 200 });
  }

  async function complaintIn(state: ComplaintState, filer = t.adminToken): Promise<string> {
    const response = await t.http
      .post(`${API}/complaints`)
      .set(bearer(filer))
      .send({ customerId, category: 'product_quality', severity: 'normal', subject: '权限测试投诉' });
    expect(response.status).toBe(201);
    const id: string = response.body.id;
    if (state === 'received') return id;
    await step(id, 'complaints/:id/acknowledge');
    if (state === 'acknowledged') return id;
    await step(id, 'complaints/:id/investigate');
    if (state === 'investigating') return id;
    if (state === 'waiting_on_customer') {
      await step(id, 'complaints/:id/wait-for-customer');
      return id;
    }
    await step(id, 'complaints/:id/resolve', {
      rootCause: 'product_design.heat_dissipation',
      resolution: '更换散热模组',
    });
    return id;
  }

  async function improvementActionIn(state: ActionState, ownerId: string): Promise<string> {
    const response = await t.http
      .post(`${API}/improvement-actions`)
      .set(bearer(t.adminToken))
      .send({ rootCause: 'manufacturing.assembly_defect', title: '装配线加检', ownerId, dueOn: '2099-12-31' });
    expect(response.status).toBe(201);
    const id: string = response.body.id;
    if (state === 'open') return id;
    await step(id, 'improvement-actions/:id/start');
    if (state === 'in_progress') return id;
    await step(id, 'improvement-actions/:id/complete', { changeSummary: '装配线增加一道检验' });
    return id;
  }

  const CASES: Case[] = [
    {
      route: 'POST /complaints',
      status: 201,
      action: 'file a complaint',
      roles: DESK,
      keys: ['complaintsKey'],
      request: (_, caller) =>
        t.http
          .post(`${API}/complaints`)
          .send({ customerId, category: 'delivery', severity: 'low', subject: `送货晚了 (${caller})` }),
    },
    {
      route: 'GET /complaints',
      status: 200,
      action: 'list complaints',
      roles: [...DESK, 'sales'],
      request: () => t.http.get(`${API}/complaints`),
    },
    {
      route: 'GET /complaints/{id}',
      status: 200,
      action: 'read a complaint',
      roles: [...DESK, 'sales'],
      keys: ['complaintsKey'],
      otherSales: 404,
      complaint: 'received',
      request: (f) => t.http.get(`${API}/complaints/${f.complaint}`),
    },
    ...(
      [
        ['acknowledge', 'received', {}],
        ['investigate', 'acknowledged', {}],
        ['wait-for-customer', 'investigating', {}],
        ['resume', 'waiting_on_customer', {}],
        ['resolve', 'investigating', { rootCause: 'logistics.late_delivery', resolution: '改用次日达' }],
        ['close', 'resolved', {}],
        ['reopen', 'resolved', { reason: '问题又出现了' }],
        ['escalate', 'acknowledged', { reason: '客户要求主管处理' }],
      ] as const
    ).map(([verb, state, body]): Case => ({
      route: `POST /complaints/{id}/${verb}`,
      status: 200,
      action: `${verb.replaceAll('-', ' ')} a complaint`,
      roles: DESK,
      complaint: state,
      request: (f) => t.http.post(`${API}/complaints/${f.complaint}/${verb}`).send(body),
    })),
    {
      // An agent takes a complaint themselves; handing it to someone else is a manager's (tested in complaints.e2e).
      route: 'POST /complaints/{id}/assign',
      status: 200,
      action: 'assign a complaint',
      roles: DESK,
      complaint: 'received',
      request: (f, caller) =>
        t.http
          .post(`${API}/complaints/${f.complaint}/assign`)
          .send({ assigneeId: caller === 'agent' ? users.agent.id : users.otherAgent.id }),
    },
    {
      route: 'POST /complaints/{id}/satisfaction',
      status: 200,
      action: 'record the customer’s satisfaction',
      roles: DESK,
      keys: ['complaintsKey'],
      complaint: 'resolved',
      request: (f) => t.http.post(`${API}/complaints/${f.complaint}/satisfaction`).send({ score: 4 }),
    },
    {
      route: 'GET /reports/complaints',
      status: 200,
      action: 'read the complaint report',
      roles: ['admin', 'manager', 'marketing'],
      request: () => t.http.get(`${API}/reports/complaints`).query({ from: today, to: today, groupBy: 'category' }),
    },
    {
      route: 'GET /admin/complaint-categories',
      status: 200,
      action: 'read the categories',
      roles: TAXONOMY_READERS,
      keys: ['complaintsKey'],
      request: () => t.http.get(`${API}/admin/complaint-categories`),
    },
    {
      route: 'POST /admin/complaint-categories',
      status: 201,
      action: 'add a category',
      roles: ['admin'],
      request: () => t.http.post(`${API}/admin/complaint-categories`).send({ code: `c_${unique()}`, label: '新类别' }),
    },
    {
      route: 'PATCH /admin/complaint-categories/{code}',
      status: 200,
      action: 'rename a category',
      roles: ['admin'],
      category: true,
      request: (f) => t.http.patch(`${API}/admin/complaint-categories/${f.code}`).send({ label: '改名类别' }),
    },
    {
      route: 'GET /admin/complaint-root-causes',
      status: 200,
      action: 'read the root causes',
      roles: TAXONOMY_READERS,
      keys: ['complaintsKey'],
      request: () => t.http.get(`${API}/admin/complaint-root-causes`),
    },
    {
      route: 'POST /admin/complaint-root-causes',
      status: 201,
      action: 'add a root cause',
      roles: ['admin'],
      request: () =>
        t.http
          .post(`${API}/admin/complaint-root-causes`)
          .send({ code: `service.r_${unique()}`, label: '新原因', parentCode: 'service' }),
    },
    {
      route: 'PATCH /admin/complaint-root-causes/{code}',
      status: 200,
      action: 'rename a root cause',
      roles: ['admin'],
      rootCause: true,
      request: (f) => t.http.patch(`${API}/admin/complaint-root-causes/${f.code}`).send({ label: '改名原因' }),
    },
    {
      route: 'GET /admin/complaint-targets',
      status: 200,
      action: 'read the targets',
      roles: DESK,
      request: () => t.http.get(`${API}/admin/complaint-targets`),
    },
    {
      route: 'PUT /admin/complaint-targets',
      status: 200,
      action: 'replace the targets',
      roles: ['admin'],
      request: () => t.http.put(`${API}/admin/complaint-targets`).send({ targets }),
    },
    {
      route: 'GET /admin/complaint-settings',
      status: 200,
      action: 'read the settings',
      roles: DESK,
      request: () => t.http.get(`${API}/admin/complaint-settings`),
    },
    {
      route: 'PUT /admin/complaint-settings',
      status: 200,
      action: 'change the settings',
      roles: ['admin'],
      request: () => t.http.put(`${API}/admin/complaint-settings`).send({ warningPercent: 80 }),
    },
    {
      route: 'POST /improvement-actions',
      status: 201,
      action: 'create an improvement action',
      roles: ['admin', 'manager'],
      request: () =>
        t.http.post(`${API}/improvement-actions`).send({
          rootCause: 'logistics.late_delivery',
          title: '换物流商',
          ownerId: users.agent.id,
          dueOn: '2099-01-31',
        }),
    },
    {
      route: 'GET /improvement-actions',
      status: 200,
      action: 'list improvement actions',
      roles: ['admin', 'manager', 'agent', 'marketing'],
      request: () => t.http.get(`${API}/improvement-actions`),
    },
    {
      route: 'GET /improvement-actions/{id}',
      status: 200,
      action: 'read an improvement action',
      roles: ['admin', 'manager', 'agent', 'marketing'],
      improvementAction: 'open',
      request: (f) => t.http.get(`${API}/improvement-actions/${f.action}`),
    },
    {
      route: 'PATCH /improvement-actions/{id}',
      status: 200,
      action: 'change their improvement action',
      roles: EVERY_ROLE,
      improvementAction: 'open',
      request: (f) => t.http.patch(`${API}/improvement-actions/${f.action}`).send({ description: '补充说明' }),
    },
    {
      route: 'POST /improvement-actions/{id}/complaints',
      status: 200,
      action: 'link complaints to their improvement action',
      roles: EVERY_ROLE,
      improvementAction: 'open',
      complaint: 'received',
      request: (f) =>
        t.http.post(`${API}/improvement-actions/${f.action}/complaints`).send({ complaintIds: [f.complaint] }),
    },
    {
      route: 'POST /improvement-actions/{id}/start',
      status: 200,
      action: 'start their improvement action',
      roles: EVERY_ROLE,
      improvementAction: 'open',
      request: (f) => t.http.post(`${API}/improvement-actions/${f.action}/start`),
    },
    {
      route: 'POST /improvement-actions/{id}/complete',
      status: 200,
      action: 'complete their improvement action',
      roles: EVERY_ROLE,
      improvementAction: 'in_progress',
      request: (f) =>
        t.http.post(`${API}/improvement-actions/${f.action}/complete`).send({ changeSummary: '换了散热片' }),
    },
    {
      route: 'POST /improvement-actions/{id}/verify',
      status: 200,
      action: 'verify their improvement action',
      roles: EVERY_ROLE,
      improvementAction: 'completed',
      request: (f) => t.http.post(`${API}/improvement-actions/${f.action}/verify`).send({ note: '三个月无复发' }),
    },
    {
      route: 'POST /improvement-actions/{id}/mark-ineffective',
      status: 200,
      action: 'mark their improvement action ineffective',
      roles: EVERY_ROLE,
      improvementAction: 'completed',
      request: (f) => t.http.post(`${API}/improvement-actions/${f.action}/mark-ineffective`).send({ note: '仍有投诉' }),
    },
    {
      route: 'GET /customers/{id}/open-problems',
      status: 200,
      action: 'read a customer’s open problems',
      roles: EVERY_ROLE,
      keys: ['readerKey'],
      request: () => t.http.get(`${API}/customers/${customerId}/open-problems`),
    },
  ];

  function who(caller: Caller): string {
    const names: Record<Caller, string> = {
      anonymous: 'a caller without a token',
      admin: 'an administrator',
      manager: 'a manager',
      agent: 'an agent',
      sales: 'the salesperson who owns the customer',
      otherSales: 'another salesperson',
      technician: 'a technician',
      marketing: 'a marketer',
      unscopedKey: 'an API key with every other scope',
      complaintsKey: 'an API key with complaints:write',
      readerKey: 'an API key with customers:read',
    };
    return names[caller];
  }

  function expected(c: Case, caller: Caller): Outcome {
    if (caller === 'anonymous') return 401;
    if (caller === 'unscopedKey') return 403;
    if (caller === 'complaintsKey' || caller === 'readerKey') return c.keys?.includes(caller) ? 'allowed' : 403;
    const role: Role = caller === 'otherSales' ? 'sales' : caller;
    if (!c.roles.includes(role)) return 403;
    return caller === 'otherSales' && c.otherSales ? c.otherSales : 'allowed';
  }

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    adminId = (await t.http.get(`${API}/auth/me`).set(bearer(t.adminToken)).expect(200)).body.id;
    users.manager = await createUser(t, ['manager']);
    users.agent = await createUser(t, ['agent'], { managerId: users.manager.id });
    users.otherAgent = await createUser(t, ['agent'], { managerId: users.manager.id });
    users.sales = await createUser(t, ['sales'], { managerId: users.manager.id });
    users.otherSales = await createUser(t, ['sales'], { managerId: users.manager.id });
    users.technician = await createUser(t, ['technician'], { managerId: users.manager.id });
    users.marketing = await createUser(t, ['marketing']);
    keys.unscopedKey = (
      await t.http
        .post(`${API}/admin/api-keys`)
        .set(bearer(t.adminToken))
        .send({ name: 'every other scope', scopes: OTHER_SCOPES })
        .expect(201)
    ).body.key;
    keys.complaintsKey = await createApiKey(t, ['complaints:write']);
    keys.readerKey = await createApiKey(t, ['customers:read']);
    customerId = (await customer(t, users.sales.token, { name: '权限测试客户' })).id;
    targets = (await t.http.get(`${API}/admin/complaint-targets`).set(bearer(t.adminToken)).expect(200)).body.data;

    for (const c of CASES) {
      if (!c.complaint && !c.improvementAction && !c.category && !c.rootCause) continue;
      for (const caller of CALLERS) {
        const fixture: Fixture = { complaint: randomUUID(), action: randomUUID(), code: 'none' };
        if (c.complaint)
          fixture.complaint = await complaintIn(
            c.complaint,
            caller === 'complaintsKey' ? keys.complaintsKey : undefined,
          );
        if (c.improvementAction) fixture.action = await improvementActionIn(c.improvementAction, idOf(caller));
        if (c.category) {
          fixture.code = `c_${unique()}`;
          await t.http
            .post(`${API}/admin/complaint-categories`)
            .set(bearer(t.adminToken))
            .send({ code: fixture.code, label: '测试类别' })
            .expect(201);
        }
        if (c.rootCause) {
          fixture.code = `service.r_${unique()}`;
          await t.http
            .post(`${API}/admin/complaint-root-causes`)
            .set(bearer(t.adminToken))
            .send({ code: fixture.code, label: '测试原因', parentCode: 'service' })
            .expect(201);
        }
        fixtures.set(`${c.route}|${caller}`, fixture);
      }
    }
  }, 240_000);
  afterAll(() => t?.close(), 120_000);

  describe('the matrix', () => {
    for (const c of CASES) {
      describe(c.route, () => {
        for (const caller of CALLERS) {
          const outcome = expected(c, caller);
          it(`${who(caller)} ${outcome === 'allowed' ? 'gets in' : `gets ${outcome}`} to ${c.action}`, async () => {
            const request = c.request(
              fixtures.get(`${c.route}|${caller}`) ?? { complaint: randomUUID(), action: randomUUID(), code: 'none' },
              caller,
            );
            const token = tokenFor(caller);
            if (token) request.set(bearer(token));
            const response = await request;
            expect(response.status).toBeLessThan(500);
            // Every fixture is made so that a caller who gets in succeeds: a business 4xx would hide a wrong refusal.
            expect({ status: response.status, body: outcome === 'allowed' ? undefined : response.body?.type }).toEqual({
              status: outcome === 'allowed' ? c.status : outcome,
              body: outcome === 'allowed' ? undefined : expect.any(String),
            });
            if (outcome !== 'allowed')
              expect(response.headers['content-type'] ?? '').toMatch(/application\/problem\+json/);
          }, 60_000);
        }
      });
    }
  });

  describe('an improvement action belongs to its owner', () => {
    it('is refused (403) to an agent who does not own it, and changes nothing', async () => {
      const action = await improvementActionIn('open', users.agent.id);
      const before = (await t.http.get(`${API}/improvement-actions/${action}`).set(bearer(t.adminToken))).body;
      for (const request of [
        t.http.patch(`${API}/improvement-actions/${action}`).send({ description: '越权修改' }),
        t.http.post(`${API}/improvement-actions/${action}/start`),
      ]) {
        const response = await request.set(bearer(users.otherAgent.token));
        expect(response.status).toBe(403);
      }
      const after = (await t.http.get(`${API}/improvement-actions/${action}`).set(bearer(t.adminToken))).body;
      expect(after).toMatchObject({ status: 'open', version: before.version, description: before.description });
    }, 60_000);

    it('lets a manager who does not own it change it, but not give the verdict', async () => {
      const action = await improvementActionIn('completed', users.agent.id);
      await t.http
        .patch(`${API}/improvement-actions/${action}`)
        .set(bearer(users.manager.token))
        .send({ title: '装配线加检（经理修改）' })
        .expect(200);
      const verdict = await t.http
        .post(`${API}/improvement-actions/${action}/verify`)
        .set(bearer(users.manager.token))
        .send({});
      expect(verdict.status).toBe(403);
      expect((await t.http.get(`${API}/improvement-actions/${action}`).set(bearer(t.adminToken))).body.status).toBe(
        'completed',
      );
      await t.http.post(`${API}/improvement-actions/${action}/verify`).set(bearer(t.adminToken)).send({}).expect(200);
    }, 60_000);
  });

  describe('a key sees only the complaints it filed', () => {
    it('gets 404 reading or rating a complaint filed by staff, and the complaint is unchanged', async () => {
      const staffs = await complaintIn('resolved');
      await t.http.get(`${API}/complaints/${staffs}`).set(bearer(keys.complaintsKey)).expect(404);
      await t.http
        .post(`${API}/complaints/${staffs}/satisfaction`)
        .set(bearer(keys.complaintsKey))
        .send({ score: 1 })
        .expect(404);
      const after = (await t.http.get(`${API}/complaints/${staffs}`).set(bearer(t.adminToken)).expect(200)).body;
      expect(after.satisfactionScore ?? null).toBeNull();
    }, 60_000);
  });
});
