import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { customer } from './support/factories.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { API, bearer, createUser, queueOf, startTestApp, type TestApp, waitFor } from './support/test-app.js';

type User = Awaited<ReturnType<typeof createUser>>;

describe('lead conversion and response deadlines (R-SP1, R-SP2)', () => {
  let t: TestApp;
  let manager: User;
  let seller: User;
  let colleague: User;

  beforeAll(async () => {
    // Response deadlines of a second, and escalation a second after the reminder.
    t = await startTestApp({
      LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000',
      LEAD_RESPONSE_SECONDS: '1',
      LEAD_ESCALATION_SECONDS: '1',
    });
    manager = await createUser(t, ['manager']);
    seller = await createUser(t, ['sales'], { managerId: manager.id });
    colleague = await createUser(t, ['sales'], { managerId: manager.id });
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  const leadFor = async (owner: User, fields: Record<string, unknown> = {}) => {
    const region = `区域-${randomUUID().slice(0, 8)}`;
    await t.http
      .post(`${API}/admin/lead-assignment-rules`)
      .set(bearer(t.adminToken))
      .send({ name: region, regions: [region], strategy: 'round_robin', salespeople: [owner.id] })
      .expect(201);
    const lead = await t.http
      .post(`${API}/leads`)
      .set(bearer(owner.token))
      .send({
        name: '李雷',
        companyName: '雷氏贸易',
        phone: '13912345678',
        source: 'referral',
        region,
        industry: '贸易',
        ...fields,
      })
      .expect(201);
    return lead.body;
  };
  const qualified = async (owner: User, fields: Record<string, unknown> = {}) => {
    const lead = await leadFor(owner, fields);
    for (const status of ['contacted', 'qualified'])
      await t.http.post(`${API}/leads/${lead.id}/status`).set(bearer(owner.token)).send({ status }).expect(200);
    return lead;
  };
  const convert = (id: string, body: Record<string, unknown>, token = seller.token) =>
    t.http.post(`${API}/leads/${id}/convert`).set(bearer(token)).send(body);
  const money = (amount: string) => ({ amount, currency: 'CNY' });
  const count = async (sql: string, values: unknown[]) => (await t.db.query(sql, values)).rows[0].n as number;

  describe('conversion', () => {
    it('creates the customer and the opportunity together and keeps the chain lead → customer → opportunity', async () => {
      const lead = await qualified(seller);
      const converted = await convert(lead.id, {
        opportunity: { name: '二十台商用机', amount: money('48000.00'), expectedCloseOn: '2026-12-31' },
      }).expect(200);
      const { customerId, opportunityId } = converted.body;
      expect(converted.body.customerCreated).toBe(true);
      const shownCustomer = await t.http.get(`${API}/customers/${customerId}`).set(bearer(seller.token)).expect(200);
      expect(shownCustomer.body).toMatchObject({
        name: '李雷',
        companyName: '雷氏贸易',
        mobile: '+8613912345678',
        ownerId: seller.id,
        industry: '贸易',
      });
      const { rows } = await t.db.query(
        `SELECT customer_id, lead_id, owner_id, amount::text, status FROM opportunities WHERE id = $1`,
        [opportunityId],
      );
      expect(rows[0]).toStrictEqual({
        customer_id: customerId,
        lead_id: lead.id,
        owner_id: seller.id,
        amount: '48000.00',
        status: 'open',
      });
      const shownLead = await t.http.get(`${API}/leads/${lead.id}`).set(bearer(seller.token)).expect(200);
      expect(shownLead.body).toMatchObject({ status: 'converted', customerId, opportunityId });
      const events = await t.db.query(`SELECT type FROM outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY id`, [
        [lead.id, customerId, opportunityId],
      ]);
      expect(events.rows.map((row: { type: string }) => row.type)).toEqual(
        expect.arrayContaining(['customer.created', 'lead.converted', 'opportunity.created']),
      );
    });

    it('links an existing customer instead of creating one', async () => {
      const existing = await customer(t, seller.token, { mobile: '13912345678' });
      const lead = await qualified(seller);
      expect(lead.duplicates.customerIds).toContain(existing.id);
      const customersBefore = await count(`SELECT count(*)::int AS n FROM customers`, []);
      const converted = await convert(lead.id, {
        customerId: existing.id,
        opportunity: { amount: money('100.00') },
      }).expect(200);
      expect(converted.body).toMatchObject({ customerId: existing.id, customerCreated: false });
      expect(await count(`SELECT count(*)::int AS n FROM customers`, [])).toBe(customersBefore);
    });

    it('leaves neither customer nor opportunity when a step fails, and the lead stays qualified', async () => {
      const lead = await qualified(seller, { name: `失败转化-${randomUUID().slice(0, 6)}` });
      // An administrator makes a custom field required: creating the customer now fails inside the conversion.
      const key = `required${randomUUID().slice(0, 6)}`;
      const field = await t.http
        .post(`${API}/admin/custom-fields`)
        .set(bearer(t.adminToken))
        .send({ key, label: '必填', type: 'text', required: true })
        .expect(201);
      const opportunitiesBefore = await count(`SELECT count(*)::int AS n FROM opportunities`, []);
      const failed = await convert(lead.id, { opportunity: { amount: money('10.00') } });
      expect(failed.status).toBe(400);
      expect(await count(`SELECT count(*)::int AS n FROM customers WHERE name = $1`, [lead.name])).toBe(0);
      expect(await count(`SELECT count(*)::int AS n FROM opportunities`, [])).toBe(opportunitiesBefore);
      expect(
        await count(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND type = 'lead.converted'`, [
          lead.id,
        ]),
      ).toBe(0);
      const after = await t.http.get(`${API}/leads/${lead.id}`).set(bearer(seller.token)).expect(200);
      expect(after.body).toMatchObject({ status: 'qualified', customerId: null, opportunityId: null });
      await t.http
        .patch(`${API}/admin/custom-fields/${field.body.id}`)
        .set(bearer(t.adminToken))
        .send({ active: false })
        .expect(200);
      await convert(lead.id, { opportunity: { amount: money('10.00') } }).expect(200);
    });

    it('converts only a qualified lead, once, in the price list’s currency and an existing pipeline', async () => {
      const fresh = await leadFor(seller);
      const early = await convert(fresh.id, { opportunity: { amount: money('1.00') } }).expect(409);
      expect(early.body.detail).toBe('Only a qualified lead can be converted; this one is new.');
      const lead = await qualified(seller);
      await convert(lead.id, { opportunity: { amount: { amount: '1.00', currency: 'USD' } } }).expect(422);
      await convert(lead.id, { opportunity: { amount: money('1.00'), pipelineId: randomUUID() } }).expect(422);
      await convert(lead.id, { customerId: randomUUID(), opportunity: { amount: money('1.00') } }).expect(422);
      await convert(lead.id, { opportunity: { amount: money('-1') } }).expect(400);
      // No opportunity, or one without an amount: a validation error, not a 500 (found by the fuzz suite).
      await convert(lead.id, {}).expect(400);
      await convert(lead.id, { opportunity: {} }).expect(400);
      await convert(lead.id, { opportunity: 'x' }).expect(400);
      await convert(lead.id, { opportunity: { amount: money('1.00') } }).expect(200);
      const twice = await convert(lead.id, { opportunity: { amount: money('1.00') } }).expect(409);
      expect(twice.body.detail).toBe('The lead is already converted; it cannot become converted.');
    });

    it('lets the owner’s manager convert, but not a colleague', async () => {
      const lead = await qualified(seller);
      await convert(lead.id, { opportunity: { amount: money('5.00') } }, colleague.token).expect(404);
      const byManager = await convert(lead.id, { opportunity: { amount: money('5.00') } }, manager.token).expect(200);
      const { rows } = await t.db.query(`SELECT owner_id FROM customers WHERE id = $1`, [byManager.body.customerId]);
      expect(rows[0].owner_id).toBe(seller.id);
    });
  });

  describe('response deadline', () => {
    const tasksOf = async (leadId: string) =>
      (
        await t.db.query(
          `SELECT kind, assignee_id AS "assigneeId" FROM tasks WHERE subject_type = 'lead' AND subject_id = $1 ORDER BY created_at`,
          [leadId],
        )
      ).rows;

    it('reminds the owner when nobody contacted the lead in time, then escalates to their manager', async () => {
      const lead = await leadFor(seller);
      const tasks = await waitFor(async () => {
        const found = await tasksOf(lead.id);
        return found.length === 2 && found;
      }, 20_000);
      expect(tasks).toStrictEqual([
        { kind: 'lead.response_due', assigneeId: seller.id },
        { kind: 'lead.response_overdue', assigneeId: manager.id },
      ]);
      const mine = await t.http.get(`${API}/tasks`).set(bearer(seller.token)).expect(200);
      expect(mine.body.data.map((task: { subjectId: string }) => task.subjectId)).toContain(lead.id);
      const events = await t.db.query(
        `SELECT payload->>'stage' AS stage FROM outbox WHERE aggregate_id = $1 AND type = 'lead.response_overdue' ORDER BY id`,
        [lead.id],
      );
      expect(events.rows).toStrictEqual([{ stage: 'reminder' }, { stage: 'escalation' }]);
    });

    it('does neither once the lead was contacted in time, however late its jobs run', async () => {
      const lead = await leadFor(seller);
      await t.http
        .post(`${API}/leads/${lead.id}/status`)
        .set(bearer(seller.token))
        .send({ status: 'contacted' })
        .expect(200);
      // Whether or not the subscriber scheduled them before the contact, both jobs run now (same ids: at most once each).
      const queue = queueOf(t, QueueName.Sales);
      const stages = ['reminder', 'escalation'] as const;
      await queue.addBulk(
        stages.map((stage) => ({
          name: `lead-${stage}`,
          data: { kind: 'lead-overdue', leadId: lead.id, stage },
          opts: { jobId: `lead-${stage}.${lead.id}` },
        })),
      );
      const finished = await waitFor(async () => {
        const jobs = await Promise.all(stages.map((stage) => queue.getJob(`lead-${stage}.${lead.id}`)));
        return jobs.every((job) => job?.finishedOn) && jobs;
      }, 20_000);
      expect(finished.map((job) => job?.returnvalue)).toStrictEqual(['already contacted', 'already contacted']);
      expect(await tasksOf(lead.id)).toStrictEqual([]);
    });
  });
});
