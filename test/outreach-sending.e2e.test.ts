import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  API,
  bearer,
  createApiKey,
  createUser,
  eventHandled,
  queueOf,
  startTestApp,
  waitFor,
  type TestApp,
} from './support/test-app.js';
import { purchase, serviceRequest } from './support/factories.js';
import { type LocalProvider, type SmtpSink, startLocalProvider, startSmtpSink } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer, zoneWhereItIs } from './support/outreach.js';
import { QueueName, subscriberJobId } from '../src/infrastructure/queues/queue-names.js';
import { localDate } from '../src/common/time/zoned-time.js';

/**
 * Care rules firing and messages going out through real channels: e-mail to an SMTP server
 * (smtp-server) and SMS / WeChat to a local HTTP provider; delivery reports; daily scans; and, over
 * everything the sinks received, not one message to the customer who opted out.
 */
describe('outreach: care rules and sending', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let provider: LocalProvider;
  let marketing: string;
  let reporterKey: string;
  let optedOut: { id: string; email: string; mobile: string };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    provider = await startLocalProvider();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: provider.url,
      WECHAT_PROVIDER_URL: provider.url,
      OUTREACH_CALLBACK_BASE_URL: 'http://crm.test',
      OUTREACH_DISPATCH_INTERVAL_MS: '100',
    });
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
    reporterKey = await createApiKey(t, ['outreach:report']);
    // Said "stop sending me anything": every channel withdrawn, marketing opt-out. Every rule below meets them.
    optedOut = await reachableCustomer(t, {
      consents: { email: false, sms: false, phone: false, social: false },
      marketingOptOut: true,
      fields: { birthDate: todayInShanghai('1980') },
    });
  });
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
  const messagesOf = async (customerId: string) =>
    (await t.http.get(`${API}/outreach/messages?customerId=${customerId}`).set(bearer(marketing)).expect(200)).body
      .data as { id: string; status: string; reason: string | null; ruleId: string }[];
  const messageIn = (customerId: string, status: string) =>
    waitFor(
      async () => (await messagesOf(customerId)).find((message) => message.status === status),
      60_000,
      `a ${status} message to ${customerId}`,
    );

  it('thanks a customer by e-mail after a purchase, once, with the salutation, on the timeline', async () => {
    const followUp = await rule({
      name: '购买回访',
      trigger: 'purchase_follow_up',
      subject: '{{ salutation }}，感谢您的购买',
      body: '<p>{{ salutation }}，您现在有 {{ points }} 积分。</p>',
    });
    const customer = await reachableCustomer(t);
    await purchase(t, t.adminToken, optedOut.id, '50.00');
    const bought = await purchase(t, t.adminToken, customer.id, '88.00');
    const sent = await messageIn(customer.id, 'sent');
    expect(sent.ruleId).toBe(followUp.id);
    await waitFor(async () => smtp.mails.find((mail) => mail.messageId === sent.id), 60_000, 'the mail');
    const mail = smtp.mails.find((each) => each.messageId === sent.id)!;
    expect(mail.to).toStrictEqual([customer.email]);
    expect(mail.subject).toBe('李女士，感谢您的购买');

    const detail = await t.http.get(`${API}/outreach/messages/${sent.id}`).set(bearer(marketing)).expect(200);
    expect(detail.body.history.map((change: { status: string }) => change.status)).toStrictEqual([
      'pending',
      'queued',
      'sent',
    ]);
    const timeline = await t.http
      .get(`${API}/customers/${customer.id}/timeline?kind=message`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(timeline.body.data).toHaveLength(1);

    // The purchase event delivered again: the rule's job for this purchase exists, and its message too.
    const {
      rows: [event],
    } = await t.db.query(
      `SELECT * FROM outbox WHERE type = 'purchase.recorded' AND payload -> 'purchase' ->> 'id' = $1`,
      [bought.id],
    );
    await eventHandled(t, event.event_id);
    const redelivery = await queueOf(t, QueueName.EventSubscribers).add(
      'redelivered',
      {
        eventId: event.event_id,
        outboxId: event.id,
        type: event.type,
        aggregateType: event.aggregate_type,
        aggregateId: event.aggregate_id,
        occurredAt: event.occurred_at.toISOString(),
        payload: event.payload,
        subscriber: 'outreach.follow-up-purchase',
      },
      { jobId: `${subscriberJobId(event.event_id, 'outreach.follow-up-purchase')}.again` },
    );
    await waitFor(async () => (await redelivery.getState()) === 'completed', 10_000, 'the redelivered event');
    // And the rule's job itself run again (a job lost and recreated): it finds the message made.
    const again = await queueOf(t, QueueName.OutreachTriggers).add('fire-rule', {
      task: 'fire-rule',
      ruleId: followUp.id,
      customerId: customer.id,
      sourceId: bought.id,
    });
    await waitFor(async () => (await again.getState()) === 'completed', 10_000, 'the rule job run again');
    expect(
      (await again.getState()) && (await queueOf(t, QueueName.OutreachTriggers).getJob(again.id!))?.returnvalue,
    ).toBe('already fired');
    expect(await messagesOf(customer.id)).toHaveLength(1);
    expect(smtp.mails.filter((each) => each.to.includes(customer.email))).toHaveLength(1);
  });

  it('checks satisfaction by SMS after a service request is resolved; delivery reports move it, once each', async () => {
    await rule({
      name: '满意度回访',
      trigger: 'service_satisfaction',
      purpose: 'service',
      channels: ['email', 'sms'],
      body: '{{ salutation }}，请为本次服务打分（1-5）。',
    });
    const agent = await createUser(t, ['agent']);
    const customer = await reachableCustomer(t, { consents: { email: false, sms: true } });
    for (const whose of [customer.id, optedOut.id]) {
      const request = (await serviceRequest(t, agent.token, whose)) as { id: string };
      await t.http
        .post(`${API}/service-requests/${request.id}/assign`)
        .set(bearer(t.adminToken))
        .send({ assigneeId: agent.id })
        .expect(200);
      await t.http.post(`${API}/service-requests/${request.id}/start`).set(bearer(agent.token)).expect(200);
      await t.http
        .post(`${API}/service-requests/${request.id}/resolve`)
        .set(bearer(agent.token))
        .send({ resolution: '更换滤芯' })
        .expect(200);
    }
    const sent = await messageIn(customer.id, 'sent');
    const request = provider.accepted.find((each) => each.reference === sent.id)!;
    expect(request).toMatchObject({ to: customer.mobile, text: '李女士，请为本次服务打分（1-5）。' });
    expect(request.callbackUrl).toBe(`http://crm.test/api/v1/outreach/messages/${sent.id}/status`);

    // The provider's delivery report, posted twice: applied once.
    const path = new URL(request.callbackUrl!).pathname;
    const report = { status: 'delivered', reportId: `${provider.providerIds.get(sent.id)}-dlr` };
    for (let i = 0; i < 2; i += 1) {
      const answer = await t.http.post(path).set(bearer(reporterKey)).send(report).expect(200);
      expect(answer.body.status).toBe('delivered');
    }
    await t.http.post(path).set(bearer(reporterKey)).send({ status: 'opened', reportId: 'open-1' }).expect(200);
    // A late "delivered" with another id is kept in the history but does not move the status back.
    const late = await t.http
      .post(path)
      .set(bearer(reporterKey))
      .send({ status: 'delivered', reportId: 'late-1' })
      .expect(200);
    expect(late.body.status).toBe('opened');
    expect(late.body.history.map((change: { status: string }) => change.status)).toStrictEqual([
      'pending',
      'queued',
      'sent',
      'delivered',
      'opened',
      'opened',
    ]);
    const invalid = await t.http.post(path).set(bearer(reporterKey)).send({ status: 'teleported', reportId: 'x' });
    expect(invalid.status).toBe(400);
  });

  it('marks a message the provider refuses as failed at once, and retries one it rate-limited', async () => {
    const refused = await reachableCustomer(t, { consents: { sms: true } });
    const slowed = await reachableCustomer(t, { consents: { sms: true } });
    provider.behaviour.set(refused.mobile, 'reject');
    provider.behaviour.set(slowed.mobile, 'rate-limit-once');
    await rule({ name: '购买短信', trigger: 'purchase_follow_up', channels: ['sms'], body: '{{ name }}，谢谢！' });
    await purchase(t, t.adminToken, refused.id, '10.00');
    await purchase(t, t.adminToken, slowed.id, '10.00');
    const failed = await messageIn(refused.id, 'failed');
    const detail = await t.http.get(`${API}/outreach/messages/${failed.id}`).set(bearer(marketing)).expect(200);
    expect(detail.body.error).toContain('400');
    await messageIn(slowed.id, 'sent');
    expect(provider.requests.filter((each) => each.to === slowed.mobile)).toHaveLength(2);
    expect(provider.accepted.filter((each) => each.to === slowed.mobile)).toHaveLength(1);
  });

  it('greets birthdays from the daily scan once, however often it runs, and records each run', async () => {
    const birthday = await rule({
      name: '生日祝福',
      trigger: 'birthday',
      subject: '{{ salutation }}，生日快乐',
      body: '生日快乐！',
    });
    const customer = await reachableCustomer(t, { fields: { birthDate: todayInShanghai('1990') } });
    const day = localDate(new Date(), 'Asia/Shanghai');
    const first = await t.http
      .post(`${API}/outreach/rules/${birthday.id}/run`)
      .set(bearer(marketing))
      .send({ day })
      .expect(200);
    const second = await t.http
      .post(`${API}/outreach/rules/${birthday.id}/run`)
      .set(bearer(marketing))
      .send({ day })
      .expect(200);
    // The customer and the opted-out one (suppressed, with its reason) both match; the rerun creates nothing.
    expect(first.body).toMatchObject({ matched: 2, created: 2, errors: [] });
    expect(second.body).toMatchObject({ matched: 2, created: 0, errors: [] });
    const runs = await t.http.get(`${API}/outreach/runs?ruleId=${birthday.id}`).set(bearer(marketing)).expect(200);
    expect(runs.body.data.map((run: { id: string }) => run.id).sort()).toStrictEqual(
      [first.body.id, second.body.id].sort(),
    );
    const sent = await messageIn(customer.id, 'sent');
    await waitFor(async () => smtp.mails.find((mail) => mail.messageId === sent.id), 60_000, 'the birthday mail');
    expect(smtp.mails.find((mail) => mail.messageId === sent.id)!.subject).toBe('李女士，生日快乐');
    const suppressed = (await messagesOf(optedOut.id)).filter((message) => message.ruleId === birthday.id);
    expect(suppressed.map((message) => [message.status, message.reason])).toStrictEqual([['suppressed', 'no-consent']]);
    await t.http
      .post(`${API}/outreach/rules/${birthday.id}/run`)
      .set(bearer(marketing))
      .send({ day: '2026-02-30' })
      .expect(400);
  });

  it("tells complainants about a completed improvement action through the gate (issue 13's report-back)", async () => {
    const complainant = await reachableCustomer(t, { consents: { sms: true } });
    const owner = await createUser(t, ['manager']);
    const complaintOf = async (customerId: string) => {
      const filed = await t.http
        .post(`${API}/complaints`)
        .set(bearer(t.adminToken))
        .send({ customerId, category: 'product_quality', severity: 'normal', subject: '滤芯漏水' });
      expect({ status: filed.status, body: filed.body }).toMatchObject({ status: 201 });
      return filed.body.id as string;
    };
    const complaints = [await complaintOf(complainant.id), await complaintOf(optedOut.id)];
    const action = await t.http.post(`${API}/improvement-actions`).set(bearer(t.adminToken)).send({
      rootCause: 'manufacturing.assembly_defect',
      title: '滤芯装配加检',
      ownerId: owner.id,
      dueOn: '2099-12-31',
    });
    expect({ status: action.status, body: action.body }).toMatchObject({ status: 201 });
    const step = async (path: string, body: Record<string, unknown> = {}) => {
      const answer = await t.http
        .post(`${API}/improvement-actions/${action.body.id}/${path}`)
        .set(bearer(t.adminToken))
        .send(body);
      expect({ path, status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
    };
    await step('complaints', { complaintIds: complaints });
    await step('start');
    await step('complete', { changeSummary: '装配线增加一道密封检验' });

    // A service message: it goes by SMS to the complainant (an open complaint does not hold it back)…
    const sent = await messageIn(complainant.id, 'sent');
    const request = provider.accepted.find((each) => each.reference === sent.id)!;
    expect(request).toMatchObject({
      to: complainant.mobile,
      text: '李女士，感谢您的反馈。针对“滤芯装配加检”，我们已完成改进：装配线增加一道密封检验',
    });
    const detail = await t.http.get(`${API}/outreach/messages/${sent.id}`).set(bearer(marketing)).expect(200);
    expect(detail.body).toMatchObject({ purpose: 'service', channel: 'sms', decision: 'send', reason: null });
    // …and is suppressed, with its reason, for the customer who withdrew every consent.
    const withdrawn = await waitFor(
      async () => (await messagesOf(optedOut.id)).find((message) => message.reason === 'no-consent' && !message.ruleId),
      60_000,
      'the suppressed report-back',
    );
    expect(withdrawn.status).toBe('suppressed');
  });

  it('takes a second look when a message goes: consent withdrawn while it waited holds it back', async () => {
    // At night where they live: the purchase rules' messages are deferred to the morning…
    const changed = await reachableCustomer(t, {
      consents: { email: true, sms: true },
      timeZone: zoneWhereItIs('night'),
    });
    await purchase(t, t.adminToken, changed.id, '20.00');
    const deferred = await waitFor(
      async () => {
        const messages = await messagesOf(changed.id);
        return messages.length >= 2 && messages.every((message) => message.status === 'deferred') ? messages : null;
      },
      60_000,
      'the deferred follow-ups',
    );
    // …and before the morning comes they withdraw both channels.
    await t.http
      .put(`${API}/customers/${changed.id}/consents`)
      .set(bearer(t.adminToken))
      .send({
        channels: [
          { channel: 'email', optedIn: false },
          { channel: 'sms', optedIn: false },
        ],
        marketingOptOut: false,
        source: 'test',
      })
      .expect(200);
    // The morning, as far as the messages know: due now.
    await t.db.query(`UPDATE outreach_messages SET send_at = now() WHERE customer_id = $1`, [changed.id]);
    for (const message of deferred) {
      const held = await waitFor(
        async () =>
          (await messagesOf(changed.id)).find((each) => each.id === message.id && each.status === 'suppressed'),
        60_000,
        'the follow-up held back',
      );
      expect(held.reason).toBe('no-consent');
      const detail = await t.http.get(`${API}/outreach/messages/${message.id}`).set(bearer(marketing)).expect(200);
      expect(detail.body.history.map((change: { status: string }) => change.status)).toStrictEqual([
        'deferred',
        'queued',
        'suppressed',
      ]);
    }
    expect(smtp.mails.filter((mail) => mail.to.includes(changed.email.toLowerCase()))).toStrictEqual([]);
    expect(provider.requests.filter((request) => request.to === changed.mobile)).toStrictEqual([]);
  });

  it('reaches no customer who opted out, over everything the SMTP server and the provider received', async () => {
    const decided = await messagesOf(optedOut.id);
    expect(decided.length).toBeGreaterThanOrEqual(4); // the purchase, the service request, the birthday and the report-back each decided once
    expect(decided.every((message) => message.status === 'suppressed')).toBe(true);
    expect(smtp.mails.length).toBeGreaterThan(0);
    expect(smtp.mails.filter((mail) => mail.to.includes(optedOut.email.toLowerCase()))).toStrictEqual([]);
    expect(provider.requests.filter((request) => request.to === optedOut.mobile)).toStrictEqual([]);
  });
});

/** A birth date in `year` whose month and day are today's in Shanghai. */
function todayInShanghai(year: string): string {
  return `${year}${localDate(new Date(), 'Asia/Shanghai').slice(4)}`;
}
