import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { greatCircleMeters } from '../src/modules/sales/field-sales/geo.js';
import { NEARBY_SQL } from '../src/modules/sales/field-sales/visits.repository.js';
import { addDays, localDateOf, weekStartOf } from '../src/modules/sales/field-sales/week.js';
import { customer, purchase } from './support/factories.js';
import { API, bearer, createUser, startTestApp, type TestApp } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;
type Body = Record<string, unknown>;

// The seed's places: a hardware shop in 永康, a customer in 金华, one in 杭州.
const YONGKANG = { lat: 28.8885, lng: 120.0474 };
const YONGKANG_SHOP = { lat: 28.9021, lng: 120.0612 };
const JINHUA = { lat: 29.0791, lng: 119.6474 };
const HANGZHOU = { lat: 30.2741, lng: 120.1551 };

const today = localDateOf(new Date(), 'Asia/Shanghai');
const thisWeek = weekStartOf(today);
const nextWeek = addDays(thisWeek, 7);
const nextTuesday = addDays(nextWeek, 1);

describe('field sales: work plans, visits, trips, nearby (R-SP4, R-SP5)', () => {
  let t: TestApp;
  let manager: User;
  let seller: User;
  let colleague: User;
  let otherManager: User;
  let outsider: User;
  let agent: User;
  let shop: string;
  let jinhuaCustomer: string;
  let hangzhouCustomer: string;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    seller = await createUser(t, ['sales'], { managerId: manager.id });
    colleague = await createUser(t, ['sales'], { managerId: manager.id });
    otherManager = await createUser(t, ['manager']);
    outsider = await createUser(t, ['sales'], { managerId: otherManager.id });
    agent = await createUser(t, ['agent']);
    shop = (await customer(t, t.adminToken, { kind: 'organization', name: '永康五金' })).id;
    jinhuaCustomer = (await customer(t, t.adminToken, { name: '金华客户' })).id;
    hangzhouCustomer = (await customer(t, t.adminToken, { name: '杭州客户' })).id;
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  const visit = (customerId: string, day: string, place: { lat: number; lng: number }, fields: Body = {}) => ({
    kind: 'visit',
    day,
    customerId,
    ...place,
    placeAddress: '浙江',
    purpose: '拜访',
    ...fields,
  });
  const createPlan = async (owner: User, weekStart: string, entries: Body[], token = owner.token, extra: Body = {}) => {
    const response = await t.http
      .post(`${API}/work-plans`)
      .set(bearer(token))
      .send({ weekStart, entries, ...extra });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body;
  };
  const act = (id: string, action: string, token: string, body: Body = {}, version?: number) => {
    const request = t.http.post(`${API}/work-plans/${id}/${action}`).set(bearer(token));
    if (version !== undefined) request.set('if-match', String(version));
    return request.send(body);
  };
  const approvedPlan = async (owner: User, weekStart: string, entries: Body[]) => {
    const plan = await createPlan(owner, weekStart, entries);
    await act(plan.id, 'submit', owner.token).expect(200);
    return (await act(plan.id, 'approve', manager.token).expect(200)).body;
  };
  const noticesOf = async (user: User, query = '') =>
    (await t.http.get(`${API}/notifications${query}`).set(bearer(user.token)).expect(200)).body;
  const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

  describe('the plan lifecycle', () => {
    it('goes draft → submitted → changes_requested → resubmitted → approved, refusing every other step (409)', async () => {
      const week = addDays(nextWeek, 7);
      const plan = await createPlan(seller, week, [
        visit(shop, addDays(week, 1), YONGKANG_SHOP, { startsAt: '09:00', endsAt: '10:00' }),
        visit(jinhuaCustomer, addDays(week, 1), JINHUA),
        { kind: 'office', day: addDays(week, 2), purpose: '办公室' },
      ]);
      expect(plan).toMatchObject({ status: 'draft', ownerId: seller.id, weekStart: week, version: 1 });
      expect(plan.entries.map((entry: Body) => [entry.kind, entry.position])).toStrictEqual([
        ['visit', 0],
        ['visit', 1],
        ['office', 0],
      ]);
      expect(plan.entries[0]).toMatchObject({
        startsAt: '09:00',
        endsAt: '10:00',
        place: { ...YONGKANG_SHOP },
        status: 'planned',
      });

      await act(plan.id, 'approve', manager.token).expect(409);
      await act(plan.id, 'request-changes', manager.token, { comment: '先处理投诉' }).expect(409);
      const submitted = await act(plan.id, 'submit', seller.token).expect(200);
      expect(submitted.body).toMatchObject({ status: 'submitted', version: 2 });
      await act(plan.id, 'submit', seller.token).expect(409);
      // The owner no longer edits a submitted plan.
      const locked = await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(seller.token))
        .send({ entries: [] })
        .expect(409);
      expect(locked.body.type).toBe('/problems/invalid-work-plan-transition');

      const sentBack = await act(plan.id, 'request-changes', manager.token, {
        comment: '周二先去永康五金处理缺陷投诉',
      }).expect(200);
      expect(sentBack.body).toMatchObject({
        status: 'changes_requested',
        reviewComment: '周二先去永康五金处理缺陷投诉',
        reviewedBy: manager.id,
      });
      await act(plan.id, 'approve', manager.token).expect(409);
      await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(seller.token))
        .send({
          entries: [plan.entries[1], plan.entries[0]].map(({ id, day, kind, customerId, place }) => ({
            id,
            day,
            kind,
            customerId,
            lat: place.lat,
            lng: place.lng,
          })),
        })
        .expect(200);
      const resubmitted = await act(plan.id, 'submit', seller.token).expect(200);
      expect(resubmitted.body.status).toBe('resubmitted');
      const approved = await act(plan.id, 'approve', manager.token).expect(200);
      expect(approved.body).toMatchObject({ status: 'approved', reviewedBy: manager.id });
      await act(plan.id, 'approve', manager.token).expect(409);
      await act(plan.id, 'submit', seller.token).expect(409);

      const events = await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [plan.id]);
      expect(events.rows.map((row: { type: string }) => row.type)).toStrictEqual([
        'work_plan.created',
        'work_plan.submitted',
        'work_plan.changes_requested',
        'work_plan.changed',
        'work_plan.submitted',
        'work_plan.approved',
      ]);
      const notices = await noticesOf(seller);
      const about = notices.data
        .filter((notice: Body) => notice.subjectId === plan.id)
        .map((notice: Body) => notice.kind);
      expect(about).toStrictEqual(['work_plan.approved', 'work_plan.changes_requested']);
    });

    it('refuses a bad plan with 400 or 422 and writes nothing', async () => {
      const before = [await count('work_plans'), await count('work_plan_entries')];
      const bad = [
        [{ weekStart: addDays(nextWeek, 1), entries: [] }, 'weekStart'],
        [{ weekStart: nextWeek, entries: [{ kind: 'visit', day: nextTuesday, customerId: shop }] }, 'entries[0].lat'],
        [{ weekStart: nextWeek, entries: [{ kind: 'visit', day: nextTuesday, ...YONGKANG }] }, 'entries[0].customerId'],
        [{ weekStart: nextWeek, entries: [visit(shop, addDays(nextWeek, 7), YONGKANG)] }, 'entries[0].day'],
        [{ weekStart: nextWeek, entries: [visit(randomUUID(), nextTuesday, YONGKANG)] }, 'entries[0].customerId'],
        [{ weekStart: nextWeek, entries: [visit(shop, nextTuesday, { lat: 91, lng: 120 })] }, 'entries.0.lat'],
        [
          {
            weekStart: nextWeek,
            entries: [visit(shop, nextTuesday, YONGKANG, { startsAt: '11:00', endsAt: '10:00' })],
          },
          'entries[0].endsAt',
        ],
        [{ weekStart: nextWeek, entries: [{ kind: 'nap', day: nextTuesday }] }, 'entries.0.kind'],
      ] as const;
      for (const [body, field] of bad) {
        const response = await t.http.post(`${API}/work-plans`).set(bearer(colleague.token)).send(body);
        expect({
          status: response.status,
          fields: response.body.errors?.map((error: Body) => error.field),
        }).toMatchObject({
          status: expect.any(Number),
          fields: expect.arrayContaining([field]),
        });
        expect([400, 422]).toContain(response.status);
      }
      expect([await count('work_plans'), await count('work_plan_entries')]).toStrictEqual(before);
      await createPlan(colleague, nextWeek, []);
      const twice = await t.http
        .post(`${API}/work-plans`)
        .set(bearer(colleague.token))
        .send({ weekStart: nextWeek, entries: [] });
      expect(twice.status).toBe(409);
      const empty = (
        await t.http
          .get(`${API}/work-plans?weekStart=${nextWeek}&ownerId=${colleague.id}`)
          .set(bearer(colleague.token))
          .expect(200)
      ).body.data[0];
      await act(empty.id, 'submit', colleague.token).expect(422);
    });
  });

  describe("a manager's changes", () => {
    it('notifies the owner of a reorder and an insertion with before and after, and emits work_plan.changed', async () => {
      const week = addDays(nextWeek, 14);
      const tuesday = addDays(week, 1);
      const plan = await createPlan(seller, week, [
        visit(jinhuaCustomer, tuesday, JINHUA, { purpose: '回访' }),
        visit(hangzhouCustomer, tuesday, HANGZHOU, { purpose: '报价' }),
      ]);
      await act(plan.id, 'submit', seller.token).expect(200);
      const [a, b] = plan.entries;
      const reordered = await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(manager.token))
        .set('if-match', '2')
        .send({
          entries: [b, a].map(({ id, day, kind, customerId, place, purpose }) => ({
            id,
            day,
            kind,
            customerId,
            purpose,
            placeAddress: place.address,
            lat: place.lat,
            lng: place.lng,
          })),
        })
        .expect(200);
      expect(reordered.body.entries.map((entry: Body) => entry.id)).toStrictEqual([b.id, a.id]);
      const inserted = await t.http
        .post(`${API}/work-plans/${plan.id}/visits`)
        .set(bearer(manager.token))
        .set('if-match', '3')
        .send({ ...visit(shop, tuesday, YONGKANG_SHOP, { purpose: '先处理永康五金的缺陷投诉' }), position: 0 })
        .expect(201);
      expect(inserted.body.entries.map((entry: Body) => entry.purpose)).toStrictEqual([
        '先处理永康五金的缺陷投诉',
        '报价',
        '回访',
      ]);
      expect(inserted.body).toMatchObject({ status: 'submitted', version: 4 });

      const notices = (await noticesOf(seller, '?status=unread')).data.filter(
        (notice: Body) => notice.subjectId === plan.id && notice.kind === 'work_plan.changed',
      );
      expect(notices).toHaveLength(2);
      const [insertion, reorder] = notices;
      expect(insertion).toMatchObject({ actorId: manager.id, read: false, title: expect.stringContaining(week) });
      expect(insertion.details.changes).toStrictEqual([
        { change: 'added', entry: expect.objectContaining({ purpose: '先处理永康五金的缺陷投诉', position: 0 }) },
      ]);
      expect(insertion.details.before.map((entry: Body) => entry.purpose)).toStrictEqual(['报价', '回访']);
      expect(insertion.details.after.map((entry: Body) => entry.purpose)).toStrictEqual([
        '先处理永康五金的缺陷投诉',
        '报价',
        '回访',
      ]);
      expect(reorder.details.changes.map((change: Body) => change.change)).toStrictEqual(['moved', 'moved']);
      expect(reorder.details.before.map((entry: Body) => entry.id)).toStrictEqual([a.id, b.id]);
      expect(reorder.details.after.map((entry: Body) => entry.id)).toStrictEqual([b.id, a.id]);

      const read = await t.http
        .patch(`${API}/notifications/${reorder.id}`)
        .set(bearer(seller.token))
        .send({ read: true })
        .expect(200);
      expect(read.body).toMatchObject({ read: true, readAt: expect.any(String) });
      const unread = await noticesOf(seller, '?status=unread');
      expect(unread.data.map((notice: Body) => notice.id)).not.toContain(reorder.id);
      await t.http
        .patch(`${API}/notifications/${reorder.id}`)
        .set(bearer(seller.token))
        .send({ read: false })
        .expect(200);
      expect((await noticesOf(seller, '?status=unread')).data.map((notice: Body) => notice.id)).toContain(reorder.id);
      // Someone else's notice is not theirs to mark.
      await t.http
        .patch(`${API}/notifications/${reorder.id}`)
        .set(bearer(colleague.token))
        .send({ read: true })
        .expect(404);

      const events = await t.db.query(
        `SELECT payload->>'ownerNotified' AS notified, payload->>'changedBy' AS by, jsonb_array_length(payload->'after') AS after
           FROM outbox WHERE aggregate_id = $1 AND type = 'work_plan.changed' ORDER BY id`,
        [plan.id],
      );
      expect(events.rows).toStrictEqual([
        { notified: 'true', by: manager.id, after: 2 },
        { notified: 'true', by: manager.id, after: 3 },
      ]);
    });

    it("refuses a stale If-Match with 412: the manager's edit and the owner's never overwrite each other", async () => {
      const week = addDays(nextWeek, 21);
      const plan = await createPlan(seller, week, [visit(jinhuaCustomer, addDays(week, 2), JINHUA)]);
      const entry = plan.entries[0];
      const body = (purpose: string) => ({
        entries: [{ id: entry.id, day: entry.day, kind: 'visit', customerId: entry.customerId, ...JINHUA, purpose }],
      });
      await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(manager.token))
        .set('if-match', '1')
        .send(body('经理的修改'))
        .expect(200);
      const stale = await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(seller.token))
        .set('if-match', '1')
        .send(body('自己的修改'));
      expect(stale.status).toBe(412);
      await act(plan.id, 'submit', seller.token, {}, 1).expect(412);
      const shown = await t.http.get(`${API}/work-plans/${plan.id}`).set(bearer(seller.token)).expect(200);
      expect(shown.body).toMatchObject({ version: 2, entries: [expect.objectContaining({ purpose: '经理的修改' })] });
      // The owner's own edit is an event, not a notice.
      const notices = (await noticesOf(seller)).data.filter((notice: Body) => notice.subjectId === plan.id);
      await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(seller.token))
        .set('if-match', '2')
        .send(body('自己的修改'))
        .expect(200);
      expect((await noticesOf(seller)).data.filter((notice: Body) => notice.subjectId === plan.id)).toHaveLength(
        notices.length,
      );
      const last = await t.db.query(
        `SELECT payload->>'ownerNotified' AS notified FROM outbox WHERE aggregate_id = $1 AND type = 'work_plan.changed' ORDER BY id DESC LIMIT 1`,
        [plan.id],
      );
      expect(last.rows[0].notified).toBe('false');
    });
  });

  describe('visits', () => {
    it('checks in and out with coordinates; the outcome and the stage change land on the customer and the opportunity', async () => {
      const owner = await createUser(t, ['sales'], { managerId: manager.id });
      const { id: customerId } = await customer(t, owner.token, { name: '张先生' });
      const opportunity = (
        await t.http
          .post(`${API}/opportunities`)
          .set(bearer(owner.token))
          .send({ name: '净水工程', customerId, amount: { amount: '1000.00', currency: 'CNY' } })
          .expect(201)
      ).body;
      const stages = (await t.http.get(`${API}/pipelines`).set(bearer(owner.token)).expect(200)).body.data.find(
        (pipeline: Body) => pipeline.isDefault,
      ).stages;
      const plan = await createPlan(owner, thisWeek, [visit(customerId, today, YONGKANG, { purpose: '安装回访' })]);
      const id = plan.entries[0].id;
      await t.http
        .post(`${API}/visits/${id}/check-out`)
        .set(bearer(owner.token))
        .send({ ...YONGKANG, notes: '太早' })
        .expect(409);
      await t.http.post(`${API}/visits/${id}/check-in`).set(bearer(colleague.token)).send(YONGKANG).expect(404);
      await t.http.post(`${API}/visits/${id}/check-in`).set(bearer(manager.token)).send(YONGKANG).expect(403);
      await t.http
        .post(`${API}/visits/${id}/check-in`)
        .set(bearer(owner.token))
        .send({ lat: 'north', lng: 120 })
        .expect(400);
      const checkedIn = await t.http
        .post(`${API}/visits/${id}/check-in`)
        .set(bearer(owner.token))
        .send(YONGKANG_SHOP)
        .expect(200);
      expect(checkedIn.body).toMatchObject({
        status: 'checked_in',
        checkIn: { ...YONGKANG_SHOP, at: expect.any(String) },
      });
      await t.http.post(`${API}/visits/${id}/check-in`).set(bearer(owner.token)).send(YONGKANG_SHOP).expect(409);
      await t.http
        .post(`${API}/visits/${id}/check-out`)
        .set(bearer(owner.token))
        .send({ ...YONGKANG_SHOP, notes: '更换滤芯', opportunityId: opportunity.id, stageId: randomUUID() })
        .expect(422);
      const out = await t.http
        .post(`${API}/visits/${id}/check-out`)
        .set(bearer(owner.token))
        .send({
          ...YONGKANG_SHOP,
          notes: '更换滤芯，客户满意',
          nextStep: '下周报价',
          opportunityId: opportunity.id,
          stageId: stages[2].id,
        })
        .expect(200);
      expect(out.body).toMatchObject({
        status: 'done',
        checkOut: { ...YONGKANG_SHOP },
        outcome: {
          notes: '更换滤芯，客户满意',
          nextStep: '下周报价',
          stageChange: { opportunityId: opportunity.id, stageId: stages[2].id },
        },
      });
      const timeline = await t.http.get(`${API}/customers/${customerId}/timeline`).set(bearer(owner.token)).expect(200);
      const entry = timeline.body.data.find((item: Body) => item.kind === 'visit');
      expect(entry).toMatchObject({
        summary: '拜访：安装回访 — 更换滤芯，客户满意',
        details: { visitId: id, ownerId: owner.id, outcome: { notes: '更换滤芯，客户满意', nextStep: '下周报价' } },
      });
      const moved = await t.http.get(`${API}/opportunities/${opportunity.id}`).set(bearer(owner.token)).expect(200);
      expect(moved.body.stageId).toBe(stages[2].id);
      await t.http.post(`${API}/visits/${id}/skip`).set(bearer(owner.token)).send({ reason: '晚了' }).expect(409);
      const types = await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [id]);
      expect(types.rows.map((row: { type: string }) => row.type)).toStrictEqual([
        'visit.checked_in',
        'visit.checked_out',
      ]);
    });
  });

  describe('nearby, trips and dispatch', () => {
    let near: User;
    let far: User;
    let jinhuaSeller: User;
    let draftSeller: User;
    let walkIn: User;

    beforeAll(async () => {
      [near, far, jinhuaSeller, draftSeller, walkIn] = await Promise.all(
        [1, 2, 3, 4, 5].map(() => createUser(t, ['sales'], { managerId: manager.id })),
      );
      await approvedPlan(near, nextWeek, [
        visit(shop, nextTuesday, YONGKANG_SHOP, { startsAt: '09:00', endsAt: '10:00' }),
        visit(jinhuaCustomer, nextTuesday, JINHUA, { startsAt: '14:00', endsAt: '15:00' }),
      ]);
      await approvedPlan(far, nextWeek, [visit(hangzhouCustomer, nextTuesday, HANGZHOU)]);
      await approvedPlan(jinhuaSeller, nextWeek, [
        visit(jinhuaCustomer, nextTuesday, JINHUA, { startsAt: '10:00', endsAt: '11:30' }),
      ]);
      // A draft is not a trip.
      await createPlan(draftSeller, nextWeek, [visit(shop, nextTuesday, YONGKANG)]);
      // A walk-in today near 永康: counted by its check-in.
      await t.http
        .post(`${API}/visits`)
        .set(bearer(walkIn.token))
        .send({ customerId: shop, ...YONGKANG })
        .expect(201);
    }, 240_000);

    const nearby = (query: string, token = agent.token) =>
      t.http.get(`${API}/sales/nearby?${query}`).set(bearer(token));

    it('lists the salespeople whose approved trip passes near 永康, nearest first, with great-circle distances and free windows', async () => {
      const response = await nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${nextTuesday}&radiusKm=60`).expect(
        200,
      );
      const ids = response.body.data.map((row: Body) => row.salespersonId);
      expect(ids).toStrictEqual([near.id, jinhuaSeller.id]);
      const [first, second] = response.body.data;
      expect(first.distanceKm).toBeCloseTo(greatCircleMeters(YONGKANG, YONGKANG_SHOP) / 1000, 3);
      expect(second.distanceKm).toBeCloseTo(greatCircleMeters(YONGKANG, JINHUA) / 1000, 3);
      expect(first.nearestStop).toMatchObject({
        source: 'planned_visit',
        customerId: shop,
        startsAt: '09:00',
        endsAt: '10:00',
      });
      expect(first.freeWindows).toStrictEqual([
        { from: '08:30', to: '09:00' },
        { from: '10:00', to: '14:00' },
        { from: '15:00', to: '17:30' },
      ]);
      const wide = await nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${nextTuesday}&radiusKm=200`).expect(200);
      expect(wide.body.data.map((row: Body) => row.salespersonId)).toStrictEqual([near.id, jinhuaSeller.id, far.id]);
      expect(wide.body.data[2].distanceKm).toBeCloseTo(greatCircleMeters(YONGKANG, HANGZHOU) / 1000, 3);
      const tight = await nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${nextTuesday}&radiusKm=1`).expect(200);
      expect(tight.body.data).toStrictEqual([]);
      // A manager sees their own team's days; the agent above (the complaint desk) everyone's.
      const teamOnly = (token: string) =>
        nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${nextTuesday}&radiusKm=200`, token).expect(200);
      expect((await teamOnly(manager.token)).body.data.map((row: Body) => row.salespersonId)).toStrictEqual([
        near.id,
        jinhuaSeller.id,
        far.id,
      ]);
      expect((await teamOnly(otherManager.token)).body.data).toStrictEqual([]);
    });

    it("answers by today's check-ins and by a customer's known place", async () => {
      const todays = await nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${today}&radiusKm=5`).expect(200);
      // The walk-in's check-in is the place itself; another test's check-in at the shop, 2 km off, comes after.
      expect(todays.body.data[0]).toMatchObject({
        salespersonId: walkIn.id,
        distanceKm: 0,
        nearestStop: { source: 'check_in' },
      });
      expect(todays.body.data.every((row: Body) => (row.nearestStop as Body).source === 'check_in')).toBe(true);
      const byCustomer = await nearby(
        `customerId=${hangzhouCustomer}&date=${nextTuesday}&radiusKm=10`,
        manager.token,
      ).expect(200);
      expect(byCustomer.body).toMatchObject({
        point: HANGZHOU,
        data: [expect.objectContaining({ salespersonId: far.id, distanceKm: 0 })],
      });
      await nearby(`customerId=${randomUUID()}&date=${nextTuesday}`).expect(422);
      await nearby(`lat=${YONGKANG.lat}&date=${nextTuesday}`).expect(400);
      await nearby(`lat=100&lng=120&date=${nextTuesday}`).expect(400);
      await nearby(`lat=${YONGKANG.lat}&lng=${YONGKANG.lng}&date=${nextTuesday}`, seller.token).expect(403);
      await t.http.get(`${API}/sales/nearby?lat=1&lng=1&date=${nextTuesday}`).expect(401);
    });

    it('finds the stops through the GiST indexes over (day, ll_to_earth), not by scanning the table', async () => {
      // 20,000 visits over 100 past days across China, so the planner has a reason to choose.
      await t.db.query(
        `INSERT INTO work_plan_entries (owner_id, day, position, kind, planned, customer_id, lat, lng, checked_in_at, check_in_lat, check_in_lng, status)
         SELECT gen_random_uuid(), DATE '2020-01-01' + (i % 100), 0, 'visit', false, gen_random_uuid(), 20 + (i % 997) * 0.02, 100 + (i % 991) * 0.03,
                TIMESTAMPTZ '2020-01-01' + (i % 100) * interval '1 day', 20 + (i % 997) * 0.02, 100 + (i % 991) * 0.03, 'checked_in'
           FROM generate_series(1, 20000) i`,
      );
      await t.db.query(`ANALYZE work_plan_entries`);
      const plan = await t.db.query(`EXPLAIN ${NEARBY_SQL}`, [
        YONGKANG.lat,
        YONGKANG.lng,
        '2020-01-05',
        30_000,
        20,
        null,
      ]);
      const text = plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('work_plan_entries_place_gist');
      expect(text).toContain('work_plan_entries_check_in_gist');
      expect(text).not.toMatch(/Seq Scan on work_plan_entries/);
    });

    it("shows a trip: the day's approved stops in order and the latest check-in", async () => {
      const trip = await t.http
        .get(`${API}/sales/trips?salespersonId=${near.id}&date=${nextTuesday}`)
        .set(bearer(manager.token))
        .expect(200);
      expect(trip.body).toMatchObject({ salespersonId: near.id, date: nextTuesday, latestCheckIn: null });
      expect(trip.body.stops.map((stop: Body) => stop.customerId)).toStrictEqual([shop, jinhuaCustomer]);
      const walk = await t.http
        .get(`${API}/sales/trips?salespersonId=${walkIn.id}&date=${today}`)
        .set(bearer(walkIn.token))
        .expect(200);
      expect(walk.body.latestCheckIn).toMatchObject({ planned: false, customerId: shop, checkIn: { ...YONGKANG } });
      await t.http
        .get(`${API}/sales/trips?salespersonId=${near.id}&date=${nextTuesday}`)
        .set(bearer(walkIn.token))
        .expect(404);
      await t.http
        .get(`${API}/sales/trips?salespersonId=${near.id}&date=${nextTuesday}`)
        .set(bearer(otherManager.token))
        .expect(404);
      await t.http
        .get(`${API}/sales/trips?salespersonId=${near.id}&date=${nextTuesday}`)
        .set(bearer(agent.token))
        .expect(200);
    });

    it("dispatches a visit into the salesperson's day, first, with the customer's purchases in the notice", async () => {
      const { id: bought } = await purchase(t, t.adminToken, shop, '899.00');
      const complaintId = randomUUID();
      const response = await t.http
        .post(`${API}/sales/dispatch`)
        .set(bearer(agent.token))
        .send({
          salespersonId: near.id,
          customerId: shop,
          date: nextTuesday,
          purpose: '处理缺陷投诉',
          relatedType: 'complaint',
          relatedId: complaintId,
          position: 0,
        })
        .expect(201);
      expect(response.body).toMatchObject({
        ownerId: near.id,
        day: nextTuesday,
        position: 0,
        place: { ...YONGKANG_SHOP },
        related: { type: 'complaint', id: complaintId },
        dispatchedBy: agent.id,
        dispatchInfo: {
          purchases: [expect.objectContaining({ id: bought, amount: { amount: '899.00', currency: 'CNY' } })],
        },
      });
      const trip = await t.http
        .get(`${API}/sales/trips?salespersonId=${near.id}&date=${nextTuesday}`)
        .set(bearer(near.token))
        .expect(200);
      expect(trip.body.stops.map((stop: Body) => stop.purpose)).toStrictEqual(['处理缺陷投诉', '拜访', '拜访']);
      const notice = (await noticesOf(near)).data.find((item: Body) => item.kind === 'visit.dispatched');
      expect(notice).toMatchObject({
        actorId: agent.id,
        details: { visit: { id: response.body.id }, changes: [{ change: 'added' }] },
      });
      // A week without a plan gets a draft holding the visit, which the owner goes on planning; the
      // dispatched visit is in their trip and in nearby already.
      const later = addDays(nextTuesday, 28);
      await t.http
        .post(`${API}/sales/dispatch`)
        .set(bearer(manager.token))
        .send({ salespersonId: far.id, customerId: hangzhouCustomer, date: later, purpose: '巡检', ...HANGZHOU })
        .expect(201);
      const plans = await t.http
        .get(`${API}/work-plans?ownerId=${far.id}&weekStart=${weekStartOf(later)}`)
        .set(bearer(far.token))
        .expect(200);
      expect(plans.body.data).toMatchObject([
        { status: 'draft', entries: [expect.objectContaining({ purpose: '巡检' })] },
      ]);
      const laterTrip = await t.http
        .get(`${API}/sales/trips?salespersonId=${far.id}&date=${later}`)
        .set(bearer(far.token))
        .expect(200);
      expect(laterTrip.body.stops.map((stop: Body) => stop.purpose)).toStrictEqual(['巡检']);
      const nearHangzhou = await nearby(`lat=${HANGZHOU.lat}&lng=${HANGZHOU.lng}&date=${later}&radiusKm=5`).expect(200);
      expect(nearHangzhou.body.data.map((row: Body) => row.salespersonId)).toStrictEqual([far.id]);
      await t.http
        .post(`${API}/work-plans/${plans.body.data[0].id}/visits`)
        .set(bearer(far.token))
        .set('if-match', String(plans.body.data[0].version))
        .send(visit(hangzhouCustomer, addDays(later, 1), HANGZHOU))
        .expect(201);

      const refuse = (token: string, body: Body, status: number) =>
        t.http.post(`${API}/sales/dispatch`).set(bearer(token)).send(body).expect(status);
      const good = { salespersonId: near.id, customerId: shop, date: nextTuesday, purpose: '再访' };
      const entries = await count('work_plan_entries');
      await refuse(seller.token, good, 403);
      await refuse(otherManager.token, good, 403); // not their team
      await refuse(agent.token, { ...good, salespersonId: agent.id }, 422);
      await refuse(agent.token, { ...good, customerId: randomUUID() }, 422);
      await refuse(agent.token, { ...good, customerId: (await customer(t)).id }, 422); // no known place
      await refuse(agent.token, { ...good, date: 'tomorrow' }, 400);
      expect(await count('work_plan_entries')).toBe(entries);
      await t.http.post(`${API}/sales/dispatch`).send(good).expect(401);
    });
  });

  describe('plan versus actual', () => {
    it('counts planned, done, skipped, pending and unplanned visits per salesperson and week, with the on-time share', async () => {
      const owner = await createUser(t, ['sales'], { managerId: manager.id });
      const now = await createPlan(owner, thisWeek, [
        visit(shop, today, YONGKANG),
        visit(jinhuaCustomer, today, JINHUA),
      ]);
      await createPlan(owner, nextWeek, [
        visit(shop, nextTuesday, YONGKANG),
        visit(shop, addDays(nextWeek, 3), YONGKANG),
        { kind: 'training', day: nextWeek },
      ]);
      await t.http
        .post(`${API}/visits/${now.entries[0].id}/check-in`)
        .set(bearer(owner.token))
        .send(YONGKANG)
        .expect(200);
      await t.http
        .post(`${API}/visits/${now.entries[1].id}/skip`)
        .set(bearer(owner.token))
        .send({ reason: '客户不在' })
        .expect(200);
      await t.http
        .post(`${API}/visits`)
        .set(bearer(owner.token))
        .send({ customerId: jinhuaCustomer, ...JINHUA })
        .expect(201);
      const report = await t.http
        .get(`${API}/reports/visits?from=${thisWeek}&to=${addDays(nextWeek, 6)}&ownerId=${owner.id}`)
        .set(bearer(manager.token))
        .expect(200);
      expect(report.body.data).toStrictEqual([
        {
          ownerId: owner.id,
          weekStart: thisWeek,
          planned: 2,
          done: 1,
          skipped: 1,
          pending: 0,
          unplanned: 1,
          onTimeShare: 1,
        },
        {
          ownerId: owner.id,
          weekStart: nextWeek,
          planned: 2,
          done: 0,
          skipped: 0,
          pending: 2,
          unplanned: 0,
          onTimeShare: null,
        },
      ]);
      const own = await t.http
        .get(`${API}/reports/visits?from=${thisWeek}&to=${today}`)
        .set(bearer(owner.token))
        .expect(200);
      expect(own.body.data.every((row: Body) => row.ownerId === owner.id)).toBe(true);
      await t.http
        .get(`${API}/reports/visits?from=${thisWeek}&to=${today}&ownerId=${owner.id}`)
        .set(bearer(otherManager.token))
        .expect(403);
      await t.http
        .get(`${API}/reports/visits?from=${thisWeek}&to=${today}&ownerId=${owner.id}`)
        .set(bearer(seller.token))
        .expect(403);
      await t.http
        .get(`${API}/reports/visits?from=${today}&to=${thisWeek}`)
        .set(bearer(owner.token))
        .expect(today === thisWeek ? 200 : 400);
      await t.http.get(`${API}/reports/visits?from=${thisWeek}&to=${today}`).set(bearer(agent.token)).expect(403);
      await t.http.get(`${API}/reports/visits?from=${thisWeek}&to=${today}`).expect(401);
    });
  });

  describe('who may do what', () => {
    it('keeps a plan to its owner, their manager and administrators', async () => {
      const week = addDays(nextWeek, 35);
      const plan = await createPlan(seller, week, [visit(shop, week, YONGKANG)]);
      const get = (token: string) => t.http.get(`${API}/work-plans/${plan.id}`).set(bearer(token));
      await get(seller.token).expect(200);
      await get(manager.token).expect(200);
      await get(t.adminToken).expect(200);
      await get(colleague.token).expect(404);
      await get(outsider.token).expect(404);
      await get(otherManager.token).expect(404);
      await get(agent.token).expect(403);
      await t.http.get(`${API}/work-plans/${plan.id}`).expect(401);
      await t.http.patch(`${API}/work-plans/${plan.id}`).set(bearer(colleague.token)).send({ entries: [] }).expect(404);
      await t.http
        .patch(`${API}/work-plans/${plan.id}`)
        .set(bearer(otherManager.token))
        .send({ entries: [] })
        .expect(404);
      await act(plan.id, 'submit', manager.token).expect(403);
      await act(plan.id, 'submit', seller.token).expect(200);
      await act(plan.id, 'approve', seller.token).expect(403);
      await act(plan.id, 'approve', otherManager.token).expect(404);
      await act(plan.id, 'approve', agent.token).expect(403);
      await act(plan.id, 'approve', t.adminToken).expect(200);
      const listed = await t.http.get(`${API}/work-plans?weekStart=${week}`).set(bearer(colleague.token)).expect(200);
      expect(listed.body.data).toStrictEqual([]);
      const team = await t.http.get(`${API}/work-plans?weekStart=${week}`).set(bearer(manager.token)).expect(200);
      expect(team.body.data.map((item: Body) => item.id)).toStrictEqual([plan.id]);
      await t.http.get(`${API}/work-plans?ownerId=${seller.id}`).set(bearer(colleague.token)).expect(403);
      // A manager plans for their team, not for another team.
      await createPlan(colleague, week, [], manager.token, { ownerId: colleague.id });
      const foreign = await t.http
        .post(`${API}/work-plans`)
        .set(bearer(manager.token))
        .send({ weekStart: week, ownerId: outsider.id, entries: [] });
      expect(foreign.status).toBe(403);
      await t.http.get(`${API}/notifications`).expect(401);
      await t.http
        .post(`${API}/visits`)
        .set(bearer(agent.token))
        .send({ customerId: shop, ...YONGKANG })
        .expect(403);
    });
  });
});
