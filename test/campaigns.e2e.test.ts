import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { API, bearer, createApiKey, createUser, startTestApp, waitFor, type TestApp } from './support/test-app.js';
import { DataSource } from 'typeorm';
import { customerInPartSql } from '../src/modules/customers/customers.sql.js';
import { CampaignsRepository } from '../src/modules/outreach/campaigns.repository.js';
import { LaunchCampaign } from '../src/modules/outreach/launch-campaign.js';
import { purchase } from './support/factories.js';
import { type LocalProvider, type SmtpSink, startLocalProvider, startSmtpSink } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer } from './support/outreach.js';

/**
 * Campaigns to a segment (R-O3, R-O4): the audience selected through the contact gate at launch, a
 * control group held out, the messages sent through the real SMTP sink, and the stats — suppressions
 * by reason, delivery, leads, attributed purchases and revenue, return on the cost — against numbers
 * worked out by hand from the purchases the test makes.
 */
describe('campaigns', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let provider: LocalProvider;
  let marketing: string;
  let manager: string;
  let reporterKey: string;
  const optedOutEmails: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink();
    provider = await startLocalProvider();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      SMS_PROVIDER_URL: provider.url,
      OUTREACH_DISPATCH_INTERVAL_MS: '100',
    });
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
    manager = (await createUser(t, ['manager'])).token;
    reporterKey = await createApiKey(t, ['outreach:report']);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await provider?.close();
  });

  const segmentOfRegion = async (region: string) => {
    const response = await t.http
      .post(`${API}/segments`)
      .set(bearer(marketing))
      .send({ name: region, filter: { regions: [region] } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const createCampaign = async (fields: Record<string, unknown>) => {
    const response = await t.http
      .post(`${API}/campaigns`)
      .set(bearer(marketing))
      .send({
        name: '会员专享',
        channels: ['email'],
        subject: '{{ salutation }}，会员专享',
        body: '<p>{{ name }}</p>',
        ...fields,
      });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string; version: number; status: string };
  };
  const stats = async (id: string) =>
    (await t.http.get(`${API}/campaigns/${id}/stats`).set(bearer(marketing)).expect(200)).body;
  const campaignMessages = async (id: string) =>
    (await t.http.get(`${API}/outreach/messages?campaignId=${id}&limit=100`).set(bearer(marketing)).expect(200)).body
      .data as { id: string; customerId: string; status: string; reason: string | null }[];
  const launched = (id: string) =>
    waitFor(
      async () => {
        const body = (await t.http.get(`${API}/campaigns/${id}`).set(bearer(marketing)).expect(200)).body;
        return body.status === 'launched' ? body : undefined;
      },
      60_000,
      'the launch',
    );
  const firstRanked = async (campaignId: string, customerIds: string[], n: number) =>
    (
      await t.db.query(
        `SELECT id FROM customers WHERE id = ANY($1::uuid[]) ORDER BY hashtextextended(id::text || $2::text, 0), id LIMIT $3`,
        [customerIds, campaignId, n],
      )
    ).rows.map((row: { id: string }) => row.id);
  const countCampaigns = async () => (await t.db.query(`SELECT count(*)::int AS n FROM campaigns`)).rows[0].n as number;

  it('launches to a segment through the gate, holds out a control group, and attributes purchases by hand-computed numbers', async () => {
    const region = `campaign-${randomBytes(4).toString('hex')}`;
    const reachable = [];
    for (let i = 0; i < 6; i += 1) reachable.push(await reachableCustomer(t, { fields: { region } }));
    const optedOut = await reachableCustomer(t, { marketingOptOut: true, fields: { region } });
    const noConsent = await reachableCustomer(t, { consents: { email: false, sms: false }, fields: { region } });
    const outsider = await reachableCustomer(t, { fields: { region: `${region}-other` } });
    optedOutEmails.push(optedOut.email.toLowerCase());
    // Bought before the launch: never attributed.
    await purchase(t, t.adminToken, reachable[0].id, '500.00', {
      purchasedAt: new Date(Date.now() - 86_400_000).toISOString(),
    });

    const campaign = await createCampaign({
      segmentId: await segmentOfRegion(region),
      controlPercent: 25,
      attributionDays: 14,
      budget: '100.00',
    });
    expect(campaign.status).toBe('draft');
    const launch = await t.http.post(`${API}/campaigns/${campaign.id}/launch`).set(bearer(marketing)).expect(202);
    expect(launch.body.status).toBe('scheduled');
    const done = await launched(campaign.id);
    // 8 members: floor(8 × 25 %) = 2 held out, 6 decided by the gate.
    expect({ audience: done.audience, heldOut: done.heldOut }).toStrictEqual({ audience: 6, heldOut: 2 });

    const messages = await campaignMessages(campaign.id);
    expect(messages).toHaveLength(6);
    const messaged = new Set(messages.map((message) => message.customerId));
    const members = [...reachable, optedOut, noConsent];
    const control = members.filter((member) => !messaged.has(member.id));
    expect(control).toHaveLength(2);
    // The two ranked first by the hash of customer and campaign, though the launch ran in parts.
    expect(control.map((member) => member.id).sort()).toStrictEqual(
      (
        await firstRanked(
          campaign.id,
          members.map((member) => member.id),
          2,
        )
      ).sort(),
    );
    expect(messaged.has(outsider.id)).toBe(false);
    // Hand-computed suppressions: whichever of the two unwilling customers was not held out.
    const expectedSuppressed: Record<string, number> = {};
    if (messaged.has(optedOut.id)) expectedSuppressed['marketing-opt-out'] = 1;
    if (messaged.has(noConsent.id)) expectedSuppressed['no-consent'] = 1;
    const suppressedCount = Object.values(expectedSuppressed).reduce((sum, n) => sum + n, 0);
    for (const message of messages) {
      if (message.customerId === optedOut.id) expect(message.reason).toBe('marketing-opt-out');
      if (message.customerId === noConsent.id) expect(message.reason).toBe('no-consent');
    }

    // Everything willing is sent through the SMTP sink.
    const sent = await waitFor(
      async () => {
        const now = await stats(campaign.id);
        return now.waiting === 0 && now.sent === 6 - suppressedCount ? now : undefined;
      },
      60_000,
      'every campaign message sent',
    );
    expect(sent.suppressed).toStrictEqual(expectedSuppressed);
    const sentMessages = (await campaignMessages(campaign.id)).filter((message) => message.status === 'sent');
    for (const message of sentMessages)
      await waitFor(async () => smtp.mails.find((mail) => mail.messageId === message.id), 30_000, 'the mail');
    const mail = smtp.mails.find((each) => each.messageId === sentMessages[0].id)!;
    expect(mail.subject).toBe('李女士，会员专享');
    const detail = await t.http
      .get(`${API}/outreach/messages/${sentMessages[0].id}`)
      .set(bearer(marketing))
      .expect(200);
    expect(detail.body.body).toBe('<p>李娜</p>');
    expect(mail.raw).toContain(Buffer.from('<p>李娜</p>').toString('base64'));

    // After delivery: two messaged customers buy (one twice), one member of the control group buys,
    // an outsider buys. Attributed: 3 purchases by 2 recipients, 175.00; control: 1 purchase, 30.00.
    const [first, second] = sentMessages.map((message) => message.customerId);
    await purchase(t, t.adminToken, first, '100.00');
    await purchase(t, t.adminToken, second, '50.00');
    await purchase(t, t.adminToken, second, '25.00');
    await purchase(t, t.adminToken, control[0].id, '30.00');
    await purchase(t, t.adminToken, outsider.id, '999.00');
    // A provider's report that one mail was opened; a lead that names the campaign; the cost.
    await t.http
      .post(`${API}/outreach/messages/${sentMessages[0].id}/status`)
      .set(bearer(reporterKey))
      .send({ status: 'opened', reportId: 'open-1' })
      .expect(200);
    await t.http
      .post(`${API}/leads`)
      .set(bearer(marketing))
      .send({ name: '王芳', source: 'campaign', campaignId: campaign.id })
      .expect(201);
    const priced = await t.http
      .patch(`${API}/campaigns/${campaign.id}`)
      .set(bearer(marketing))
      .set('If-Match', String(done.version))
      .send({ cost: '70.00' })
      .expect(200);
    expect(priced.body.cost).toBe('70.00');

    const result = await stats(campaign.id);
    const sentCount = 6 - suppressedCount;
    expect(result).toStrictEqual({
      campaignId: campaign.id,
      status: 'launched',
      audience: 6,
      suppressed: expectedSuppressed,
      waiting: 0,
      sent: sentCount,
      delivered: 1,
      failed: 0,
      opened: 1,
      clicked: 0,
      responded: 0,
      leads: 1,
      recipients: {
        purchasers: 2,
        purchases: 3,
        revenue: '175.00',
        conversionRate: Math.round((2 / sentCount) * 10_000) / 10_000,
      },
      control: { size: 2, purchasers: 1, purchases: 1, revenue: '30.00', conversionRate: 0.5 },
      cost: '70.00',
      budget: '100.00',
      returnOnCost: 1.5,
      attributionDays: 14,
    });
    // Every message is on its customer's timeline.
    const timeline = await t.http
      .get(`${API}/customers/${first}/timeline?kind=message`)
      .set(bearer(t.adminToken))
      .expect(200);
    expect(timeline.body.data[0].details.campaignId).toBe(campaign.id);
  });

  it('waits for its schedule, launches once, and keeps its audience and content after the launch', async () => {
    const region = `scheduled-${randomBytes(4).toString('hex')}`;
    const member = await reachableCustomer(t, { fields: { region } });
    const campaign = await createCampaign({
      segmentId: await segmentOfRegion(region),
      scheduledAt: new Date(Date.now() + 3_000).toISOString(),
    });
    const launch = await t.http.post(`${API}/campaigns/${campaign.id}/launch`).set(bearer(marketing)).expect(202);
    expect(launch.body.status).toBe('scheduled');
    // Not before its time: nothing decided yet.
    expect(await campaignMessages(campaign.id)).toStrictEqual([]);
    const done = await launched(campaign.id);
    expect(new Date(done.launchedAt).getTime()).toBeGreaterThanOrEqual(new Date(done.scheduledAt).getTime());
    expect((await campaignMessages(campaign.id)).map((message) => message.customerId)).toStrictEqual([member.id]);

    const again = await t.http.post(`${API}/campaigns/${campaign.id}/launch`).set(bearer(marketing));
    expect(again.status).toBe(409);
    const edit = await t.http.patch(`${API}/campaigns/${campaign.id}`).set(bearer(marketing)).send({ body: 'new' });
    expect(edit.status).toBe(409);
    const stale = await t.http
      .patch(`${API}/campaigns/${campaign.id}`)
      .set(bearer(marketing))
      .set('If-Match', '1')
      .send({ cost: '1.00' });
    expect(stale.status).toBe(412);
  });

  it('resumes a launch whose earlier run stored only some of its parts: nobody twice, the counts whole', async () => {
    const region = `campaign-resume-${randomBytes(4).toString('hex')}`;
    const members = [];
    for (let i = 0; i < 10; i += 1) members.push((await reachableCustomer(t, { fields: { region } })).id);
    const campaign = await createCampaign({ segmentId: await segmentOfRegion(region), controlPercent: 20 });
    // Scheduled without its job, and one part of two stored as a run that failed in its other part leaves it.
    await t.db.query(`UPDATE campaigns SET status = 'scheduled' WHERE id = $1`, [campaign.id]);
    const repository = t.app.get(CampaignsRepository);
    const row = (await repository.findById(campaign.id))!;
    const params: unknown[] = [region];
    const condition = `c.region = ANY(ARRAY[$1::text])`;
    const cut = await repository.controlCut(t.app.get(DataSource).manager, row, condition, params);
    const firstPart = await t.app.get(DataSource).transaction((tx) =>
      repository.launchPart(tx, row, {
        condition: `${condition} AND ${customerInPartSql('c.id', { index: 0, of: 2 })}`,
        params,
        controlCut: cut,
        resumed: false,
        contentKey: 'k',
        now: new Date(),
      }),
    );
    const inFirstPart = await t.db.query(
      `SELECT count(*)::int AS n FROM customers c WHERE c.id = ANY($1::uuid[]) AND ${customerInPartSql('c.id', { index: 0, of: 2 })}`,
      [members],
    );
    expect(firstPart.messages + firstPart.heldOut).toBe(inFirstPart.rows[0].n);

    expect(await t.app.get(LaunchCampaign).execute(campaign.id)).toBe('launched: 8 decided, 2 held out');
    const { rows } = await t.db.query(
      `SELECT customer_id, count(*)::int AS n, bool_or(control) AS control FROM campaign_recipients WHERE campaign_id = $1 GROUP BY customer_id`,
      [campaign.id],
    );
    expect(rows.map((member: { customer_id: string }) => member.customer_id).sort()).toStrictEqual([...members].sort());
    expect(rows.every((member: { n: number }) => member.n === 1)).toBe(true);
    expect(
      rows
        .filter((member: { control: boolean }) => member.control)
        .map((member: { customer_id: string }) => member.customer_id)
        .sort(),
    ).toStrictEqual((await firstRanked(campaign.id, members, 2)).sort());
    const done = (await t.http.get(`${API}/campaigns/${campaign.id}`).set(bearer(marketing)).expect(200)).body;
    expect({ status: done.status, audience: done.audience, heldOut: done.heldOut }).toStrictEqual({
      status: 'launched',
      audience: 8,
      heldOut: 2,
    });
  });

  it('refuses invalid campaigns with every bad field and writes nothing', async () => {
    const segmentId = await segmentOfRegion(`invalid-${randomBytes(4).toString('hex')}`);
    const before = await countCampaigns();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'x', channels: ['email'], body: 'b' }, 400, 'segmentId'],
      [{ name: 'x', segmentId, channels: ['fax'], body: 'b' }, 400, 'channels'],
      [{ name: 'x', segmentId, channels: ['email'] }, 400, 'body'],
      [{ name: 'x', segmentId, channels: ['email'], body: 'b', controlPercent: 80 }, 400, 'controlPercent'],
      [{ name: 'x', segmentId, channels: ['email'], body: 'b', cost: '-1' }, 400, 'cost'],
      [{ name: 'x', segmentId, channels: ['email'], body: 'b', scheduledAt: 'tomorrow' }, 400, 'scheduledAt'],
      [{ name: 'x', segmentId, channels: ['email'], body: '{{ oops' }, 400, 'body'],
      [
        { name: 'x', segmentId: '00000000-0000-4000-8000-000000000000', channels: ['email'], body: 'b' },
        422,
        'segmentId',
      ],
    ];
    for (const [body, status, field] of cases) {
      const response = await t.http.post(`${API}/campaigns`).set(bearer(marketing)).send(body);
      expect({ field, status: response.status }).toStrictEqual({ field, status });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(await countCampaigns()).toBe(before);
    await t.http.get(`${API}/campaigns/not-a-uuid`).set(bearer(marketing)).expect(400);
    await t.http.get(`${API}/campaigns/00000000-0000-4000-8000-000000000000/stats`).set(bearer(marketing)).expect(404);
  });

  it('lets marketing manage campaigns and managers read them; others 403, no token 401', async () => {
    const campaign = await createCampaign({
      segmentId: await segmentOfRegion(`auth-${randomBytes(4).toString('hex')}`),
    });
    const routes = {
      create: (token?: string) =>
        withToken(t.http.post(`${API}/campaigns`), token).send({
          name: 'x',
          segmentId: campaign.id,
          channels: ['email'],
          body: 'b',
        }),
      list: (token?: string) => withToken(t.http.get(`${API}/campaigns`), token),
      get: (token?: string) => withToken(t.http.get(`${API}/campaigns/${campaign.id}`), token),
      update: (token?: string) => withToken(t.http.patch(`${API}/campaigns/${campaign.id}`), token).send({ name: 'y' }),
      launch: (token?: string) => withToken(t.http.post(`${API}/campaigns/${campaign.id}/launch`), token),
      stats: (token?: string) => withToken(t.http.get(`${API}/campaigns/${campaign.id}/stats`), token),
    };
    const sales = (await createUser(t, ['sales'])).token;
    const agent = (await createUser(t, ['agent'])).token;
    for (const [name, call] of Object.entries(routes)) {
      expect({ name, status: (await call()).status }).toStrictEqual({ name, status: 401 });
      for (const token of [sales, agent, reporterKey])
        expect({ name, status: (await call(token)).status }).toStrictEqual({ name, status: 403 });
      const managerStatus = (await call(manager)).status;
      expect({ name, status: managerStatus }).toStrictEqual({
        name,
        status: ['list', 'get', 'stats'].includes(name) ? 200 : 403,
      });
    }
    // Nothing was launched or changed by the refused calls.
    const after = (await t.http.get(`${API}/campaigns/${campaign.id}`).set(bearer(marketing)).expect(200)).body;
    expect({ status: after.status, version: after.version, name: after.name }).toStrictEqual({
      status: 'draft',
      version: campaign.version,
      name: '会员专享',
    });
  });

  it('sent nothing to a customer who opted out of marketing, over everything the sinks received', () => {
    expect(optedOutEmails.length).toBeGreaterThan(0);
    expect(smtp.mails.length).toBeGreaterThan(0);
    expect(smtp.mails.filter((mail) => mail.to.some((to) => optedOutEmails.includes(to)))).toStrictEqual([]);
  });
});

function withToken<T extends { set(name: string, value: string): T }>(request: T, token?: string): T {
  return token ? request.set('authorization', `Bearer ${token}`) : request;
}
