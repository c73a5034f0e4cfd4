import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  API,
  bearer,
  createUser,
  eventHandled,
  queueOf,
  startTestApp,
  waitFor,
  type TestApp,
} from './support/test-app.js';
import { purchase, serviceRequest } from './support/factories.js';
import { type LocalProvider, type SmtpSink, startLocalProvider, startSmtpSink } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer } from './support/outreach.js';
import { QueueName, subscriberJobId } from '../src/infrastructure/queues/queue-names.js';
import { localDate } from '../src/common/time/zoned-time.js';

const DAY_MS = 86_400_000;

/**
 * Each care rule kind the issue names, end to end through the gate into the real sinks: the trigger
 * produces the right message (or, for VIP care calls, a task for the customer's salesperson), and a
 * redelivered event or a rerun scan produces nothing twice. (Purchase follow-up and the birthday scan
 * are in outreach-sending.e2e.test.ts, with their redelivery and rerun.)
 */
describe('outreach: every care rule kind fires once', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let provider: LocalProvider;
  let marketing: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    provider = await startLocalProvider();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: provider.url,
      WECHAT_PROVIDER_URL: provider.url,
      OUTREACH_DISPATCH_INTERVAL_MS: '100',
    });
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
    // One purchase of 100.00 places a new customer in the top tier (as in tiers.e2e.test.ts, score 7).
    await t.http
      .put(`${API}/admin/tiers`)
      .set(bearer(t.adminToken))
      .send({
        tiers: [
          { name: 'VIP', rank: 1, minScore: 7, earnMultiplier: '1.00', benefits: [] },
          { name: '普通', rank: 2, earnMultiplier: '1.00', benefits: [] },
        ],
      })
      .expect(200);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await provider?.close();
  });

  const rule = async (fields: Record<string, unknown>) => {
    const response = await t.http
      .post(`${API}/outreach/rules`)
      .set(bearer(marketing))
      .send({ name: 'rule', purpose: 'care', channels: ['email'], subject: '', body: 'hi', ...fields });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string };
  };
  const messagesOf = async (customerId: string, ruleId: string) =>
    (
      await t.http
        .get(`${API}/outreach/messages?customerId=${customerId}&ruleId=${ruleId}`)
        .set(bearer(marketing))
        .expect(200)
    ).body.data as {
      id: string;
      status: string;
      reason: string | null;
      channel: string | null;
      taskId: string | null;
    }[];
  const sentMessage = (customerId: string, ruleId: string) =>
    waitFor(
      async () => (await messagesOf(customerId, ruleId)).find((message) => message.status === 'sent'),
      60_000,
      `a sent message of rule ${ruleId} to ${customerId}`,
    );
  const mailsTo = (address: string) => smtp.mails.filter((mail) => mail.to.includes(address.toLowerCase()));
  const run = async (ruleId: string, day = localDate(new Date(), 'Asia/Shanghai')) =>
    (await t.http.post(`${API}/outreach/rules/${ruleId}/run`).set(bearer(marketing)).send({ day }).expect(200))
      .body as { matched: number; created: number; errors: string[] };

  /** The outbox event delivered to the subscriber once more, as after a crash between handling and acknowledging. */
  const redeliver = async (where: string, values: unknown[], subscriber: string) => {
    const {
      rows: [event],
    } = await t.db.query(`SELECT * FROM outbox WHERE ${where} ORDER BY id DESC LIMIT 1`, values);
    expect(event).toBeDefined();
    await eventHandled(t, event.event_id);
    const job = await queueOf(t, QueueName.EventSubscribers).add(
      'redelivered',
      {
        eventId: event.event_id,
        outboxId: event.id,
        type: event.type,
        aggregateType: event.aggregate_type,
        aggregateId: event.aggregate_id,
        occurredAt: event.occurred_at.toISOString(),
        payload: event.payload,
        subscriber,
      },
      { jobId: `${subscriberJobId(event.event_id, subscriber)}.again` },
    );
    await waitFor(async () => (await job.getState()) === 'completed', 20_000, `the redelivered ${event.type}`);
  };

  it('congratulates a customer who moves up a tier, once, even when the tier change is delivered again', async () => {
    const upgrade = await rule({
      name: '升级祝贺',
      trigger: 'tier_upgrade',
      subject: '{{ salutation }}，恭喜升级为{{ tier }}会员',
      body: '恭喜！',
    });
    const customer = await reachableCustomer(t);
    await purchase(t, t.adminToken, customer.id, '100.00');
    const sent = await sentMessage(customer.id, upgrade.id);
    await waitFor(async () => mailsTo(customer.email).length > 0, 60_000, 'the congratulation');
    expect(mailsTo(customer.email).map((mail) => [mail.messageId, mail.subject])).toStrictEqual([
      [sent.id, '李女士，恭喜升级为VIP会员'],
    ]);

    await redeliver(
      `type = 'customer.tier_changed' AND aggregate_id = $1`,
      [customer.id],
      'outreach.congratulate-tier-upgrade',
    );
    const rerun = await queueOf(t, QueueName.OutreachTriggers).add('fire-rule', {
      task: 'fire-rule',
      ruleId: upgrade.id,
      customerId: customer.id,
      sourceId: (
        await t.db.query(
          `SELECT event_id FROM outbox WHERE type = 'customer.tier_changed' AND aggregate_id = $1 ORDER BY id DESC LIMIT 1`,
          [customer.id],
        )
      ).rows[0].event_id,
    });
    await waitFor(async () => (await rerun.getState()) === 'completed', 20_000, 'the rule job run again');
    expect((await queueOf(t, QueueName.OutreachTriggers).getJob(rerun.id!))?.returnvalue).toBe('already fired');
    expect(await messagesOf(customer.id, upgrade.id)).toHaveLength(1);
    expect(mailsTo(customer.email)).toHaveLength(1);
  });

  it('sends product information to a lead turned customer once, and not to one who has already bought', async () => {
    const inform = await rule({
      name: '新客户产品资料',
      trigger: 'lead_converted',
      subject: '{{ salutation }}，您关注的产品资料',
      body: '附上净水器的选购指南。',
    });
    const convertInto = async (customerId: string) => {
      const lead = (
        await t.http
          .post(`${API}/leads`)
          .set(bearer(t.adminToken))
          .send({ name: '李娜', source: 'website', interest: '家用净水器' })
          .expect(201)
      ).body;
      for (const status of ['contacted', 'qualified'])
        await t.http.post(`${API}/leads/${lead.id}/status`).set(bearer(t.adminToken)).send({ status }).expect(200);
      await t.http
        .post(`${API}/leads/${lead.id}/convert`)
        .set(bearer(t.adminToken))
        .send({ customerId, opportunity: { amount: { amount: '3000.00', currency: 'CNY' } } })
        .expect(200);
      return lead as { id: string };
    };

    const customer = await reachableCustomer(t);
    const lead = await convertInto(customer.id);
    const sent = await sentMessage(customer.id, inform.id);
    await waitFor(async () => mailsTo(customer.email).length > 0, 60_000, 'the product information');
    expect(mailsTo(customer.email).map((mail) => [mail.messageId, mail.subject])).toStrictEqual([
      [sent.id, '李女士，您关注的产品资料'],
    ]);
    await redeliver(`type = 'lead.converted' AND aggregate_id = $1`, [lead.id], 'outreach.inform-converted-lead');
    expect(await messagesOf(customer.id, inform.id)).toHaveLength(1);
    expect(mailsTo(customer.email)).toHaveLength(1);

    // A customer who bought before the rule's delay was up gets nothing: the information was for before a first purchase.
    const buyer = await reachableCustomer(t);
    await purchase(t, t.adminToken, buyer.id, '10.00');
    const buyersLead = await convertInto(buyer.id);
    const jobId = `rule.${inform.id}.${buyersLead.id}`;
    const job = await waitFor(
      async () => {
        // Read once the job is completed: a job read while it ran still has no return value.
        const fired = await queueOf(t, QueueName.OutreachTriggers).getJob(jobId);
        return (await fired?.getState()) === 'completed' && queueOf(t, QueueName.OutreachTriggers).getJob(jobId);
      },
      60_000,
      'the rule job for the buyer',
    );
    expect(job.returnvalue).toBe('already a buyer');
    expect(await messagesOf(buyer.id, inform.id)).toHaveLength(0);
  });

  it('checks satisfaction once per resolved request, even when the resolution is delivered again', async () => {
    const satisfaction = await rule({
      name: '满意度',
      trigger: 'service_satisfaction',
      purpose: 'service',
      channels: ['sms'],
      body: '{{ salutation }}，请为本次服务打分。',
    });
    const agent = await createUser(t, ['agent']);
    const customer = await reachableCustomer(t, { consents: { sms: true } });
    const request = (await serviceRequest(t, agent.token, customer.id)) as { id: string };
    await t.http
      .post(`${API}/service-requests/${request.id}/assign`)
      .set(bearer(t.adminToken))
      .send({ assigneeId: agent.id })
      .expect(200);
    await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(agent.token)).expect(200);
    await t.http
      .post(`${API}/service-requests/${request.id}/resolve`)
      .set(bearer(agent.token))
      .send({ resolution: '已修复' })
      .expect(200);
    const sent = await sentMessage(customer.id, satisfaction.id);
    await redeliver(
      `type = 'service_request.resolved' AND aggregate_id = $1`,
      [request.id],
      'outreach.check-satisfaction',
    );
    expect(await messagesOf(customer.id, satisfaction.id)).toHaveLength(1);
    expect(provider.accepted.filter((each) => each.to === customer.mobile)).toStrictEqual([
      expect.objectContaining({ reference: sent.id, text: '李女士，请为本次服务打分。' }),
    ]);
  });

  it('reaches customers dormant for N days from the daily scan, once per dormancy, and not the active ones', async () => {
    const dormant = await rule({
      name: '唤醒',
      trigger: 'dormant',
      delayDays: 90,
      subject: '{{ salutation }}，好久不见',
      body: '我们想念您。',
    });
    const asleep = await reachableCustomer(t);
    const active = await reachableCustomer(t);
    const longAgo = new Date(Date.now() - 120 * DAY_MS).toISOString();
    await purchase(t, t.adminToken, asleep.id, '20.00', { purchasedAt: longAgo });
    await purchase(t, t.adminToken, active.id, '20.00');

    const first = await run(dormant.id);
    const second = await run(dormant.id);
    expect(first).toMatchObject({ matched: 1, created: 1, errors: [] });
    expect(second).toMatchObject({ matched: 1, created: 0, errors: [] });
    const sent = await sentMessage(asleep.id, dormant.id);
    await waitFor(async () => mailsTo(asleep.email).some((mail) => mail.messageId === sent.id), 60_000, 'the mail');
    expect(mailsTo(asleep.email).filter((mail) => mail.subject === '李女士，好久不见')).toHaveLength(1);
    expect(await messagesOf(active.id, dormant.id)).toStrictEqual([]);
  });

  it("turns VIP care calls into one task per period for the customer's salesperson, however often the scan runs", async () => {
    const calls = await rule({
      name: 'VIP关怀电话',
      trigger: 'vip_care_call',
      channels: ['phone'],
      everyDays: 30,
      subject: '致电 {{ name }}',
      body: '问候近况',
    });
    const salesperson = await createUser(t, ['sales']);
    const vip = await reachableCustomer(t, { consents: { phone: true } });
    await t.http
      .patch(`${API}/customers/${vip.id}`)
      .set(bearer(t.adminToken))
      .send({ ownerId: salesperson.id })
      .expect(200);
    await purchase(t, t.adminToken, vip.id, '100.00');
    await waitFor(
      async () =>
        (await t.http.get(`${API}/customers/${vip.id}/loyalty`).set(bearer(t.adminToken)).expect(200)).body.tier ===
        'VIP',
      20_000,
      'the customer in the top tier',
    );
    const day = localDate(new Date(), 'Asia/Shanghai');
    const first = await run(calls.id, day);
    const second = await run(calls.id, day);
    // Every customer in the top tier so far (this one and the earlier tests' buyers), each once.
    expect(first).toMatchObject({ created: first.matched, errors: [] });
    expect(first.matched).toBeGreaterThanOrEqual(1);
    expect(second).toMatchObject({ matched: first.matched, created: 0, errors: [] });
    const made = await sentMessage(vip.id, calls.id);
    expect(made).toMatchObject({ channel: 'phone', taskId: expect.any(String) });
    const tasks = (await t.http.get(`${API}/tasks`).set(bearer(salesperson.token)).expect(200)).body.data as {
      id: string;
      title: string;
      customerId: string;
    }[];
    expect(tasks.filter((task) => task.customerId === vip.id)).toStrictEqual([
      expect.objectContaining({ id: made.taskId, title: '致电 李娜' }),
    ]);
    expect(await messagesOf(vip.id, calls.id)).toHaveLength(1);
    // No call goes out as a message.
    expect(provider.requests.filter((request) => request.to === vip.mobile)).toStrictEqual([]);
  });
});
