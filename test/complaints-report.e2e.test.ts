import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API, bearer, createApiKey, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { customer } from './support/factories.js';
import { WebhookPartners } from './support/webhook-receiver.js';

type User = Awaited<ReturnType<typeof createUser>>;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const HEAT = 'product_design.heat_dissipation';
const LATE = 'logistics.late_delivery';
const INVOICE = 'billing.wrong_invoice';

/** The date (YYYY-MM-DD) in Shanghai of an instant, and the Monday of its week: how the report buckets complaints. */
const shanghaiDay = (at: number) => new Date(at + 8 * 3_600_000).toISOString().slice(0, 10);
const mondayOf = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
};

/** Within a minute: business minutes are measured to the second, and the steps of a test take a few. */
const expectNear = (actual: number | null, expected: number, tolerance = 1) => {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThan(tolerance);
};

describe('the complaint report and improvement actions', () => {
  let t: TestApp;
  const partners = new WebhookPartners(() => t);
  let manager: User;
  let agent: User;
  let marketing: User;
  let sales: User;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    manager = await createUser(t, ['manager']);
    agent = await createUser(t, ['agent'], { managerId: manager.id });
    marketing = await createUser(t, ['marketing']);
    sales = await createUser(t, ['sales']);
  }, 240_000);
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  }, 240_000);

  const file = async (customerId: string, body: Record<string, unknown>) => {
    const response = await t.http
      .post(`${API}/complaints`)
      .set(bearer(agent.token))
      .send({ customerId, category: 'product_quality', severity: 'normal', subject: '投诉', ...body });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string; receivedAt: string };
  };
  const act = (id: string, step: string, body: Record<string, unknown> = {}, token = agent.token) =>
    t.http.post(`${API}/complaints/${id}/${step}`).set(bearer(token)).send(body);
  /** Acknowledged and investigated at once, resolved with the root cause, rated if a score is given. */
  const resolve = async (id: string, rootCause: string, score?: number) => {
    await act(id, 'acknowledge').expect(200);
    await act(id, 'investigate').expect(200);
    await act(id, 'resolve', { rootCause, resolution: '已处理' }).expect(200);
    if (score) await act(id, 'satisfaction', { score }).expect(200);
  };

  describe('the report', () => {
    const received: number[] = [];
    const keys: (string | null)[] = [];
    const today = shanghaiDay(Date.now());
    const from = shanghaiDay(Date.now() - 7 * 86_400_000);
    const report = (groupBy: string, token = manager.token) =>
      t.http.get(`${API}/reports/complaints?from=${from}&to=${today}&groupBy=${groupBy}`).set(bearer(token));

    beforeAll(async () => {
      const shanghai = (await customer(t, sales.token, { region: '上海' })).id;
      const beijing = (await customer(t, sales.token, { region: '北京' })).id;
      // Five complaints caused by poor heat dissipation, acknowledged 10…50 minutes after they came in.
      const scores = [5, 4, 4, 3, 2];
      for (const [index, minutes] of [10, 20, 30, 40, 50].entries()) {
        const complaint = await file(shanghai, { receivedAt: minutesAgo(minutes), channel: 'hotline' });
        await resolve(complaint.id, HEAT, scores[index]);
        received.push(Date.parse(complaint.receivedAt));
        keys.push(HEAT);
      }
      // Three late deliveries after 60, 70 and 150 minutes; the last missed its 2-hour target and escalated first.
      for (const [index, minutes] of [60, 70, 150].entries()) {
        const complaint = await file(beijing, {
          receivedAt: minutesAgo(minutes),
          category: 'delivery',
          channel: 'feedback_platform',
        });
        if (minutes > 120)
          await waitFor(
            async () =>
              (await t.http.get(`${API}/complaints/${complaint.id}`).set(bearer(agent.token))).body.escalationLevel ===
              1,
            30_000,
            'the missed acknowledgement to escalate',
          );
        await resolve(complaint.id, LATE, [1, 2, undefined][index]);
        received.push(Date.parse(complaint.receivedAt));
        keys.push(LATE);
      }
      // One wrong invoice after 5 minutes, unrated; one complaint still open, with no root cause yet.
      const invoice = await file(beijing, { receivedAt: minutesAgo(5), category: 'billing', channel: 'email' });
      await resolve(invoice.id, INVOICE);
      received.push(Date.parse(invoice.receivedAt));
      keys.push(INVOICE);
      const open = await file(shanghai, { channel: 'hotline' });
      received.push(Date.parse(open.receivedAt));
      keys.push(null);
    }, 240_000);

    it('ranks root causes in a Pareto table with shares and cumulative shares', async () => {
      const { body } = await report('rootCause').expect(200);
      expect(
        body.pareto.map((row: Record<string, unknown>) => [
          row.key,
          row.label,
          row.count,
          row.share,
          row.cumulativeShare,
        ]),
      ).toStrictEqual([
        [HEAT, '产品设计 / 散热不足', 5, 0.5, 0.5],
        [LATE, '物流 / 配送延误', 3, 0.3, 0.8],
        [INVOICE, '计费 / 发票错误', 1, 0.1, 0.9],
        [null, '未定原因', 1, 0.1, 1],
      ]);
    }, 120_000);

    it('gives each group and the period its acknowledgement and resolution figures, escalations and satisfaction', async () => {
      const { body } = await report('rootCause').expect(200);
      const [heat, late, invoice, open] = body.pareto;
      // acknowledged after 10, 20, 30, 40, 50 minutes: median 30; p90 at rank 3.6 → 40 + 0.6 × 10 = 46
      expectNear(heat.medianAcknowledgeMinutes, 30);
      expectNear(heat.p90AcknowledgeMinutes, 46);
      expect(heat).toMatchObject({
        acknowledged: 5,
        acknowledgedWithinTarget: 1,
        resolved: 5,
        escalated: 0,
        averageSatisfaction: 3.6,
      });
      expectNear(heat.medianResolveMinutes, 30);
      // 60, 70, 150: median 70; p90 at rank 1.8 → 70 + 0.8 × 80 = 134; two of three in time
      expectNear(late.medianAcknowledgeMinutes, 70);
      expectNear(late.p90AcknowledgeMinutes, 134);
      expect(late).toMatchObject({
        acknowledged: 3,
        acknowledgedWithinTarget: 0.6667,
        escalated: 1,
        averageSatisfaction: 1.5,
      });
      expect(invoice).toMatchObject({ count: 1, averageSatisfaction: null, resolvedWithinTarget: 1 });
      expectNear(invoice.medianAcknowledgeMinutes, 5);
      expect(open).toMatchObject({
        acknowledged: 0,
        medianAcknowledgeMinutes: null,
        acknowledgedWithinTarget: null,
        resolved: 0,
      });
      // the period: 5, 10, 20, 30, 40, 50, 60, 70, 150 → median 40; p90 at rank 7.2 → 70 + 0.2 × 80 = 86
      expect(body.total).toMatchObject({
        count: 10,
        acknowledged: 9,
        acknowledgedWithinTarget: 0.8889,
        resolved: 9,
        resolvedWithinTarget: 1,
        escalated: 1,
        averageSatisfaction: 3, // (5 + 4 + 4 + 3 + 2 + 1 + 2) / 7
      });
      expectNear(body.total.medianAcknowledgeMinutes, 40);
      expectNear(body.total.p90AcknowledgeMinutes, 86);
    }, 120_000);

    it('counts each group by week, every week of the period', async () => {
      const { body } = await report('rootCause').expect(200);
      const weeks = [...new Set([mondayOf(from), mondayOf(today)])];
      expect(body.trend.map((group: { key: string | null }) => group.key)).toStrictEqual([HEAT, LATE, INVOICE, null]);
      for (const group of body.trend) {
        const expected = weeks.map((weekStart) => ({
          weekStart,
          count: received.filter((at, index) => keys[index] === group.key && mondayOf(shanghaiDay(at)) === weekStart)
            .length,
        }));
        expect(group.weeks).toStrictEqual(expected);
      }
    }, 120_000);

    it('groups by category, region and channel', async () => {
      const byCategory = (await report('category').expect(200)).body.pareto;
      expect(
        byCategory.map((row: Record<string, unknown>) => [row.key, row.label, row.count, row.cumulativeShare]),
      ).toStrictEqual([
        ['product_quality', '产品质量', 6, 0.6],
        ['delivery', '物流配送', 3, 0.9],
        ['billing', '账单收费', 1, 1],
      ]);
      const byRegion = (await report('region').expect(200)).body.pareto;
      expect(byRegion.map((row: Record<string, unknown>) => [row.key, row.count])).toStrictEqual([
        ['上海', 6],
        ['北京', 4],
      ]);
      const byChannel = (await report('channel').expect(200)).body.pareto;
      expect(byChannel.map((row: Record<string, unknown>) => [row.key, row.count])).toStrictEqual([
        ['hotline', 6],
        ['feedback_platform', 3],
        ['email', 1],
      ]);
    }, 120_000);

    it('is for managers and marketing, over a valid period', async () => {
      await report('rootCause', marketing.token).expect(200);
      await report('rootCause', t.adminToken).expect(200);
      for (const token of [agent.token, sales.token]) await report('rootCause', token).expect(403);
      await t.http.get(`${API}/reports/complaints?from=${from}&to=${today}`).expect(401);
      await report('colour').expect(400);
      await t.http.get(`${API}/reports/complaints?from=${today}&to=${from}`).set(bearer(manager.token)).expect(400);
      await t.http
        .get(`${API}/reports/complaints?from=2025-01-01&to=2026-06-01`)
        .set(bearer(manager.token))
        .expect(400);
    }, 120_000);
  });

  it('delivers every complaint event to a partner’s endpoint, signed', async () => {
    const key = await createApiKey(t, ['complaints:write', 'webhooks:manage']);
    const receiver = await partners.receiver();
    await partners.subscribe(receiver, ['complaint.*', 'improvement_action.reported_back'], key);
    const customerId = (await customer(t, sales.token)).id;
    const filed = await t.http
      .post(`${API}/complaints`)
      .set(bearer(key))
      .send({ customerId, category: 'delivery', severity: 'high', subject: '送货延误' })
      .expect(201);
    const id = filed.body.id as string;
    await resolve(id, LATE);
    await act(id, 'close').expect(200);
    const expected = [
      'complaint.received',
      'complaint.acknowledged',
      'complaint.investigation_started',
      'complaint.resolved',
      'complaint.closed',
    ];
    const types = await waitFor(
      async () => {
        const ours = receiver.received
          .filter((webhook) => (webhook.payload.data.complaint as { id?: string } | undefined)?.id === id)
          .map((webhook) => webhook.payload.type);
        return ours.length >= expected.length ? ours : null;
      },
      30_000,
      'the complaint events to reach the partner',
    );
    // the receiver counts only requests whose Standard Webhooks signature verified
    expect([...types].sort()).toStrictEqual([...expected].sort());
    expect(receiver.rejected).toStrictEqual([]);
  }, 120_000);

  it('delivers an improvement action’s events, its report-backs among them, to a partner’s endpoint, signed', async () => {
    const receiver = await partners.receiver();
    // a key that may not read complaints may not hear of their improvement actions either
    await t.http
      .post(`${API}/webhooks`)
      .set(bearer(await createApiKey(t, ['webhooks:manage'])))
      .send({ url: receiver.url, eventTypes: ['improvement_action.*'] })
      .expect(422);
    const key = await createApiKey(t, ['complaints:write', 'webhooks:manage']);
    await partners.subscribe(receiver, ['improvement_action.*'], key);
    const customerId = (await customer(t, sales.token)).id;
    const complaint = await file(customerId, { category: 'installation' });
    await resolve(complaint.id, 'manufacturing.assembly_defect');
    const action = (
      await t.http
        .post(`${API}/improvement-actions`)
        .set(bearer(manager.token))
        .send({
          rootCause: 'manufacturing.assembly_defect',
          title: '装配线加检',
          ownerId: agent.id,
          dueOn: '2027-03-31',
          complaintIds: [complaint.id],
        })
        .expect(201)
    ).body as { id: string };
    const step = (name: string, body: Record<string, unknown> = {}) =>
      t.http.post(`${API}/improvement-actions/${action.id}/${name}`).set(bearer(agent.token)).send(body).expect(200);
    await step('start');
    await step('complete', { changeSummary: '装配线增加一道扭矩检验' });
    await step('verify', { note: '四周内无同类投诉' });
    const expected = [
      'improvement_action.created',
      'improvement_action.started',
      'improvement_action.completed',
      'improvement_action.reported_back',
      'improvement_action.verified',
    ];
    const ours = () => receiver.received.filter((webhook) => JSON.stringify(webhook.payload.data).includes(action.id));
    const types = await waitFor(
      async () => (ours().length >= expected.length ? ours().map((webhook) => webhook.payload.type) : null),
      30_000,
      'the improvement action events to reach the partner',
    );
    expect([...types].sort()).toStrictEqual([...expected].sort());
    const reportBack = ours().find((webhook) => webhook.payload.type === 'improvement_action.reported_back');
    expect(reportBack?.payload.data).toMatchObject({ actionId: action.id, customerId, complaintIds: [complaint.id] });
    // the receiver counts only requests whose Standard Webhooks signature verified
    expect(receiver.rejected).toStrictEqual([]);
  }, 120_000);

  describe('improvement actions', () => {
    const createAction = async (rootCause: string, complaintIds: string[], owner = agent) =>
      (
        await t.http
          .post(`${API}/improvement-actions`)
          .set(bearer(manager.token))
          .send({ rootCause, title: '加大散热片', ownerId: owner.id, dueOn: '2027-01-31', complaintIds })
          .expect(201)
      ).body as { id: string; version: number; status: string; complaintIds: string[] };
    const actionStep = (id: string, step: string, body: Record<string, unknown> = {}, token = agent.token) =>
      t.http.post(`${API}/improvement-actions/${id}/${step}`).set(bearer(token)).send(body);
    const reportedBack = async (actionId: string) =>
      (
        await t.db.query(
          `SELECT payload FROM outbox WHERE type = 'improvement_action.reported_back' AND aggregate_id = $1 ORDER BY id`,
          [actionId],
        )
      ).rows.map((row: { payload: Record<string, unknown> }) => row.payload);

    it('reports back once per customer: three complaints from two customers, two report-backs', async () => {
      const wang = (await customer(t, sales.token, { name: '王芳' })).id;
      const li = (await customer(t, sales.token, { name: '李强' })).id;
      const first = await file(wang, {});
      const second = await file(wang, {});
      const third = await file(li, {});
      const action = await createAction('product_design.fragile_parts', [first.id, second.id, third.id]);
      expect(action).toMatchObject({ status: 'open', complaintIds: [first.id, second.id, third.id].sort() });
      expect((await actionStep(action.id, 'complete', { changeSummary: '已更换' }).expect(409)).body.detail).toMatch(
        /start it first/,
      );
      await actionStep(action.id, 'start', {}, marketing.token).expect(403);
      await actionStep(action.id, 'start').expect(200);
      const summary = '自 12 月起出厂的产品已改用加强型零件；已购用户可免费更换。';
      const completed = (await actionStep(action.id, 'complete', { changeSummary: summary }).expect(200)).body;
      expect(completed).toMatchObject({ status: 'completed', round: 1, changeSummary: summary });

      const payloads = await reportedBack(action.id);
      expect(payloads).toHaveLength(2);
      const byCustomer = Object.fromEntries(payloads.map((payload) => [payload.customerId, payload]));
      expect(byCustomer[wang]).toMatchObject({ actionId: action.id, summary, round: 1 });
      expect((byCustomer[wang].complaintIds as string[]).sort()).toStrictEqual([first.id, second.id].sort());
      expect(byCustomer[li].complaintIds).toStrictEqual([third.id]);
      for (const customerId of [wang, li]) {
        const timeline = await t.http
          .get(`${API}/customers/${customerId}/timeline?kind=improvement_action`)
          .set(bearer(sales.token))
          .expect(200);
        expect(timeline.body.data).toHaveLength(1);
        expect(timeline.body.data[0].details).toMatchObject({ actionId: action.id, change: 'reported_back' });
      }
      const detail = (
        await t.http.get(`${API}/improvement-actions/${action.id}`).set(bearer(marketing.token)).expect(200)
      ).body;
      expect(detail.reportBacks.map((entry: { customerId: string }) => entry.customerId).sort()).toStrictEqual(
        [wang, li].sort(),
      );
      // completing again is refused: it is completed
      await actionStep(action.id, 'complete', { changeSummary: summary }).expect(409);
      expect(await reportedBack(action.id)).toHaveLength(2);
    }, 120_000);

    it('links later complaints of its root cause while open; ineffective reopens it and the next completion reports back again', async () => {
      const cause = 'service.untrained_staff';
      const earlier = await file((await customer(t, sales.token)).id, { category: 'staff_attitude' });
      await resolve(earlier.id, cause);
      const action = await createAction(cause, [earlier.id]);
      const laterCustomer = (await customer(t, sales.token)).id;
      const later = await file(laterCustomer, { category: 'staff_attitude' });
      await resolve(later.id, cause);
      const linked = (
        await t.http.get(`${API}/improvement-actions/${action.id}`).set(bearer(manager.token)).expect(200)
      ).body;
      expect(linked.complaintIds).toContain(later.id);
      await actionStep(action.id, 'start').expect(200);
      await actionStep(action.id, 'complete', { changeSummary: '全员培训' }).expect(200);
      // after completion, a new complaint of the cause is not linked, but counts as recurrence
      const recurrence = await file(laterCustomer, { category: 'staff_attitude' });
      await resolve(recurrence.id, cause);
      const detail = (
        await t.http.get(`${API}/improvement-actions/${action.id}?weeks=2`).set(bearer(manager.token)).expect(200)
      ).body;
      expect(detail.complaintIds).not.toContain(recurrence.id);
      expect(detail.verification).toMatchObject({ weeks: 2, before: 2, after: 1, complete: false });

      await actionStep(action.id, 'verify', {}, manager.token).expect(403);
      const ineffective = (await actionStep(action.id, 'mark-ineffective', { note: '仍有投诉' }).expect(200)).body;
      expect(ineffective.status).toBe('ineffective');
      await t.http
        .post(`${API}/improvement-actions/${action.id}/complaints`)
        .set(bearer(agent.token))
        .send({ complaintIds: [recurrence.id] })
        .expect(200);
      await actionStep(action.id, 'start').expect(200);
      await actionStep(action.id, 'complete', { changeSummary: '改为一对一带教' }).expect(200);
      const rounds = (await reportedBack(action.id)).map((payload) => payload.round);
      expect(rounds.sort()).toStrictEqual([1, 1, 2, 2]);
      const verified = (await actionStep(action.id, 'verify', { note: '已无同类投诉' }, t.adminToken).expect(200)).body;
      expect(verified.status).toBe('verified');
      await actionStep(action.id, 'start').expect(409);
    }, 120_000);

    it('is created by managers, with If-Match on changes, and validated', async () => {
      await t.http
        .post(`${API}/improvement-actions`)
        .set(bearer(agent.token))
        .send({ rootCause: HEAT, title: 'x', ownerId: agent.id, dueOn: '2027-01-31' })
        .expect(403);
      await t.http
        .post(`${API}/improvement-actions`)
        .set(bearer(manager.token))
        .send({ rootCause: 'product_design', title: 'x', ownerId: agent.id, dueOn: '2027-01-31' })
        .expect(422);
      await t.http
        .post(`${API}/improvement-actions`)
        .set(bearer(manager.token))
        .send({ rootCause: HEAT, title: 'x', ownerId: agent.id, dueOn: '2027-02-30' })
        .expect(400);
      const action = await createAction(HEAT, []);
      await t.http
        .patch(`${API}/improvement-actions/${action.id}`)
        .set(bearer(agent.token))
        .set('if-match', String(action.version + 1))
        .send({ dueOn: '2027-02-28' })
        .expect(412);
      const moved = await t.http
        .patch(`${API}/improvement-actions/${action.id}`)
        .set(bearer(agent.token))
        .set('if-match', String(action.version))
        .send({ dueOn: '2027-02-28' })
        .expect(200);
      expect(moved.body.dueOn).toBe('2027-02-28');
      await t.http.get(`${API}/improvement-actions`).set(bearer(sales.token)).expect(403);
      const list = await t.http
        .get(`${API}/improvement-actions?rootCause=${HEAT}`)
        .set(bearer(marketing.token))
        .expect(200);
      expect(list.body.data.map((entry: { id: string }) => entry.id)).toContain(action.id);
    }, 120_000);
  });
});
