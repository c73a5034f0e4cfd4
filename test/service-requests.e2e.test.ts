import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { serviceRequest } from './support/factories.js';

type User = Awaited<ReturnType<typeof createUser>>;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('service requests', () => {
  let t: TestApp;
  let manager: User;
  let agent: User;
  let sales: User;
  let marketing: User;

  beforeAll(async () => {
    // Dozens of staff log in within a minute here.
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    agent = await createUser(t, ['agent'], { managerId: manager.id });
    sales = await createUser(t, ['sales']);
    marketing = await createUser(t, ['marketing']);
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  /** Every test files requests needing a skill of its own, so that tests never take each other's requests. */
  const newSkill = () => `skill-${randomUUID().slice(0, 8)}`;
  const newCustomer = async (tier: string | null = null) => {
    const id = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send({ kind: 'individual', name: '服务客户' })
        .expect(201)
    ).body.id as string;
    if (tier)
      await t.db.query(
        `INSERT INTO customer_values (customer_id, frequency, monetary, score, tier) VALUES ($1, 0, 0, 0, $2)`,
        [id, tier],
      );
    return id;
  };
  const file = (customerId: string, fields: Record<string, unknown>, token = agent.token) =>
    serviceRequest(t, token, customerId, fields);
  const takeNext = (token: string) => t.http.post(`${API}/service-requests/next`).set(bearer(token));
  const worker = (skills: string[], extra: Record<string, unknown> = {}) =>
    createUser(t, ['agent'], { skills, managerId: manager.id, ...extra });

  it('serves a VIP request filed later before an ordinary one filed earlier (seed 004)', async () => {
    const skill = newSkill();
    const ordinary = await file(await newCustomer('中'), { requiredSkill: skill, subject: '普通客户 9:00 报修' });
    const vip = await file(await newCustomer('VIP'), { requiredSkill: skill, subject: '五年 VIP 10:00 报修' });
    expect(ordinary.status).toBe('queued');
    expect(new Date(vip.respondBy) < new Date(ordinary.respondBy)).toBe(true);
    const me = await worker([skill]);
    const first = await takeNext(me.token).expect(200);
    expect(first.body.id).toBe(vip.id);
    expect(first.body.status).toBe('assigned');
    expect(first.body.assignedTo).toBe(me.id);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(ordinary.id);
    await takeNext(me.token).expect(204);
  }, 240_000);

  it('serves requests of equal tier and severity in arrival order', async () => {
    const skill = newSkill();
    const customer = await newCustomer('高');
    const filed = [];
    for (let i = 0; i < 4; i++)
      filed.push((await file(customer, { requiredSkill: skill, subject: `第 ${i + 1} 个` })).id);
    const me = await worker([skill]);
    const served = [];
    for (let i = 0; i < 4; i++) served.push((await takeNext(me.token).expect(200)).body.id);
    expect(served).toStrictEqual(filed);
  }, 240_000);

  it('lets a low-tier request that has waited long enough overtake a fresh VIP request of equal severity', async () => {
    // 低 normal: respond within 1,440 min; VIP normal: within 240. After 1,300 minutes the low-tier
    // request has 140 minutes left, the fresh VIP request 240: the low-tier one is served first.
    const skill = newSkill();
    const patient = await file(await newCustomer('低'), { requiredSkill: skill, receivedAt: minutesAgo(1_300) });
    const notYet = await file(await newCustomer('低'), { requiredSkill: skill, receivedAt: minutesAgo(1_100) });
    const freshVip = await file(await newCustomer('VIP'), { requiredSkill: skill });
    const queue = await t.http.get(`${API}/service-requests/queue?limit=200`).set(bearer(manager.token)).expect(200);
    const ours = queue.body.data.filter((entry: { requiredSkill: string }) => entry.requiredSkill === skill);
    expect(ours.map((entry: { id: string }) => entry.id)).toStrictEqual([patient.id, freshVip.id, notYet.id]);
    const priorities = ours.map((entry: { priority: number }) => entry.priority);
    // the queue is in descending priority
    expect([...priorities].sort((a, b) => b - a)).toStrictEqual(priorities);
    expect(ours[0].position < ours[1].position).toBe(true);
    const me = await worker([skill]);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(patient.id);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(freshVip.id);
  }, 240_000);

  it('never gives a request needing a skill to someone without it', async () => {
    const skill = newSkill();
    const other = newSkill();
    const customer = await newCustomer('VIP');
    await file(customer, { requiredSkill: skill, severity: 'critical' });
    const unqualified = await createUser(t, ['agent'], { skills: [other] });
    await takeNext(unqualified.token).expect(204);
    const mine = await t.http.get(`${API}/service-requests/queue?mine=true`).set(bearer(unqualified.token)).expect(200);
    expect(
      mine.body.data.every((entry: { requiredSkill: string | null }) => entry.requiredSkill !== skill),
    ).toBeTruthy();
    const qualified = await createUser(t, ['technician'], { skills: [skill] });
    expect((await takeNext(qualified.token).expect(200)).body.requiredSkill).toBe(skill);
  }, 240_000);

  it('serves a region only to staff of that region or of every region', async () => {
    const skill = newSkill();
    const request = await file(await newCustomer(), { requiredSkill: skill, region: '上海' });
    const beijing = await worker([skill], { region: '北京' });
    await takeNext(beijing.token).expect(204);
    const shanghai = await worker([skill], { region: '上海' });
    expect((await takeNext(shanghai.token).expect(200)).body.id).toBe(request.id);
  }, 240_000);

  it('hands 20 concurrent next calls 20 different requests', async () => {
    const skill = newSkill();
    const customer = await newCustomer('中');
    const filed = new Set<string>();
    for (let i = 0; i < 20; i++) filed.add((await file(customer, { requiredSkill: skill })).id);
    const agents = await Promise.all(Array.from({ length: 20 }, () => worker([skill])));
    const responses = await Promise.all(agents.map((a) => takeNext(a.token)));
    expect(responses.map((r) => r.status)).toStrictEqual(Array(20).fill(200));
    const taken = responses.map((r) => r.body.id as string);
    expect(new Set(taken).size).toBe(20);
    expect([...taken].sort()).toStrictEqual([...filed].sort());
    const { rows } = await t.db.query(
      `SELECT count(DISTINCT assigned_to)::int AS people FROM service_requests WHERE required_skill = $1`,
      [skill],
    );
    expect(rows[0].people).toBe(20);
  }, 240_000);

  it('serves a batch of callers in one walk: each the most urgent request they qualify for, however deep in the queue', async () => {
    const common = newSkill();
    const rare = newSkill();
    const customer = await newCustomer('中');
    // 1,100 overdue requests needing the common skill at the very front of the queue, then one needing the rare skill.
    const { rows: front } = await t.db.query<{ id: string }>(
      `INSERT INTO service_requests (customer_id, channel, type, severity, subject, status, received_at, sla_started_at, respond_by, resolve_by, created_by_type, required_skill)
       SELECT $1, 'phone', 'repair', 'normal', '积压 ' || n, 'queued', now(), now(), now() - interval '30 days' + n * interval '1 second', now() + interval '1 day', 'user', $2
         FROM generate_series(1, 1100) n
       RETURNING id`,
      [customer, common],
    );
    const deep = await file(customer, { requiredSkill: rare, severity: 'low' });
    const generalist = await worker([common]);
    const specialist = await worker([rare]);
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ caller: string; id: string; assigned_to: string }>(
        `SELECT ord::text AS caller, (request).id, (request).assigned_to FROM assign_next_service_requests($1::uuid[]) ORDER BY ord`,
        [[generalist.id, specialist.id, generalist.id, randomUUID()]],
      );
      // The same person twice gets two requests, in serving order; an unknown person gets nothing.
      expect(rows).toStrictEqual([
        { caller: '1', id: front[0].id, assigned_to: generalist.id },
        { caller: '2', id: deep.id, assigned_to: specialist.id },
        { caller: '3', id: front[1].id, assigned_to: generalist.id },
      ]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    // Through the API, called together.
    const [first, second] = await Promise.all([
      takeNext(generalist.token).expect(200),
      takeNext(specialist.token).expect(200),
    ]);
    expect(first.body.id).toBe(front[0].id);
    expect(second.body.id).toBe(deep.id);
    await t.db.query(
      `UPDATE service_requests SET status = 'closed', closed_at = now() WHERE required_skill = $1 AND status = 'queued'`,
      [common],
    );
  }, 240_000);

  it('goes through its whole life, each step on the customer timeline and in the outbox', async () => {
    const skill = newSkill();
    const customer = await newCustomer('VIP');
    const request = await file(customer, { requiredSkill: skill });
    const me = await worker([skill]);
    await takeNext(me.token).expect(200);
    const act = (action: string, body: Record<string, unknown> = {}, token = me.token) =>
      t.http.post(`${API}/service-requests/${request.id}/${action}`).set(bearer(token)).send(body);
    const started = (await act('start').expect(200)).body;
    expect(started.status).toBe('in_progress');
    expect(started.firstResponseAt).toBeTruthy();
    const paused = (await act('wait-for-customer').expect(200)).body;
    expect(paused.status).toBe('waiting_on_customer');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const resumed = (await act('resume').expect(200)).body;
    expect(resumed.status).toBe('in_progress');
    // the time spent waiting on the customer does not count
    expect(new Date(resumed.resolveBy) > new Date(paused.resolveBy)).toBe(true);
    await act('satisfaction', { score: 5 }, agent.token).expect(409);
    expect((await act('resolve', { resolution: '更换密封圈' }).expect(200)).body.status).toBe('resolved');
    expect((await act('close', {}, agent.token).expect(200)).body.status).toBe('closed');
    const rated = (await act('satisfaction', { score: 4, comment: '师傅很专业' }, agent.token).expect(200)).body;
    expect(rated.satisfactionScore).toBe(4);
    await act('satisfaction', { score: 5 }, agent.token).expect(409);
    const reopened = (await act('reopen', { reason: '又漏了' }, agent.token).expect(200)).body;
    expect(reopened.status).toBe('queued');
    expect(reopened.assignedTo).toBeNull();
    expect(reopened.reopenedCount).toBe(1);
    // the next resolution can be rated
    expect(reopened.satisfactionScore).toBeNull();

    const timeline = await t.http
      .get(`${API}/customers/${customer}/timeline?kind=service_request`)
      .set(bearer(sales.token))
      .expect(200);
    const changes = timeline.body.data.map((entry: { details: { change: string } }) => entry.details.change).reverse();
    expect(changes).toStrictEqual([
      'created',
      'assigned',
      'started',
      'waiting_on_customer',
      'resumed',
      'resolved',
      'closed',
      'satisfaction_recorded',
      'reopened',
    ]);
    const { rows } = await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [request.id]);
    expect(rows.map((row) => row.type).filter((type) => !type.includes('sla'))).toStrictEqual(
      changes.map((change: string) => `service_request.${change}`),
    );
  }, 240_000);

  it('keeps the time spent waiting on the customer out of the resolution clock, through a severity change', async () => {
    const skill = newSkill();
    const request = await file(await newCustomer('VIP'), { requiredSkill: skill, severity: 'normal' });
    const me = await worker([skill]);
    await takeNext(me.token).expect(200);
    const act = (action: string) =>
      t.http.post(`${API}/service-requests/${request.id}/${action}`).set(bearer(me.token)).expect(200);
    await act('start');
    await act('wait-for-customer');
    await t.db.query(`UPDATE service_requests SET paused_at = paused_at - interval '2 days' WHERE id = $1`, [
      request.id,
    ]);
    const resumed = (await act('resume')).body;
    const twoDays = 2 * 24 * 60 * 60_000;
    const received = Date.parse(request.receivedAt);
    // VIP normal: a day, plus the two days waited
    expect(Math.abs(Date.parse(resumed.resolveBy) - (received + 1_440 * 60_000 + twoDays))).toBeLessThan(5_000);
    const lowered = (
      await t.http
        .patch(`${API}/service-requests/${request.id}`)
        .set(bearer(agent.token))
        .send({ severity: 'low' })
        .expect(200)
    ).body;
    // VIP low: two days, plus the two days waited
    expect(Math.abs(Date.parse(lowered.resolveBy) - (received + 2_880 * 60_000 + twoDays))).toBeLessThan(5_000);
    expect(lowered.respondBy).toBe(new Date(received + 480 * 60_000).toISOString());
  }, 240_000);

  it('hands work in progress over to someone else, and refuses a dispatch based on a stale view', async () => {
    const skill = newSkill();
    const request = await file(await newCustomer(), { requiredSkill: skill });
    const first = await worker([skill]);
    const taken = (await takeNext(first.token).expect(200)).body;
    const stale = await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(manager.token))
      .set('if-match', String(request.version))
      .send({ assigneeId: first.id })
      .expect(412);
    expect(stale.body.detail).toMatch(/version/);
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(first.token)).expect(200);
    const second = await worker([skill]);
    const current = (await t.http.get(`${API}/service-requests/${request.id}`).set(bearer(manager.token)).expect(200))
      .body;
    const handedOver = (
      await t.http
        .post(`${API}/service-requests/${request.id}/assign`)
        .set(bearer(manager.token))
        .set('if-match', String(current.version))
        .send({ assigneeId: second.id })
        .expect(200)
    ).body;
    expect(handedOver.status).toBe('in_progress');
    expect(handedOver.assignedTo).toBe(second.id);
    expect(handedOver.firstResponseAt).toBe(current.firstResponseAt);
    expect(taken.version < handedOver.version).toBe(true);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(first.token))
      .send({ resolution: 'x' })
      .expect(403);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(second.token))
      .send({ resolution: '已修好' })
      .expect(200);
    const { rows } = await t.db.query(
      `SELECT type FROM outbox WHERE aggregate_id = $1 AND type = 'service_request.reassigned'`,
      [request.id],
    );
    expect(rows).toHaveLength(1);
  }, 240_000);

  it('refuses invalid transitions with 409 and the reason', async () => {
    const skill = newSkill();
    const request = await file(await newCustomer(), { requiredSkill: skill });
    const resolve = await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(manager.token))
      .send({ resolution: 'x' })
      .expect(409);
    expect(resolve.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(resolve.body.detail).toMatch(/never started/);
    const close = await t.http
      .post(`${API}/service-requests/${request.id}/close`)
      .set(bearer(manager.token))
      .expect(409);
    expect(close.body.detail).toMatch(/Cannot close a service request that is queued/);
    await t.http
      .post(`${API}/service-requests/${request.id}/reopen`)
      .set(bearer(manager.token))
      .send({ reason: 'x' })
      .expect(409);
    const unchanged = await t.http.get(`${API}/service-requests/${request.id}`).set(bearer(manager.token)).expect(200);
    expect(unchanged.body.status).toBe('queued');
    expect(unchanged.body.version).toBe(request.version);
  }, 240_000);

  it('shows a technician only the requests dispatched to them', async () => {
    const skill = newSkill();
    const customer = await newCustomer();
    const theirs = await file(customer, { requiredSkill: skill });
    const another = await file(customer, { requiredSkill: skill });
    const technician = await createUser(t, ['technician'], { skills: [skill], managerId: manager.id });
    await t.http.get(`${API}/service-requests/${theirs.id}`).set(bearer(technician.token)).expect(404);
    const assigned = await t.http
      .post(`${API}/service-requests/${theirs.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: technician.id })
      .expect(200);
    expect(assigned.body.assignedTo).toBe(technician.id);
    await t.http.get(`${API}/service-requests/${theirs.id}`).set(bearer(technician.token)).expect(200);
    await t.http.get(`${API}/service-requests/${another.id}`).set(bearer(technician.token)).expect(404);
    await t.http.post(`${API}/service-requests/${another.id}/start`).set(bearer(technician.token)).expect(404);
    const list = await t.http.get(`${API}/service-requests?limit=200`).set(bearer(technician.token)).expect(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toStrictEqual([theirs.id]);
    const other = await createUser(t, ['technician'], { skills: [skill] });
    await t.http.post(`${API}/service-requests/${theirs.id}/start`).set(bearer(other.token)).expect(404);
    await t.http.post(`${API}/service-requests/${theirs.id}/start`).set(bearer(technician.token)).expect(200);
  }, 240_000);

  it('refuses to dispatch to someone without the skill, and suggests the three least loaded qualified people', async () => {
    const skill = newSkill();
    const request = await file(await newCustomer(), { requiredSkill: skill, region: '广州' });
    const unskilled = await worker([newSkill()]);
    const refused = await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: unskilled.id })
      .expect(422);
    expect(refused.body.detail).toMatch(/do not have the skill/);
    const busy = await worker([skill], { region: '广州' });
    const idle = await Promise.all([
      worker([skill], { region: '广州' }),
      worker([skill]),
      worker([skill], { region: '广州' }),
    ]);
    await worker([skill], { region: '深圳' });
    const busyWork = await file(await newCustomer(), { requiredSkill: skill });
    await t.http
      .post(`${API}/service-requests/${busyWork.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: busy.id })
      .expect(200);
    const suggested = await t.http
      .get(`${API}/service-requests/${request.id}/assignee-suggestions`)
      .set(bearer(manager.token))
      .expect(200);
    const ids = suggested.body.data.map((s: { userId: string }) => s.userId);
    expect(ids.length).toBe(3);
    // the loaded person comes after the idle ones
    expect(ids.includes(busy.id)).toBeFalsy();
    expect(new Set(ids)).toStrictEqual(new Set(idle.map((u) => u.id)));
    // staff of the region before roaming staff
    expect(suggested.body.data[2].region).toBeNull();
    await t.http.get(`${API}/service-requests/${request.id}/assignee-suggestions`).set(bearer(agent.token)).expect(403);
    await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(agent.token))
      .send({ assigneeId: idle[0].id })
      .expect(403);
  }, 240_000);

  it('warns before a breach and escalates on it: priority rises, the manager gets a task, the events go out', async () => {
    const current = (await t.http.get(`${API}/admin/sla-policies`).set(bearer(manager.token)).expect(200)).body;
    const policies = [
      ...current.data,
      { tier: 'SLA测试', severity: 'high', firstResponseMinutes: 1, resolutionMinutes: 2, warningPercent: 50 },
      { tier: 'SLA测试', severity: 'normal', firstResponseMinutes: 10, resolutionMinutes: 60, warningPercent: 5 },
    ];
    await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version))
      .send({ policies })
      .expect(200);
    const skill = newSkill();
    const calm = await file(await newCustomer('VIP'), { requiredSkill: skill, severity: 'critical' });
    const late = await file(await newCustomer('SLA测试'), {
      requiredSkill: skill,
      severity: 'high',
      receivedAt: minutesAgo(5),
    });
    expect(new Date(late.respondBy).getTime()).toBe(new Date(late.receivedAt).getTime() + 60_000);

    const escalated = await waitFor(
      async () => {
        const response = await t.http.get(`${API}/service-requests/${late.id}`).set(bearer(manager.token)).expect(200);
        return response.body.escalationLevel >= 1 && response.body.responseBreachedAt ? response.body : null;
      },
      20_000,
      'the breach to escalate',
    );
    expect(escalated.responseBreachedAt).toBeTruthy();
    const breachedClocks = await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT payload->>'clock' AS clock FROM outbox WHERE aggregate_id = $1 AND type = 'service_request.breached'`,
          [late.id],
        );
        return rows.length === 2 ? rows.map((row) => row.clock).sort() : null;
      },
      20_000,
      'both breaches',
    );
    // each clock breaches once
    expect(breachedClocks).toStrictEqual(['resolution', 'response']);
    const noisyWarnings = await t.db.query(
      `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'service_request.sla_warning'`,
      [late.id],
    );
    // no warning for a deadline that had already passed
    expect(noisyWarnings.rowCount).toBe(0);

    // Half a minute into a ten-minute target with a 5 % warning: warned, not breached.
    const nearing = await file(await newCustomer('SLA测试'), {
      requiredSkill: skill,
      severity: 'normal',
      receivedAt: minutesAgo(1),
    });
    await waitFor(
      async () =>
        (
          await t.db.query(`SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'service_request.sla_warning'`, [
            nearing.id,
          ])
        ).rowCount,
      20_000,
      'the warning',
    );
    const warned = (await t.http.get(`${API}/service-requests/${nearing.id}`).set(bearer(manager.token)).expect(200))
      .body;
    expect(warned.escalationLevel).toBe(0);
    expect(warned.responseBreachedAt).toBeNull();

    const tasks = await t.http.get(`${API}/tasks`).set(bearer(manager.token)).expect(200);
    const ours = tasks.body.data.filter((entry: { subjectId: string }) => entry.subjectId === late.id);
    // the manager has a task per breach
    expect(ours.map((entry: { kind: string }) => entry.kind).sort()).toStrictEqual([
      'sla.resolution_breached',
      'sla.response_breached',
    ]);
    const task = ours[0];
    await t.http
      .get(`${API}/tasks`)
      .set(bearer(sales.token))
      .expect(200)
      .then((r) => expect(r.body.data.some((e: { subjectId: string }) => e.subjectId === late.id)).toBeFalsy());
    expect(
      (await t.http.post(`${API}/tasks/${task.id}/complete`).set(bearer(manager.token)).expect(200)).body.status,
    ).toBe('done');
    await t.http.post(`${API}/tasks/${task.id}/complete`).set(bearer(manager.token)).expect(409);

    // Escalated, the late request now comes before even a VIP critical request (due within the hour);
    // the warned one, due in nine minutes, comes next.
    const me = await worker([skill]);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(late.id);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(nearing.id);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(calm.id);
  }, 240_000);

  it('validates new requests and changes nothing when they are wrong', async () => {
    const customer = await newCustomer();
    const before = (await t.db.query(`SELECT count(*)::int AS n FROM service_requests`)).rows[0].n;
    const bad = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(agent.token))
      .send({ customerId: customer, type: 'teleport', severity: 'urgent', subject: '' })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toStrictEqual([
      'severity',
      'subject',
      'type',
    ]);
    const future = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(agent.token))
      .send({
        customerId: customer,
        type: 'repair',
        severity: 'low',
        subject: 'x',
        receivedAt: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .expect(400);
    expect(future.body.errors[0].field).toBe('receivedAt');
    await t.http
      .post(`${API}/service-requests`)
      .set(bearer(agent.token))
      .send({ customerId: randomUUID(), type: 'repair', severity: 'low', subject: 'x' })
      .expect(422);
    const otherCustomer = await newCustomer();
    const purchase = (
      await t.http
        .post(`${API}/customers/${otherCustomer}/purchases`)
        .set(bearer(sales.token))
        .send({ product: '净水器', amount: { amount: '10.00', currency: 'CNY' }, paymentMethod: 'card' })
        .expect(201)
    ).body.id;
    const wrongPurchase = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(agent.token))
      .send({ customerId: customer, purchaseId: purchase, type: 'repair', severity: 'low', subject: 'x' })
      .expect(422);
    expect(wrongPurchase.body.errors[0].field).toBe('purchaseId');
    await t.http
      .post(`${API}/service-requests`)
      .set(bearer(agent.token))
      .send({ customerId: customer, type: 'repair', severity: 'low', subject: 'x', extra: 1 })
      .expect(400);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM service_requests`)).rows[0].n).toBe(before);
    await t.http.post(`${API}/service-requests/${randomUUID()}/start`).set(bearer(manager.token)).expect(404);
    await t.http.get(`${API}/service-requests/not-a-uuid`).set(bearer(manager.token)).expect(400);
  }, 240_000);

  it('files requests made at the same moment each on their own terms: a missing or deleted customer fails alone', async () => {
    const vip = await newCustomer('VIP');
    const plain = await newCustomer();
    const deleted = await newCustomer();
    await t.http.delete(`${API}/customers/${deleted}`).set(bearer(t.adminToken)).expect(204);
    const customers = [vip, randomUUID(), plain, deleted, vip];
    const requiredSkill = newSkill();
    const responses = await Promise.all(
      customers.map((customerId) =>
        t.http
          .post(`${API}/service-requests`)
          .set(bearer(agent.token))
          .send({ customerId, type: 'repair', severity: 'critical', subject: '同时报修', requiredSkill }),
      ),
    );
    expect(responses.map((response) => response.status)).toStrictEqual([201, 422, 201, 422, 201]);
    // Each filed request carries its own customer's tier and that tier's first-response target.
    const filed = [responses[0], responses[2], responses[4]].map((response) => response.body);
    expect(filed.map((request) => request.tier)).toStrictEqual(['VIP', null, 'VIP']);
    const target = async (tier: string | null) =>
      (
        await t.db.query(
          `SELECT first_response_minutes AS minutes FROM sla_policies WHERE severity = 'critical' AND tier IS NOT DISTINCT FROM $1`,
          [tier],
        )
      ).rows[0].minutes;
    const [vipTarget, anyTarget] = [await target('VIP'), await target(null)];
    expect(vipTarget).not.toBe(anyTarget);
    const minutesToRespond = (request: { receivedAt: string; respondBy: string }) =>
      (Date.parse(request.respondBy) - Date.parse(request.receivedAt)) / 60_000;
    expect(filed.map(minutesToRespond)).toStrictEqual([vipTarget, anyTarget, vipTarget]);
  }, 240_000);

  it('lets staff and partner keys file requests, and only the right people act on them', async () => {
    const customer = await newCustomer();
    await t.http
      .post(`${API}/service-requests`)
      .send({ customerId: customer, type: 'repair', severity: 'low', subject: 'x' })
      .expect(401);
    await t.http
      .post(`${API}/service-requests`)
      .set(bearer(marketing.token))
      .send({ customerId: customer, type: 'repair', severity: 'low', subject: 'x' })
      .expect(403);
    const partner = await createApiKey(t, ['service-requests:write']);
    const viaPartner = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(partner))
      .set('idempotency-key', 'partner-1')
      .send({
        customerId: customer,
        type: 'installation',
        severity: 'low',
        subject: '预约安装',
        requiredSkill: newSkill(),
      })
      .expect(201);
    expect(viaPartner.body.channel).toBe('api');
    const audited = await t.db.query(
      `SELECT actor_type, actor_id, request_id, after->>'subject' AS subject FROM audit_log WHERE entity_id = $1 AND action = 'service_request.created'`,
      [viaPartner.body.id],
    );
    expect(audited.rows).toHaveLength(1);
    expect(audited.rows[0].actor_type).toBe('api_key');
    // the key and the HTTP request are on the audit row
    expect(audited.rows[0].actor_id && audited.rows[0].request_id).toBeTruthy();
    expect(audited.rows[0].subject).toBe('预约安装');
    const again = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(partner))
      .set('idempotency-key', 'partner-1')
      .send({
        customerId: customer,
        type: 'installation',
        severity: 'low',
        subject: '预约安装',
        requiredSkill: viaPartner.body.requiredSkill,
      })
      .expect(201);
    expect(again.body.id).toBe(viaPartner.body.id);
    const readOnly = await createApiKey(t, ['customers:read']);
    await t.http
      .post(`${API}/service-requests`)
      .set(bearer(readOnly))
      .send({ customerId: customer, type: 'repair', severity: 'low', subject: 'x' })
      .expect(403);
    await t.http.post(`${API}/service-requests/next`).set(bearer(partner)).expect(403);
    await t.http.post(`${API}/service-requests/next`).set(bearer(sales.token)).expect(403);
    await t.http.get(`${API}/service-requests/queue`).set(bearer(marketing.token)).expect(403);
    const mine = await file(customer, {});
    await t.http
      .post(`${API}/service-requests/${mine.id}/assign`)
      .set(bearer(manager.token))
      .send({ assigneeId: agent.id })
      .expect(200);
    const colleague = await createUser(t, ['agent']);
    const refused = await t.http
      .post(`${API}/service-requests/${mine.id}/start`)
      .set(bearer(colleague.token))
      .expect(403);
    expect(refused.body.detail).toMatch(/assigned to/);
    await t.http.post(`${API}/service-requests/${mine.id}/start`).set(bearer(agent.token)).expect(200);
  }, 240_000);

  it('updates a request with optimistic locking, moving the deadlines when the severity changes', async () => {
    const request = await file(await newCustomer('VIP'), { requiredSkill: newSkill(), severity: 'low' });
    const patched = await t.http
      .patch(`${API}/service-requests/${request.id}`)
      .set(bearer(agent.token))
      .set('if-match', String(request.version))
      .send({ severity: 'critical', address: '上海市浦东新区' })
      .expect(200);
    expect(patched.body.severity).toBe('critical');
    expect(new Date(patched.body.respondBy).getTime()).toBe(new Date(request.receivedAt).getTime() + 60 * 60_000);
    await t.http
      .patch(`${API}/service-requests/${request.id}`)
      .set(bearer(agent.token))
      .set('if-match', String(request.version))
      .send({ subject: '旧版本' })
      .expect(412);
    await t.http
      .patch(`${API}/service-requests/${request.id}`)
      .set(bearer(agent.token))
      .send({ severity: null })
      .expect(400);
    await t.http
      .patch(`${API}/service-requests/${request.id}`)
      .set(bearer(sales.token))
      .send({ subject: 'x' })
      .expect(403);
  }, 240_000);

  it('holds a request for triage until it is queued', async () => {
    const skill = newSkill();
    const held = await file(await newCustomer(), { requiredSkill: skill, hold: true });
    expect(held.status).toBe('new');
    const me = await worker([skill]);
    await takeNext(me.token).expect(204);
    await t.http.post(`${API}/service-requests/${held.id}/queue`).set(bearer(agent.token)).expect(200);
    expect((await takeNext(me.token).expect(200)).body.id).toBe(held.id);
  }, 240_000);

  it('administers SLA policies: validated, versioned, admin only', async () => {
    const current = (await t.http.get(`${API}/admin/sla-policies`).set(bearer(agent.token)).expect(200)).body;
    expect(
      current.data.some(
        (p: { tier: string; severity: string; firstResponseMinutes: number }) =>
          p.tier === 'VIP' && p.severity === 'critical' && p.firstResponseMinutes === 60,
      ),
    ).toBeTruthy();
    // a firm target for customers of any other tier
    expect(current.data.filter((p: { tier: string | null }) => p.tier === null).length).toBe(4);
    await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(manager.token))
      .send({ policies: current.data })
      .expect(403);
    await t.http.put(`${API}/admin/sla-policies`).set(bearer(sales.token)).send({ policies: current.data }).expect(403);
    const withoutBaseline = current.data.filter((p: { tier: string | null }) => p.tier !== null);
    const missing = await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .send({ policies: withoutBaseline })
      .expect(422);
    expect(missing.body.detail).toMatch(/any other tier/);
    const inverted = current.data.map((p: Record<string, unknown>, i: number) =>
      i === 0 ? { ...p, resolutionMinutes: 1, firstResponseMinutes: 5 } : p,
    );
    const invertedResponse = await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .send({ policies: inverted })
      .expect(400);
    expect(invertedResponse.body.errors[0].field).toBe('policies[0].resolutionMinutes');
    await t.http
      .put(`${API}/admin/sla-policies`)
      .set(bearer(t.adminToken))
      .set('if-match', String(current.version + 5))
      .send({ policies: current.data })
      .expect(412);
    const after = (await t.http.get(`${API}/admin/sla-policies`).set(bearer(agent.token)).expect(200)).body;
    // failed replacements change nothing
    expect(after.data).toStrictEqual(current.data);
  }, 240_000);

  it('reports the service levels achieved per tier and severity', async () => {
    const skill = newSkill();
    const customer = await newCustomer('报表层');
    const me = await worker([skill]);
    for (const score of [3, 5]) {
      const request = await file(customer, { requiredSkill: skill, severity: 'low' });
      await takeNext(me.token).expect(200);
      await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(me.token)).expect(200);
      await t.http
        .post(`${API}/service-requests/${request.id}/resolve`)
        .set(bearer(me.token))
        .send({ resolution: 'ok' })
        .expect(200);
      await t.http
        .post(`${API}/service-requests/${request.id}/satisfaction`)
        .set(bearer(me.token))
        .send({ score })
        .expect(200);
    }
    await file(customer, { requiredSkill: skill, severity: 'low' });
    // Answered late (received three days ago, a two-day target), resolved, then reopened: its fresh
    // deadlines must not make the late first response count as on time.
    const late = await file(customer, { requiredSkill: skill, severity: 'low', receivedAt: minutesAgo(3 * 24 * 60) });
    expect((await takeNext(me.token).expect(200)).body.id).toBe(late.id);
    await t.http.post(`${API}/service-requests/${late.id}/start`).set(bearer(me.token)).expect(200);
    await t.http
      .post(`${API}/service-requests/${late.id}/resolve`)
      .set(bearer(me.token))
      .send({ resolution: 'ok' })
      .expect(200);
    await t.http
      .post(`${API}/service-requests/${late.id}/reopen`)
      .set(bearer(manager.token))
      .send({ reason: '又坏了' })
      .expect(200);
    const today = new Date().toISOString().slice(0, 10);
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const report = await t.http
      .get(`${API}/reports/service-levels?from=${threeDaysAgo}&to=${today}`)
      .set(bearer(manager.token))
      .expect(200);
    const row = report.body.data.find(
      (r: { tier: string; severity: string }) => r.tier === '报表层' && r.severity === 'low',
    );
    expect(row.received).toBe(4);
    expect(row.responded).toBe(3);
    // the reopened one is not resolved any more
    expect(row.resolved).toBe(2);
    expect(row.respondedWithinSla).toBe(0.6667);
    expect(row.resolvedWithinSla).toBe(1);
    expect(row.averageSatisfaction).toBe(4);
    expect(row.medianResponseMinutes >= 0 && row.p90ResponseMinutes >= row.medianResponseMinutes).toBe(true);
    await t.http.get(`${API}/reports/service-levels?from=${today}&to=${today}`).set(bearer(agent.token)).expect(403);
    await t.http
      .get(`${API}/reports/service-levels?from=2026-12-01&to=2026-11-01`)
      .set(bearer(manager.token))
      .expect(400);
    await t.http.get(`${API}/reports/service-levels?from=yesterday&to=${today}`).set(bearer(manager.token)).expect(400);
  }, 240_000);
});
