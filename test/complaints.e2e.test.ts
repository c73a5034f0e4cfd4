import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { customer, purchase, serviceRequest } from './support/factories.js';

type User = Awaited<ReturnType<typeof createUser>>;
type Complaint = { id: string; version: number; receivedAt: string; resolveBy: string; acknowledgeBy: string } & Record<
  string,
  unknown
>;
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1_000).toISOString();

describe('complaints', () => {
  let t: TestApp;
  let manager: User;
  let agent: User;
  let sales: User;
  let otherSales: User;
  let marketing: User;
  let director: User;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    agent = await createUser(t, ['agent'], { managerId: manager.id });
    sales = await createUser(t, ['sales']);
    otherSales = await createUser(t, ['sales']);
    marketing = await createUser(t, ['marketing']);
    director = await createUser(t, ['manager']);
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  const newCustomer = async (fields: Record<string, unknown> = {}) => (await customer(t, sales.token, fields)).id;
  const file = (body: Record<string, unknown>, token = agent.token) =>
    t.http
      .post(`${API}/complaints`)
      .set(bearer(token))
      .send({ category: 'product_quality', severity: 'normal', subject: '净水器出水有异味', ...body });
  const fileOk = async (customerId: string, body: Record<string, unknown> = {}, token = agent.token) => {
    const response = await file({ customerId, ...body }, token);
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as Complaint;
  };
  const act = (id: string, step: string, body: Record<string, unknown> = {}, token = agent.token) =>
    t.http.post(`${API}/complaints/${id}/${step}`).set(bearer(token)).send(body);
  const resolveBody = {
    rootCause: 'product_design.heat_dissipation',
    resolution: '更换散热模组',
    fiveWhys: ['过热', '散热片太小'],
  };
  const events = async (id: string) =>
    (await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [id])).rows.map(
      (row: { type: string }) => row.type,
    );
  const complaintCount = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM complaints`)).rows[0].n as number;
  const openProblems = async (customerId: string, token = marketing.token) =>
    (await t.http.get(`${API}/customers/${customerId}/open-problems`).set(bearer(token)).expect(200)).body.data as {
      kind: string;
      sourceId: string;
      since: string;
    }[];

  it('takes complaints in from every channel, with the customer’s tier and region and the default targets', async () => {
    const customerId = await newCustomer({ region: '上海' });
    for (const channel of ['hotline', 'feedback_platform', 'email', 'social_media', 'in_person', 'web', 'api']) {
      const complaint = await fileOk(customerId, { channel });
      expect(complaint).toMatchObject({ channel, status: 'received', region: '上海', escalationLevel: 0 });
      expect(complaint.number).toMatch(/^CP-\d{7}$/);
      // around the clock in tests: 2 hours to acknowledge, 24 to resolve
      expect(Date.parse(complaint.acknowledgeBy) - Date.parse(complaint.receivedAt)).toBe(2 * 3_600_000);
      expect(Date.parse(complaint.resolveBy) - Date.parse(complaint.receivedAt)).toBe(24 * 3_600_000);
    }
    const staffDefault = await fileOk(customerId, {});
    expect(staffDefault.channel).toBe('hotline');
  }, 120_000);

  it('takes a partner’s complaint once however often it retries with the same Idempotency-Key', async () => {
    const key = await createApiKey(t, ['complaints:write']);
    const customerId = await newCustomer();
    const body = { customerId, category: 'delivery', severity: 'high', subject: '快递三天未送达' };
    const idempotencyKey = randomUUID();
    const first = await t.http
      .post(`${API}/complaints`)
      .set(bearer(key))
      .set('idempotency-key', idempotencyKey)
      .send(body)
      .expect(201);
    expect(first.body.channel).toBe('api');
    const replay = await t.http
      .post(`${API}/complaints`)
      .set(bearer(key))
      .set('idempotency-key', idempotencyKey)
      .send(body)
      .expect(201);
    expect(replay.body.id).toBe(first.body.id);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM complaints WHERE customer_id = $1`, [customerId]);
    expect(rows[0].n).toBe(1);
    // the partner reads what it filed, not others'
    await t.http.get(`${API}/complaints/${first.body.id}`).set(bearer(key)).expect(200);
    const other = await fileOk(customerId);
    await t.http.get(`${API}/complaints/${other.id}`).set(bearer(key)).expect(404);
    // a key without the scope files nothing
    const readOnly = await createApiKey(t, ['customers:read']);
    await t.http.post(`${API}/complaints`).set(bearer(readOnly)).send(body).expect(403);
  }, 120_000);

  it('refuses with 422, writing nothing, a complaint it cannot take in', async () => {
    const customerId = await newCustomer();
    const someoneElse = await newCustomer();
    const theirPurchase = (await purchase(t, t.adminToken, someoneElse)).id;
    const theirRequest = (await serviceRequest(t, agent.token, someoneElse)).id as string;
    const before = await complaintCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ customerId: randomUUID() }, 'customerId'],
      [{ customerId, category: 'no_such_category' }, 'category'],
      [{ customerId, purchaseId: theirPurchase }, 'purchaseId'],
      [{ customerId, purchaseId: randomUUID() }, 'purchaseId'],
      [{ customerId, serviceRequestId: theirRequest }, 'serviceRequestId'],
      [{ customerId, receivedAt: new Date(Date.now() + 3_600_000).toISOString() }, 'receivedAt'],
      [{ customerId, receivedAt: new Date(Date.now() - 8 * 86_400_000).toISOString() }, 'receivedAt'],
    ];
    for (const [body, field] of cases) {
      const response = await file(body).expect(422);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    // malformed input is a 400
    await file({ customerId, channel: 'carrier_pigeon' }).expect(400);
    await file({ customerId, severity: 'apocalyptic' }).expect(400);
    await file({ customerId, subject: '' }).expect(400);
    expect(await complaintCount()).toBe(before);
    // a retired category takes no new complaints
    await t.http
      .post(`${API}/admin/complaint-categories`)
      .set(bearer(t.adminToken))
      .send({ code: 'packaging', label: '包装破损' })
      .expect(201);
    await fileOk(customerId, { category: 'packaging' });
    await t.http
      .patch(`${API}/admin/complaint-categories/packaging`)
      .set(bearer(t.adminToken))
      .set('if-match', '1')
      .send({ active: false })
      .expect(200);
    await file({ customerId, category: 'packaging' }).expect(422);
  }, 120_000);

  it('keeps the product of the purchase it concerns', async () => {
    const customerId = await newCustomer();
    const bought = (await purchase(t, t.adminToken, customerId, '1999.00', { product: '家用净水器 X3' })).id;
    const complaint = await fileOk(customerId, { purchaseId: bought });
    expect(complaint).toMatchObject({ purchaseId: bought, product: '家用净水器 X3' });
  }, 120_000);

  it('goes received → acknowledged → investigating → resolved → closed, each step an event, an audit row and a timeline entry', async () => {
    const customerId = await newCustomer();
    const complaint = await fileOk(customerId);
    const acknowledged = (await act(complaint.id, 'acknowledge').expect(200)).body;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', assignedTo: agent.id });
    expect(acknowledged.acknowledgedAt).toBeTruthy();
    await act(complaint.id, 'investigate').expect(200);
    await act(complaint.id, 'wait-for-customer').expect(200);
    await act(complaint.id, 'resume').expect(200);
    const resolved = (await act(complaint.id, 'resolve', resolveBody).expect(200)).body;
    expect(resolved).toMatchObject({
      status: 'resolved',
      rootCause: resolveBody.rootCause,
      fiveWhys: resolveBody.fiveWhys,
    });
    await act(complaint.id, 'satisfaction', { score: 4 }).expect(200);
    const closed = (await act(complaint.id, 'close').expect(200)).body;
    expect(closed.status).toBe('closed');
    expect(closed.version).toBe(complaint.version + 7);

    const expected = [
      'complaint.received',
      'complaint.acknowledged',
      'complaint.investigation_started',
      'complaint.waiting_on_customer',
      'complaint.resumed',
      'complaint.resolved',
      'complaint.satisfaction_recorded',
      'complaint.closed',
    ];
    expect(await events(complaint.id)).toStrictEqual(expected);
    const audit = await t.db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [complaint.id]);
    expect(audit.rows.map((row: { action: string }) => row.action)).toStrictEqual(expected);
    const timeline = await t.http
      .get(`${API}/customers/${customerId}/timeline?kind=complaint`)
      .set(bearer(sales.token))
      .expect(200);
    expect(
      timeline.body.data.map((entry: { details: { change: string } }) => entry.details.change).reverse(),
    ).toStrictEqual(expected.map((type) => type.slice('complaint.'.length)));
    // the outbox payload is the complaint as the API shows it
    const { rows } = await t.db.query(
      `SELECT payload FROM outbox WHERE aggregate_id = $1 AND type = 'complaint.closed'`,
      [complaint.id],
    );
    expect(rows[0].payload.complaint).toStrictEqual(closed);
  }, 120_000);

  it('refuses every other move with 409 saying why', async () => {
    const customerId = await newCustomer();
    const complaint = await fileOk(customerId);
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['investigate', {}, /not been acknowledged yet/],
      ['resolve', resolveBody, /not been acknowledged yet/],
      ['close', {}, /not resolved yet/],
      ['reopen', { reason: '还没好' }, /still open/],
      ['resume', {}, /resume is allowed only from waiting_on_customer/],
      ['satisfaction', { score: 3 }, /once the complaint is resolved/],
    ];
    for (const [step, body, why] of refusals) {
      const response = await act(complaint.id, step, body).expect(409);
      expect(response.body.detail).toMatch(why);
    }
    await act(complaint.id, 'acknowledge').expect(200);
    expect((await act(complaint.id, 'acknowledge').expect(409)).body.detail).toMatch(/acknowledged already/);
    expect((await act(complaint.id, 'resolve', resolveBody).expect(409)).body.detail).toMatch(
      /start the investigation first/,
    );
    await act(complaint.id, 'investigate').expect(200);
    await act(complaint.id, 'wait-for-customer').expect(200);
    expect((await act(complaint.id, 'resolve', resolveBody).expect(409)).body.detail).toMatch(/resume it first/);
    await act(complaint.id, 'resume').expect(200);
    await act(complaint.id, 'resolve', resolveBody).expect(200);
    expect((await act(complaint.id, 'escalate', { reason: '太慢' }).expect(409)).body.detail).toMatch(/resolved/);
    expect((await act(complaint.id, 'resolve', resolveBody).expect(409)).body.detail).toMatch(/resolved already/);
  }, 120_000);

  it('resolves only with a root cause of the taxonomy and a resolution', async () => {
    const complaint = await fileOk(await newCustomer());
    await act(complaint.id, 'acknowledge').expect(200);
    await act(complaint.id, 'investigate').expect(200);
    await act(complaint.id, 'resolve', { resolution: '已处理' }).expect(400);
    await act(complaint.id, 'resolve', { rootCause: resolveBody.rootCause }).expect(400);
    const group = await act(complaint.id, 'resolve', { ...resolveBody, rootCause: 'product_design' }).expect(422);
    expect(group.body.errors[0]).toMatchObject({ field: 'rootCause' });
    await act(complaint.id, 'resolve', { ...resolveBody, rootCause: 'no_such.cause' }).expect(422);
    expect(
      (await t.http.get(`${API}/complaints/${complaint.id}`).set(bearer(agent.token)).expect(200)).body.status,
    ).toBe('investigating');
    await act(complaint.id, 'resolve', resolveBody).expect(200);
  }, 120_000);

  it('takes satisfaction once per resolution; a reopen clears it and restarts the resolution clock', async () => {
    const complaint = await fileOk(await newCustomer());
    for (const step of ['acknowledge', 'investigate']) await act(complaint.id, step).expect(200);
    await act(complaint.id, 'resolve', resolveBody).expect(200);
    await act(complaint.id, 'satisfaction', { score: 2, comment: '太慢了' }).expect(200);
    await act(complaint.id, 'satisfaction', { score: 5 }).expect(409);
    await act(complaint.id, 'satisfaction', { score: 6 }).expect(400);
    const reopened = (await act(complaint.id, 'reopen', { reason: '问题又出现了' }).expect(200)).body;
    expect(reopened).toMatchObject({
      status: 'investigating',
      reopenedCount: 1,
      satisfactionScore: null,
      resolvedAt: null,
    });
    expect(Date.parse(reopened.resolveBy)).toBeGreaterThan(Date.parse(complaint.resolveBy));
    await act(complaint.id, 'resolve', resolveBody).expect(200);
    await act(complaint.id, 'satisfaction', { score: 5 }).expect(200);
  }, 120_000);

  it('assigns with If-Match: a stale version is 412, an agent may only take it themselves', async () => {
    const complaint = await fileOk(await newCustomer());
    const colleague = await createUser(t, ['agent'], { managerId: manager.id });
    await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(agent.token))
      .send({ assigneeId: colleague.id })
      .expect(403);
    const taken = await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(agent.token))
      .set('if-match', String(complaint.version))
      .send({ assigneeId: agent.id })
      .expect(200);
    expect(taken.body.assignedTo).toBe(agent.id);
    await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(manager.token))
      .set('if-match', String(complaint.version))
      .send({ assigneeId: colleague.id })
      .expect(412);
    await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(manager.token))
      .set('if-match', String(taken.body.version))
      .send({ assigneeId: sales.id })
      .expect(422);
    const handed = await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(manager.token))
      .set('if-match', String(taken.body.version))
      .send({ assigneeId: colleague.id })
      .expect(200);
    expect(handed.body.assignedTo).toBe(colleague.id);
    expect(await events(complaint.id)).toStrictEqual([
      'complaint.received',
      'complaint.assigned',
      'complaint.assigned',
    ]);
  }, 120_000);

  it('shows a salesperson the complaints of the customers they own, and nobody else’s', async () => {
    const mine = await newCustomer();
    const theirs = (await customer(t, otherSales.token)).id;
    const mineComplaint = await fileOk(mine);
    const theirsComplaint = await fileOk(theirs);
    const list = await t.http.get(`${API}/complaints?limit=200`).set(bearer(sales.token)).expect(200);
    const ids = list.body.data.map((entry: { id: string }) => entry.id);
    expect(ids).toContain(mineComplaint.id);
    expect(ids).not.toContain(theirsComplaint.id);
    await t.http.get(`${API}/complaints/${mineComplaint.id}`).set(bearer(sales.token)).expect(200);
    await t.http.get(`${API}/complaints/${theirsComplaint.id}`).set(bearer(sales.token)).expect(404);
    const managerList = await t.http.get(`${API}/complaints?limit=200`).set(bearer(manager.token)).expect(200);
    expect(managerList.body.data.map((entry: { id: string }) => entry.id)).toContain(theirsComplaint.id);
    await t.http.get(`${API}/complaints`).set(bearer(marketing.token)).expect(403);
    await t.http.get(`${API}/complaints`).expect(401);
    await act(mineComplaint.id, 'acknowledge', {}, sales.token).expect(403);
    await file({ customerId: mine }, sales.token).expect(403);
  }, 120_000);

  it('pages the list with a cursor, newest first, filtered by status', async () => {
    const customerId = await newCustomer();
    const filed = [];
    for (let index = 0; index < 3; index++) filed.push((await fileOk(customerId)).id);
    const first = await t.http
      .get(`${API}/complaints?customerId=${customerId}&limit=2&status=received`)
      .set(bearer(agent.token))
      .expect(200);
    expect(first.body.data.map((entry: { id: string }) => entry.id)).toStrictEqual([filed[2], filed[1]]);
    const second = await t.http
      .get(`${API}/complaints?customerId=${customerId}&limit=2&cursor=${first.body.nextCursor}`)
      .set(bearer(agent.token))
      .expect(200);
    expect(second.body).toStrictEqual({ data: [expect.objectContaining({ id: filed[0] })], nextCursor: null });
  }, 120_000);

  it('lists an open complaint among the customer’s open problems until it is resolved, and again when reopened', async () => {
    const customerId = await newCustomer();
    expect(await openProblems(customerId)).toStrictEqual([]);
    const complaint = await fileOk(customerId);
    expect(await openProblems(customerId)).toStrictEqual([
      { kind: 'complaint', sourceId: complaint.id, since: complaint.receivedAt },
    ]);
    for (const step of ['acknowledge', 'investigate']) await act(complaint.id, step).expect(200);
    expect(await openProblems(customerId)).toHaveLength(1);
    await act(complaint.id, 'resolve', resolveBody).expect(200);
    expect(await openProblems(customerId)).toStrictEqual([]);
    await act(complaint.id, 'reopen', { reason: '又坏了' }).expect(200);
    expect((await openProblems(customerId)).map((problem) => problem.sourceId)).toStrictEqual([complaint.id]);
    await t.http.get(`${API}/customers/${randomUUID()}/open-problems`).set(bearer(marketing.token)).expect(404);
    await t.http.get(`${API}/customers/${customerId}/open-problems`).expect(401);
  }, 120_000);

  it('lists a service request among the open problems from its breach until it is resolved', async () => {
    const customerId = await newCustomer();
    // Received almost a week ago: its 1-day first-response target (any tier, normal) was missed long since.
    const request = await serviceRequest(t, agent.token, customerId, { receivedAt: secondsAgo(6 * 86_400) });
    const problems = await waitFor(
      async () => {
        const listed = await openProblems(customerId);
        return listed.length ? listed : null;
      },
      20_000,
      'the overdue service request to be listed',
    );
    expect(problems).toMatchObject([{ kind: 'overdue_service_request', sourceId: request.id }]);
    await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: manager.id })
      .expect(200);
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(manager.token)).expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(manager.token))
      .send({ resolution: '已修好' })
      .expect(200);
    await waitFor(
      async () => (await openProblems(customerId)).length === 0,
      20_000,
      'the resolved request to leave the open problems',
    );
  }, 120_000);

  it('warns, breaches and escalates two levels: the assignee’s manager, then the complaints director, each with a task', async () => {
    const settings = (await t.http.get(`${API}/admin/complaint-settings`).set(bearer(manager.token)).expect(200)).body;
    await t.http
      .put(`${API}/admin/complaint-settings`)
      .set(bearer(t.adminToken))
      .set('if-match', String(settings.version))
      .send({ directorId: director.id, warningPercent: 50 })
      .expect(200);
    const current = (await t.http.get(`${API}/admin/complaint-targets`).set(bearer(agent.token)).expect(200)).body;
    await t.http
      .put(`${API}/admin/complaint-targets`)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version))
      .send({
        targets: [
          ...current.data,
          { tier: '投诉测试', severity: 'critical', acknowledgeMinutes: 1, resolveMinutes: 2 },
        ],
      })
      .expect(200);
    const customerId = await newCustomer();
    await t.db.query(
      `INSERT INTO customer_values (customer_id, frequency, monetary, score, tier) VALUES ($1, 0, 0, 0, '投诉测试')`,
      [customerId],
    );
    // 45 s into a 1-minute acknowledgement target: the 50 % warning is due at once, the breach in 15 s.
    const complaint = await fileOk(customerId, { severity: 'critical', receivedAt: secondsAgo(45) });
    expect(complaint.tier).toBe('投诉测试');
    expect(Date.parse(complaint.acknowledgeBy) - Date.parse(complaint.receivedAt)).toBe(60_000);
    await t.http
      .post(`${API}/complaints/${complaint.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: agent.id })
      .expect(200);

    const firstLevel = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/complaints/${complaint.id}`).set(bearer(agent.token)).expect(200)).body;
        return body.escalationLevel >= 1 ? body : null;
      },
      40_000,
      'the acknowledgement breach to escalate',
    );
    expect(firstLevel).toMatchObject({ escalationLevel: 1, escalatedTo: manager.id });
    expect(firstLevel.acknowledgeBreachedAt).toBeTruthy();
    const secondLevel = await waitFor(
      async () => {
        const body = (await t.http.get(`${API}/complaints/${complaint.id}`).set(bearer(agent.token)).expect(200)).body;
        return body.escalationLevel >= 2 ? body : null;
      },
      100_000,
      'the resolution breach to escalate',
    );
    expect(secondLevel).toMatchObject({ escalationLevel: 2, escalatedTo: director.id });

    const types = await events(complaint.id);
    expect(types.filter((type) => type === 'complaint.sla_warning')).toHaveLength(2);
    expect(types.filter((type) => type === 'complaint.breached')).toHaveLength(2);
    expect(types.filter((type) => type === 'complaint.escalated')).toHaveLength(2);
    const { rows: breaches } = await t.db.query(
      `SELECT payload->>'clock' AS clock FROM outbox WHERE aggregate_id = $1 AND type = 'complaint.breached' ORDER BY id`,
      [complaint.id],
    );
    expect(breaches.map((row: { clock: string }) => row.clock)).toStrictEqual(['acknowledgement', 'resolution']);
    const managerTasks = (await t.http.get(`${API}/tasks`).set(bearer(manager.token)).expect(200)).body.data.filter(
      (task: { subjectId: string }) => task.subjectId === complaint.id,
    );
    const directorTasks = (await t.http.get(`${API}/tasks`).set(bearer(director.token)).expect(200)).body.data.filter(
      (task: { subjectId: string }) => task.subjectId === complaint.id,
    );
    expect(managerTasks.map((task: { kind: string }) => task.kind)).toStrictEqual(['complaint.escalated']);
    expect(directorTasks.map((task: { kind: string }) => task.kind)).toStrictEqual(['complaint.escalated']);
  }, 180_000);

  it('escalates by hand one level at a time', async () => {
    const complaint = await fileOk(await newCustomer());
    const escalated = (await act(complaint.id, 'escalate', { reason: '客户要求找主管' }).expect(200)).body;
    // nobody assigned: the manager level is skipped, the director gets it (or the managers' pool)
    expect(escalated.escalationLevel).toBe(1);
    expect(await events(complaint.id)).toStrictEqual(['complaint.received', 'complaint.escalated']);
    await act(complaint.id, 'escalate', {}).expect(400);
  }, 120_000);

  it('lets only administrators change the taxonomies, targets and settings, with If-Match', async () => {
    const categories = await t.http.get(`${API}/admin/complaint-categories`).set(bearer(agent.token)).expect(200);
    expect(categories.body.data).toContainEqual(
      expect.objectContaining({ code: 'product_quality', label: '产品质量' }),
    );
    const causes = await t.http.get(`${API}/admin/complaint-root-causes`).set(bearer(marketing.token)).expect(200);
    expect(causes.body.data).toContainEqual(
      expect.objectContaining({
        code: 'product_design.heat_dissipation',
        parentCode: 'product_design',
        label: '散热不足',
      }),
    );
    await t.http
      .post(`${API}/admin/complaint-root-causes`)
      .set(bearer(manager.token))
      .send({ code: 'product_design.noise', label: '噪音过大', parentCode: 'product_design' })
      .expect(403);
    await t.http
      .post(`${API}/admin/complaint-root-causes`)
      .set(bearer(t.adminToken))
      .send({ code: 'product_design.noise.loud', label: '太响', parentCode: 'product_design.noise' })
      .expect(400);
    await t.http
      .post(`${API}/admin/complaint-root-causes`)
      .set(bearer(t.adminToken))
      .send({ code: 'product_design.noise', label: '噪音过大', parentCode: 'product_design' })
      .expect(201);
    await t.http
      .post(`${API}/admin/complaint-root-causes`)
      .set(bearer(t.adminToken))
      .send({ code: 'product_design.noise', label: '噪音过大', parentCode: 'product_design' })
      .expect(409);
    await t.http
      .patch(`${API}/admin/complaint-root-causes/product_design.noise`)
      .set(bearer(t.adminToken))
      .set('if-match', '7')
      .send({ label: '运行噪音' })
      .expect(412);
    await t.http.put(`${API}/admin/complaint-targets`).set(bearer(manager.token)).send({ targets: [] }).expect(403);
    await t.http
      .put(`${API}/admin/complaint-targets`)
      .set(bearer(t.adminToken))
      .send({ targets: [{ tier: 'VIP', severity: 'high', acknowledgeMinutes: 60, resolveMinutes: 600 }] })
      .expect(400);
    await t.http
      .put(`${API}/admin/complaint-settings`)
      .set(bearer(t.adminToken))
      .send({ directorId: randomUUID() })
      .expect(422);
    await t.http.get(`${API}/admin/complaint-targets`).set(bearer(marketing.token)).expect(403);
  }, 120_000);
});
