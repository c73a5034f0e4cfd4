import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { API, bearer, createUser, startTestApp, waitFor, type TestApp } from './support/test-app.js';
import { purchase } from './support/factories.js';
import { type SmtpSink, startSmtpSink } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer } from './support/outreach.js';

/**
 * Feedback for product improvement (R-O5): surveys whose invitations pass the outreach contact gate
 * (sent to the real SMTP sink, never to a customer without consent), suggestions and survey answers
 * linked to customers, products, purchases and requests, and R&D's report against hand-computed NPS,
 * CSAT and tag counts.
 */
describe('feedback', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let marketing: string;
  let agent: string;
  let manager: string;
  let productId: string;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, OUTREACH_DISPATCH_INTERVAL_MS: '100' });
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
    agent = (await createUser(t, ['agent'])).token;
    manager = (await createUser(t, ['manager'])).token;
    const product = await t.http
      .post(`${API}/products`)
      .set(bearer(t.adminToken))
      .send({
        code: `FB-${randomBytes(3).toString('hex')}`,
        name: '净水器 X1',
        unit: '台',
        listPrice: { amount: '1999.00', currency: 'CNY' },
      });
    expect({ status: product.status, body: product.body }).toMatchObject({ status: 201 });
    productId = product.body.id;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const createSurvey = async () => {
    const response = await t.http
      .post(`${API}/feedback/surveys`)
      .set(bearer(marketing))
      .send({
        name: '净水器满意度',
        productId,
        questions: [
          { key: 'recommend', kind: 'nps', text: '您有多大可能向朋友推荐？' },
          { key: 'satisfied', kind: 'csat', text: '您对安装服务满意吗？' },
          { key: 'comment', kind: 'text', text: '还有什么建议？' },
        ],
        channels: ['email'],
        subject: '{{ salutation }}，邀请您参与调查',
        body: '{{ salutation }}，请告诉我们您的感受。',
      });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { id: string };
  };
  const answer = (surveyId: string, customerId: string, answers: Record<string, unknown>, tags: string[] = []) =>
    t.http
      .post(`${API}/feedback`)
      .set(bearer(agent))
      .send({ kind: 'survey_answer', surveyId, customerId, answers, tags });
  const entries = async () => (await t.db.query(`SELECT count(*)::int AS n FROM feedback_entries`)).rows[0].n as number;

  it('invites customers through the contact gate, once each, and never one without consent', async () => {
    const survey = await createSurvey();
    const willing = await reachableCustomer(t);
    const unwilling = await reachableCustomer(t, { consents: { email: false, sms: false } });
    const first = await t.http
      .post(`${API}/feedback/surveys/${survey.id}/send`)
      .set(bearer(marketing))
      .send({ customerIds: [willing.id, unwilling.id] })
      .expect(200);
    expect(
      first.body.map((each: { decision: string; reason: string | null }) => [each.decision, each.reason]),
    ).toStrictEqual([
      ['send', null],
      ['suppress', 'no-consent'],
    ]);
    // Sent again: nothing new for either.
    const again = await t.http
      .post(`${API}/feedback/surveys/${survey.id}/send`)
      .set(bearer(marketing))
      .send({ customerIds: [willing.id, unwilling.id] })
      .expect(200);
    expect(again.body.map((each: { messageId: string | null }) => each.messageId)).toStrictEqual([null, null]);
    const messageId = first.body[0].messageId as string;
    await waitFor(async () => smtp.mails.find((mail) => mail.messageId === messageId), 60_000, 'the invitation');
    expect(smtp.mails.find((mail) => mail.messageId === messageId)!.subject).toBe('李女士，邀请您参与调查');
    expect(smtp.mails.filter((mail) => mail.to.includes(unwilling.email.toLowerCase()))).toStrictEqual([]);
    expect(smtp.mails.filter((mail) => mail.to.includes(willing.email.toLowerCase()))).toHaveLength(1);
  });

  it('summarises answers and suggestions for R&D: NPS, CSAT, tags and the newest suggestions, by hand-computed numbers', async () => {
    const survey = await createSurvey();
    const customers = [];
    for (let i = 0; i < 5; i += 1) customers.push(await reachableCustomer(t));
    // NPS 10, 9 (promoters), 8 (passive), 5, 0 (detractors): (2 − 2) / 5 → 0. CSAT 5, 4, 2, 4: 3.75, 3 of 4 satisfied.
    const given: [number, number | undefined, string[]][] = [
      [10, 5, ['滤芯']],
      [9, 4, ['滤芯', '安装']],
      [8, undefined, []],
      [5, 2, ['噪音']],
      [0, 4, ['安装']],
    ];
    for (const [i, [nps, csat, tags]] of given.entries()) {
      const answers: Record<string, unknown> = { recommend: nps, comment: '好' };
      if (csat !== undefined) answers.satisfied = csat;
      const response = await answer(survey.id, customers[i].id, answers, tags);
      expect({ status: response.status, body: response.body }).toMatchObject({ status: 201, body: { nps, productId } });
    }
    // A second answer of the same customer is refused; nothing written.
    const before = await entries();
    expect((await answer(survey.id, customers[0].id, { recommend: 1 })).status).toBe(422);
    // Suggestions, linked to a purchase and a product.
    const bought = await purchase(t, t.adminToken, customers[1].id, '1999.00');
    for (const [text, tags] of [
      ['希望滤芯更换提醒更早一些', ['滤芯', '提醒']],
      ['安装师傅很专业', ['安装']],
    ] as const) {
      const response = await t.http
        .post(`${API}/feedback`)
        .set(bearer(agent))
        .send({ kind: 'suggestion', customerId: customers[1].id, productId, purchaseId: bought.id, text, tags });
      expect(response.status).toBe(201);
    }
    expect(await entries()).toBe(before + 2);

    const report = await t.http.get(`${API}/reports/feedback?productId=${productId}`).set(bearer(manager)).expect(200);
    expect(report.body).toMatchObject({
      productId,
      responses: 5,
      suggestions: 2,
      nps: { score: 0, responses: 5, promoters: 2, passives: 1, detractors: 2 },
      csat: { average: '3.75', satisfiedShare: 0.75, responses: 4 },
      tags: [
        { tag: '安装', count: 3 },
        { tag: '滤芯', count: 3 },
        { tag: '提醒', count: 1 },
        { tag: '噪音', count: 1 },
      ].sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1)),
    });
    expect(report.body.newestSuggestions.map((entry: { text: string }) => entry.text)).toStrictEqual([
      '安装师傅很专业',
      '希望滤芯更换提醒更早一些',
    ]);
    // Another period: nothing.
    const empty = await t.http
      .get(`${API}/reports/feedback?productId=${productId}&from=2020-01-01&to=2020-12-31`)
      .set(bearer(marketing))
      .expect(200);
    expect(empty.body).toMatchObject({ responses: 0, nps: { score: null }, csat: { average: null }, tags: [] });
    const listed = await t.http
      .get(`${API}/feedback?kind=suggestion&productId=${productId}`)
      .set(bearer(marketing))
      .expect(200);
    expect(listed.body.data).toHaveLength(2);
  });

  it('refuses invalid feedback and surveys with the bad field named, writing nothing', async () => {
    const survey = await createSurvey();
    const customer = await reachableCustomer(t);
    const before = await entries();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ kind: 'praise', text: 'x' }, 400, 'kind'],
      [{ kind: 'suggestion' }, 400, 'text'],
      [{ kind: 'survey_answer', answers: { recommend: 5 } }, 400, 'surveyId'],
      [{ kind: 'survey_answer', surveyId: survey.id, answers: { recommend: 11 } }, 400, 'answers.recommend'],
      [{ kind: 'survey_answer', surveyId: survey.id, answers: { satisfied: 0 } }, 400, 'answers.satisfied'],
      [{ kind: 'survey_answer', surveyId: survey.id, answers: { unknown: 'x' } }, 400, 'answers.unknown'],
      [{ kind: 'survey_answer', surveyId: survey.id, answers: {} }, 400, 'answers'],
      [{ kind: 'suggestion', text: 'x', customerId: '00000000-0000-4000-8000-000000000000' }, 422, 'customerId'],
      [{ kind: 'suggestion', text: 'x', purchaseId: '00000000-0000-4000-8000-000000000000' }, 422, 'purchaseId'],
      [
        { kind: 'suggestion', text: 'x', serviceRequestId: '00000000-0000-4000-8000-000000000000' },
        422,
        'serviceRequestId',
      ],
      [{ kind: 'survey_answer', surveyId: '00000000-0000-4000-8000-000000000000', answers: { a: 1 } }, 422, 'surveyId'],
      [{ kind: 'suggestion', text: 'x', tags: ['a', 'a'] }, 400, 'tags'],
    ];
    for (const [body, status, field] of cases) {
      const response = await t.http
        .post(`${API}/feedback`)
        .set(bearer(agent))
        .send({ customerId: customer.id, ...body });
      expect({ field, status: response.status }).toStrictEqual({ field, status });
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(await entries()).toBe(before);
    const surveys = async () => (await t.db.query(`SELECT count(*)::int AS n FROM surveys`)).rows[0].n as number;
    const surveysBefore = await surveys();
    for (const body of [
      { name: 's', channels: ['email'], body: 'b', questions: [] },
      { name: 's', channels: ['email'], body: 'b', questions: [{ key: 'a', kind: 'stars', text: 'q' }] },
      {
        name: 's',
        channels: ['email'],
        body: 'b',
        questions: [
          { key: 'a', kind: 'nps', text: 'q' },
          { key: 'a', kind: 'csat', text: 'q' },
        ],
      },
      { name: 's', channels: ['fax'], body: 'b', questions: [{ key: 'a', kind: 'nps', text: 'q' }] },
    ])
      expect((await t.http.post(`${API}/feedback/surveys`).set(bearer(marketing)).send(body)).status).toBe(400);
    expect(await surveys()).toBe(surveysBefore);
    await t.http.get(`${API}/reports/feedback?from=2026-13-01`).set(bearer(marketing)).expect(400);
    await t.http
      .post(`${API}/feedback/surveys/${survey.id}/send`)
      .set(bearer(marketing))
      .send({ customerIds: ['00000000-0000-4000-8000-000000000000'] })
      .expect(422);
  });

  it('lets staff record feedback, marketing run surveys, marketing and managers read; others 403, no token 401', async () => {
    const survey = await createSurvey();
    const customer = await reachableCustomer(t);
    const sales = (await createUser(t, ['sales'])).token;
    const technician = (await createUser(t, ['technician'])).token;
    const routes: Record<string, [(token?: string) => Promise<{ status: number }>, string[]]> = {
      record: [
        (token) => auth(t.http.post(`${API}/feedback`), token).send({ kind: 'suggestion', text: 'x' }),
        ['marketing', 'agent', 'sales', 'manager'],
      ],
      list: [(token) => auth(t.http.get(`${API}/feedback`), token), ['marketing', 'manager']],
      createSurvey: [
        (token) =>
          auth(t.http.post(`${API}/feedback/surveys`), token).send({
            name: 's',
            channels: ['email'],
            body: 'b',
            questions: [{ key: 'a', kind: 'nps', text: 'q' }],
          }),
        ['marketing'],
      ],
      surveys: [(token) => auth(t.http.get(`${API}/feedback/surveys`), token), ['marketing', 'manager']],
      survey: [(token) => auth(t.http.get(`${API}/feedback/surveys/${survey.id}`), token), ['marketing', 'manager']],
      send: [
        (token) =>
          auth(t.http.post(`${API}/feedback/surveys/${survey.id}/send`), token).send({ customerIds: [customer.id] }),
        ['marketing'],
      ],
      report: [(token) => auth(t.http.get(`${API}/reports/feedback`), token), ['marketing', 'manager']],
    };
    const tokens: Record<string, string> = { marketing, agent, manager, sales, technician };
    for (const [name, [call, allowed]] of Object.entries(routes)) {
      expect({ name, status: (await call()).status }).toStrictEqual({ name, status: 401 });
      for (const [role, token] of Object.entries(tokens)) {
        const status = (await call(token)).status;
        expect({ name, role, allowed: status < 400 }).toStrictEqual({ name, role, allowed: allowed.includes(role) });
        if (!allowed.includes(role)) expect(status).toBe(403);
      }
    }
  });
});

function auth<T extends { set(name: string, value: string): T }>(request: T, token?: string): T {
  return token ? request.set('authorization', `Bearer ${token}`) : request;
}
