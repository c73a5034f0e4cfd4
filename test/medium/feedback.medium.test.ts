import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../src/common/auth/principal.js';
import { NotFound, Unprocessable, ValidationFailed } from '../../src/common/errors/domain-errors.js';
import { TransactionRunner } from '../../src/infrastructure/database/transaction-runner.js';
import type { CreateOutreachMessage } from '../../src/modules/outreach/create-outreach-message.js';
import { FeedbackRepository } from '../../src/modules/feedback/feedback.repository.js';
import { FeedbackService } from '../../src/modules/feedback/feedback.service.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

// The feedback module's repository and use cases on a real database, without Nest: surveys and entries
// stored and linked (a link to nothing is a 422 naming the field, nothing written), one answer per
// customer and survey, keyset paging, and the R&D report's window, product filter and figures worked
// out by hand. Invitations go to outreach's CreateOutreachMessage (a recording stand-in here: the gate
// itself is tested in contact-gate.medium.test.ts and feedback.e2e.test.ts).

const STAFF = { kind: 'user', id: '00000000-0000-4000-8000-000000000001', roles: ['agent'] } as unknown as Principal;

describe('feedback: repository and use cases', () => {
  let database: MediumDatabase;
  let service: FeedbackService;
  const invitations: { customerId: string; dedupeKey?: string; purpose: string }[] = [];
  let productA: string;
  let productB: string;
  let customers: string[];

  const count = async () =>
    (await database.dataSource.query(`SELECT count(*)::int AS n FROM feedback_entries`))[0].n as number;
  const backdate = (id: string, at: string) =>
    database.dataSource.query(`UPDATE feedback_entries SET created_at = $2 WHERE id = $1`, [id, at]);

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    const db = database.dataSource;
    const createMessage = {
      async execute(input: { customerId: string; dedupeKey?: string; template: { purpose: string } }) {
        if (input.customerId === '00000000-0000-4000-8000-00000000dead')
          throw new NotFound('Customer', input.customerId);
        const again = invitations.some((each) => each.dedupeKey === input.dedupeKey);
        invitations.push({ customerId: input.customerId, dedupeKey: input.dedupeKey, purpose: input.template.purpose });
        return again ? null : { id: `m-${invitations.length}`, decision: 'send', reason: null };
      },
    } as unknown as CreateOutreachMessage;
    service = new FeedbackService(new FeedbackRepository(db), new TransactionRunner(db), createMessage);
    [productA, productB] = (
      await db.query(
        `INSERT INTO products (code, name, unit, list_price, currency)
         VALUES ('FB-A', '净水器 A', '台', 1999, 'CNY'), ('FB-B', '净水器 B', '台', 2999, 'CNY') RETURNING id`,
      )
    ).map((row: { id: string }) => row.id);
    await db.query(
      `INSERT INTO users (id, email, name, password_hash, roles) VALUES ($1, 'agent@test.local', '客服', 'x', '{agent}')`,
      [STAFF.id],
    );
    customers = (
      await db.query(
        `INSERT INTO customers (kind, name) SELECT 'individual', '反馈客户' || n FROM generate_series(1, 6) n RETURNING id`,
      )
    ).map((row: { id: string }) => row.id);
  });
  afterAll(async () => {
    await database?.close();
  });

  const survey = (productId: string | null = productA) =>
    service.createSurvey({
      name: '满意度',
      productId: productId ?? undefined,
      questions: [
        { key: 'recommend', kind: 'nps', text: '推荐吗？' },
        { key: 'install', kind: 'csat', text: '安装满意吗？' },
        { key: 'note', kind: 'text', text: '建议？' },
      ],
      channels: ['email'],
      body: '{{ salutation }}，请参与调查',
    });

  it('stores a survey with its questions and finds and pages it', async () => {
    const first = await survey();
    const second = await survey(null);
    expect(first).toMatchObject({ productId: productA, purpose: 'care', subject: '', version: 1 });
    expect((await service.survey(first.id)).questions.map((question) => question.kind)).toStrictEqual([
      'nps',
      'csat',
      'text',
    ]);
    const page = await service.surveys({ limit: 1 });
    expect(page.data.map((each) => each.id)).toStrictEqual([second.id]);
    const next = await service.surveys({ limit: 1, cursor: page.nextCursor! });
    expect(next.data.map((each) => each.id)).toStrictEqual([first.id]);
    await expect(service.survey('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses repeated question keys and a survey of a product that does not exist, writing nothing', async () => {
    const before = (await database.dataSource.query(`SELECT count(*)::int AS n FROM surveys`))[0].n;
    await expect(
      service.createSurvey({
        name: 'x',
        questions: [
          { key: 'q', kind: 'nps', text: '?' },
          { key: 'q', kind: 'csat', text: '?' },
        ],
        channels: ['email'],
        body: 'b',
      }),
    ).rejects.toBeInstanceOf(ValidationFailed);
    const missing = await survey('00000000-0000-4000-8000-000000000000').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Unprocessable);
    expect((missing as Unprocessable).errors).toStrictEqual([{ field: 'productId', message: 'does not exist' }]);
    expect((await database.dataSource.query(`SELECT count(*)::int AS n FROM surveys`))[0].n).toBe(before);
  });

  it('records an answer with its NPS and CSAT, the survey’s product, and one answer per customer and survey', async () => {
    const { id } = await survey();
    const answer = await service.record(
      {
        kind: 'survey_answer',
        surveyId: id,
        customerId: customers[0],
        answers: { recommend: 9, install: 4, note: '很好' },
      },
      STAFF,
    );
    expect(answer).toMatchObject({ nps: 9, csat: 4, productId: productA, customerId: customers[0] });
    const before = await count();
    const twice = await service
      .record({ kind: 'survey_answer', surveyId: id, customerId: customers[0], answers: { recommend: 1 } }, STAFF)
      .catch((error: unknown) => error);
    expect(twice).toBeInstanceOf(Unprocessable);
    // Another customer may answer; an answer out of range or to no question writes nothing.
    await service.record(
      { kind: 'survey_answer', surveyId: id, customerId: customers[1], answers: { recommend: 0 } },
      STAFF,
    );
    for (const answers of [{ recommend: 11 }, { install: 0 }, { nope: 'x' }, {}])
      await expect(
        service.record({ kind: 'survey_answer', surveyId: id, customerId: customers[2], answers }, STAFF),
      ).rejects.toBeInstanceOf(ValidationFailed);
    expect(await count()).toBe(before + 1);
  });

  it('answers a 422 naming the link that does not exist, and writes nothing', async () => {
    const before = await count();
    const nobody = '00000000-0000-4000-8000-000000000000';
    for (const field of ['customerId', 'productId', 'purchaseId', 'serviceRequestId'] as const) {
      const error = await service
        .record({ kind: 'suggestion', text: '建议', [field]: nobody }, STAFF)
        .catch((caught: unknown) => caught);
      expect({ field, error }).toMatchObject({ field, error: expect.any(Unprocessable) });
      expect((error as Unprocessable).errors).toStrictEqual([{ field, message: 'does not exist' }]);
    }
    expect(await count()).toBe(before);
  });

  it('reports NPS, CSAT, tags and the newest suggestions over a window and a product, by hand-computed numbers', async () => {
    const { id } = await survey(productB);
    // Product B in the window: NPS answers 10, 9, 7, 3 → promoters 2, passives 1, detractors 1 → NPS (2 − 1) / 4 = 25;
    // CSAT 5, 4, 2 → average 3.67, satisfied 2 of 3.
    const answers: Record<string, number>[] = [
      { recommend: 10, install: 5 },
      { recommend: 9, install: 4 },
      { recommend: 7, install: 2 },
      { recommend: 3 },
    ];
    for (const [n, each] of answers.entries())
      await service.record(
        { kind: 'survey_answer', surveyId: id, customerId: customers[n + 2], answers: each, tags: ['滤芯'] },
        STAFF,
      );
    const old = await service.record(
      { kind: 'suggestion', productId: productB, text: '去年的建议', tags: ['噪音'] },
      STAFF,
    );
    await backdate(old.id, '2020-01-15T00:00:00Z');
    const suggestions = [];
    for (const text of ['更小的尺寸', '更安静', '更便宜'])
      suggestions.push(
        await service.record({ kind: 'suggestion', productId: productB, text, tags: ['噪音', '价格'] }, STAFF),
      );
    await service.record({ kind: 'suggestion', productId: productA, text: '别的产品', tags: ['外观'] }, STAFF);

    const report = await service.report({ productId: productB });
    expect(report).toMatchObject({
      productId: productB,
      responses: 4,
      suggestions: 3,
      nps: { score: 25, responses: 4, promoters: 2, passives: 1, detractors: 1 },
      csat: { average: '3.67', satisfiedShare: 0.6667, responses: 3 },
      tags: [
        { tag: '滤芯', count: 4 },
        { tag: '价格', count: 3 },
        { tag: '噪音', count: 3 },
      ],
    });
    expect(report.newestSuggestions.map((entry) => entry.text)).toStrictEqual(['更便宜', '更安静', '更小的尺寸']);
    // The window: 2020 holds only the old suggestion.
    const then = await service.report({ productId: productB, from: '2020-01-01', to: '2020-01-31' });
    expect(then).toMatchObject({ responses: 0, suggestions: 1, nps: { score: null }, csat: { average: null } });
    await expect(service.report({ from: '2026-02-01', to: '2026-01-01' })).rejects.toBeInstanceOf(ValidationFailed);
    // Without a product: every product's entries.
    const all = await service.report({});
    expect(all.suggestions).toBe(4);
  });

  it('lists entries by filter, newest first, page by page', async () => {
    const all = await service.list({ limit: 100 });
    const onB = await service.list({ productId: productB, kind: 'suggestion', limit: 2 });
    expect(onB.data.map((entry) => entry.text)).toStrictEqual(['更便宜', '更安静']);
    const rest = await service.list({
      productId: productB,
      kind: 'suggestion',
      limit: 2,
      cursor: onB.nextCursor,
    } as never);
    expect(rest.data.map((entry) => entry.text)).toStrictEqual(['更小的尺寸', '去年的建议']);
    expect(rest.nextCursor).toBeNull();
    const ofCustomer = await service.list({ customerId: customers[0], limit: 10 });
    expect(ofCustomer.data).toHaveLength(1);
    expect(all.data).toHaveLength(11);
  });

  it('invites each customer once through outreach, and names a customer that does not exist', async () => {
    const { id } = await survey();
    const first = await service.send(id, [customers[0], customers[1]]);
    const again = await service.send(id, [customers[0]]);
    expect(first.map((each) => each.decision)).toStrictEqual(['send', 'send']);
    expect(again).toStrictEqual([{ customerId: customers[0], messageId: null, decision: null, reason: null }]);
    expect(invitations.filter((each) => each.dedupeKey === `survey:${id}:${customers[0]}`)).toHaveLength(2);
    expect(invitations.every((each) => each.purpose === 'care')).toBe(true);
    const missing = await service.send(id, ['00000000-0000-4000-8000-00000000dead']).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Unprocessable);
  });
});
