import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CustomerErasure,
  CustomerMergeSteps,
  ERASED_TEXT,
  type ErasedRows,
} from '../../src/common/customer-data/customer-merge-steps.js';
import { PlatformCustomerDataCopies } from '../../src/common/customer-data/platform-customer-data-copies.js';
import { personalDataSearch } from '../../src/common/customer-data/personal-data-redaction.js';
import { ComplaintsMergeStep } from '../../src/modules/complaints/complaints-merge.step.js';
import { PersonalDataRepository } from '../../src/modules/customers/personal-data/personal-data.repository.js';
import { FeedbackMergeStep } from '../../src/modules/feedback/feedback-merge.step.js';
import { LoyaltyMergeStep } from '../../src/modules/loyalty/loyalty-merge.step.js';
import { OutreachMergeStep } from '../../src/modules/outreach/outreach-merge.step.js';
import { SalesMergeStep } from '../../src/modules/sales/sales-merge.step.js';
import { ServiceRequestsMergeStep } from '../../src/modules/service-requests/service-requests-merge.step.js';
import { TasksMergeStep } from '../../src/modules/tasks/tasks-merge.step.js';
import { WebhooksErasureStep } from '../../src/modules/webhooks/webhooks-erasure.step.js';
import { copyOfTemplateDatabase, type MediumDatabase } from './template-database.js';

// Each module's erasure step on a real database: what it anonymises of the erased customer, what it
// keeps for the books, the text it hands on for the copies, and that another customer's rows are untouched.
describe('customer erasure steps', () => {
  let database: MediumDatabase;
  const steps = new CustomerMergeSteps();
  let erased: string;
  let other: string;
  let erasure: CustomerErasure;
  const query = (sql: string, params: unknown[] = []) => database.dataSource.query(sql, params);
  const row = async (sql: string, params: unknown[]) => (await query(sql, params))[0];
  const run = (module: string): Promise<ErasedRows> =>
    database.dataSource.transaction((tx) => steps.get(module)!.erase(tx, erasure));

  beforeAll(async () => {
    database = await copyOfTemplateDatabase();
    const customers = new PersonalDataRepository(database.dataSource);
    steps.register({
      module: 'customers',
      erase: (tx, subject) => customers.eraseOwnRows(tx, subject),
      moveToSurvivor: () => Promise.reject(new Error('not in this test')),
      moveBack: () => Promise.reject(new Error('not in this test')),
      exportRows: () => Promise.reject(new Error('not in this test')),
    });
    for (const step of [
      new ComplaintsMergeStep(steps),
      new FeedbackMergeStep(steps),
      new LoyaltyMergeStep(steps),
      new OutreachMergeStep(steps),
      new SalesMergeStep(steps),
      new ServiceRequestsMergeStep(steps),
      new TasksMergeStep(steps),
      new WebhooksErasureStep(steps),
      new PlatformCustomerDataCopies(steps),
    ])
      step.onModuleInit();
    const make = async (name: string, mobile: string) =>
      (
        await query(
          `INSERT INTO customers (kind, name, mobile, email, home_address, notes, religion, region, custom_fields, life_journey)
           VALUES ('individual', $1, $2, $3, '西湖区文三路1号', '爱喝绿茶', '佛教', '浙江', '{"wechat": "wx-secret"}', '{"goal": "开一家茶馆"}') RETURNING id`,
          [name, mobile, `${mobile.slice(-4)}@example.cn`],
        )
      )[0].id as string;
    erased = await make('李雷', '+8613900001111');
    other = await make('韩梅梅', '+8613900002222');
    erasure = { customerId: erased, customerIds: [erased] };
    // migrating the run's template (the first medium file to start does it) takes a while on a loaded machine
  }, 120_000);
  afterAll(() => database?.close());

  it('customers: a soft-deleted tombstone with region and number; purchases keep their amounts, lose their notes; consents go', async () => {
    for (const id of [erased, other]) {
      await query(
        `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method, notes)
         VALUES ($1, now(), '净水器', 199, 'CNY', 'card', '送到文三路1号')`,
        [id],
      );
      await query(
        `INSERT INTO interactions (customer_id, channel, direction, occurred_at, summary, commitments)
         VALUES ($1, 'phone', 'inbound', now(), '想退货', '[{"description": "明天回电"}]')`,
        [id],
      );
      await query(`INSERT INTO customer_consents (customer_id, channel, opted_in) VALUES ($1, 'sms', true)`, [id]);
      await query(
        `INSERT INTO customer_timeline_entries (customer_id, kind, summary, details) VALUES ($1, 'note', '想退货', '{"a": "b"}')`,
        [id],
      );
    }
    const result = await run('customers');
    expect(result.counts).toStrictEqual({
      customers: 1,
      purchases: 1,
      interactions: 1,
      customer_timeline_entries: 1,
      customer_consents: 1,
      customer_merges: 0,
    });
    expect(result.values).toEqual(
      expect.arrayContaining([
        '李雷',
        '西湖区文三路1号',
        '爱喝绿茶',
        '佛教',
        'wx-secret',
        '开一家茶馆',
        '送到文三路1号',
        '想退货',
        '明天回电',
      ]),
    );
    const customer = await row(`SELECT c::text AS text, c.* FROM customers c WHERE id = $1`, [erased]);
    expect(customer).toMatchObject({
      name: ERASED_TEXT,
      mobile: null,
      email: null,
      religion: null,
      region: '浙江',
      marketing_opt_out: true,
    });
    expect(customer.deleted_at).not.toBeNull();
    expect(customer.erased_at).not.toBeNull();
    expect(customer.search_grams.join('')).not.toMatch(/李|雷/);
    expect(customer.text).not.toMatch(/李雷|13900001111|文三路|绿茶|wx-secret|茶馆/);
    expect(await row(`SELECT amount::text, notes FROM purchases WHERE customer_id = $1`, [erased])).toStrictEqual({
      amount: '199.00',
      notes: null,
    });
    expect(await row(`SELECT summary, commitments FROM interactions WHERE customer_id = $1`, [erased])).toStrictEqual({
      summary: ERASED_TEXT,
      commitments: [],
    });
    expect(
      await row(`SELECT count(*)::int AS n FROM customer_consents WHERE customer_id = $1`, [erased]),
    ).toStrictEqual({ n: 0 });
    // the other customer is untouched
    expect(await row(`SELECT name, mobile, erased_at FROM customers WHERE id = $1`, [other])).toStrictEqual({
      name: '韩梅梅',
      mobile: '+8613900002222',
      erased_at: null,
    });
    expect(await row(`SELECT notes FROM purchases WHERE customer_id = $1`, [other])).toStrictEqual({
      notes: '送到文三路1号',
    });
    expect(await row(`SELECT summary FROM customer_timeline_entries WHERE customer_id = $1`, [other])).toStrictEqual({
      summary: '想退货',
    });
  });

  it('loyalty: the ledger keeps its points and balances, loses the adjustment reasons', async () => {
    for (const id of [erased, other])
      await query(
        `INSERT INTO loyalty_ledger (customer_id, kind, points, balance_after, source_type, source_id, reason)
         VALUES ($1, 'adjust', 50, 50, 'adjustment', gen_random_uuid()::text, '李雷的安装补偿')`,
        [id],
      );
    const result = await run('loyalty');
    expect(result).toStrictEqual({ counts: { loyalty_ledger: 1 }, values: ['李雷的安装补偿'] });
    expect(
      await row(`SELECT points::int, balance_after::int, reason FROM loyalty_ledger WHERE customer_id = $1`, [erased]),
    ).toStrictEqual({ points: 50, balance_after: 50, reason: null });
    expect(await row(`SELECT reason FROM loyalty_ledger WHERE customer_id = $1`, [other])).toStrictEqual({
      reason: '李雷的安装补偿',
    });
  });

  it('service requests: type, severity and clocks stay; subject, description, address and comments go', async () => {
    for (const id of [erased, other])
      await query(
        `INSERT INTO service_requests (customer_id, channel, type, severity, subject, description, address, status, received_at, sla_started_at, respond_by, resolve_by, created_by_type)
         VALUES ($1, 'phone', 'repair', 'high', '李雷家漏水', '厨房', '文三路1号', 'new', now(), now(), now(), now(), 'user')`,
        [id],
      );
    const result = await run('service-requests');
    expect(result.counts).toStrictEqual({ service_requests: 1 });
    expect(result.values.sort()).toStrictEqual(['厨房', '文三路1号', '李雷家漏水'].sort());
    expect(
      await row(`SELECT type, severity, subject, description, address FROM service_requests WHERE customer_id = $1`, [
        erased,
      ]),
    ).toStrictEqual({ type: 'repair', severity: 'high', subject: ERASED_TEXT, description: null, address: null });
    expect(await row(`SELECT subject FROM service_requests WHERE customer_id = $1`, [other])).toStrictEqual({
      subject: '李雷家漏水',
    });
  });

  it('complaints: category and severity stay for the reports; the text and the open-problem rows go', async () => {
    for (const id of [erased, other]) {
      const [complaint] = await query(
        `INSERT INTO complaints (customer_id, channel, category, severity, subject, description, five_whys, status, received_at, sla_started_at, acknowledge_by, resolve_by, created_by_type)
         VALUES ($1, 'hotline', 'product_quality', 'normal', '李雷投诉异味', '水有味道', '{滤芯过期}', 'received', now(), now(), now(), now(), 'user') RETURNING id`,
        [id],
      );
      await query(
        `INSERT INTO customer_open_problems (customer_id, kind, source_id, since) VALUES ($1, 'complaint', $2, now())`,
        [id, complaint.id],
      );
    }
    const result = await run('complaints');
    expect(result.counts).toStrictEqual({ complaints: 1, customer_open_problems: 1 });
    expect(result.values.sort()).toStrictEqual(['李雷投诉异味', '水有味道', '滤芯过期'].sort());
    expect(
      await row(`SELECT category, subject, description, five_whys FROM complaints WHERE customer_id = $1`, [erased]),
    ).toStrictEqual({ category: 'product_quality', subject: ERASED_TEXT, description: null, five_whys: [] });
    expect(
      await row(`SELECT count(*)::int AS n FROM customer_open_problems WHERE customer_id = $1`, [other]),
    ).toStrictEqual({ n: 1 });
  });

  it('sales: leads lose the person, opportunities keep amount and stage, visits keep their day and a rounded place', async () => {
    const [{ id: pipeline }] = await query(`SELECT id FROM pipelines LIMIT 1`);
    const [{ id: stage }] = await query(`SELECT id FROM pipeline_stages WHERE pipeline_id = $1 LIMIT 1`, [pipeline]);
    const owner = '00000000-0000-4000-8000-000000000001';
    for (const id of [erased, other]) {
      await query(
        `INSERT INTO leads (kind, name, phone, email, source, respond_by, created_by_type, customer_id, status)
         VALUES ('individual', '李雷', '+8613900001111', 'lilei@example.cn', 'website', now(), 'user', $1, 'converted')`,
        [id],
      );
      await query(
        `INSERT INTO opportunities (name, customer_id, owner_id, pipeline_id, stage_id, amount, currency, probability)
         VALUES ('李雷 净水器', $1, $2, $3, $4, 5000, 'CNY', 30)`,
        [id, owner, pipeline, stage],
      );
      await query(
        `INSERT INTO work_plan_entries (owner_id, day, position, kind, planned, customer_id, place_address, lat, lng, purpose)
         VALUES ($2, current_date, 1, 'visit', false, $1, '文三路1号', 30.276543, 120.123456, '给李雷装机')`,
        [id, owner],
      );
    }
    const result = await run('sales');
    expect(result.counts).toStrictEqual({ leads: 1, opportunities: 1, quotes: 0, work_plan_entries: 1 });
    expect(result.values).toEqual(
      expect.arrayContaining(['李雷', '+8613900001111', 'lilei@example.cn', '李雷 净水器', '文三路1号', '给李雷装机']),
    );
    expect(await row(`SELECT name, phone, email FROM leads WHERE customer_id = $1`, [erased])).toStrictEqual({
      name: ERASED_TEXT,
      phone: null,
      email: null,
    });
    expect(
      await row(`SELECT name, amount::text, stage_id FROM opportunities WHERE customer_id = $1`, [erased]),
    ).toStrictEqual({ name: ERASED_TEXT, amount: '5000.00', stage_id: stage });
    expect(
      await row(`SELECT place_address, purpose, lat, lng FROM work_plan_entries WHERE customer_id = $1`, [erased]),
    ).toStrictEqual({ place_address: null, purpose: null, lat: 30.28, lng: 120.12 });
    expect(await row(`SELECT name FROM leads WHERE customer_id = $1`, [other])).toStrictEqual({ name: '李雷' });
  });

  it('outreach: delivered messages keep their states, lose address and text; an unsent one is suppressed', async () => {
    for (const id of [erased, other])
      for (const status of ['delivered', 'queued'])
        await query(
          `INSERT INTO outreach_messages (customer_id, purpose, channel, address, subject, body, content_key, decision, status, send_at)
           VALUES ($1, 'care', 'sms', '+8613900001111', '生日快乐', '李雷，生日快乐', 'k', 'send', $2, now())`,
          [id, status],
        );
    const result = await run('outreach');
    expect(result.counts).toStrictEqual({ outreach_messages: 2, outreach_message_events: 0 });
    expect(result.values).toEqual(expect.arrayContaining(['+8613900001111', '李雷，生日快乐']));
    expect(
      await query(
        `SELECT status, address, body, reason FROM outreach_messages WHERE customer_id = $1 ORDER BY status`,
        [erased],
      ),
    ).toStrictEqual([
      { status: 'delivered', address: null, body: ERASED_TEXT, reason: null },
      { status: 'suppressed', address: null, body: ERASED_TEXT, reason: 'customer_erased' },
    ]);
    expect(
      await query(`SELECT status FROM outreach_messages WHERE customer_id = $1 ORDER BY status`, [other]),
    ).toStrictEqual([{ status: 'delivered' }, { status: 'queued' }]);
  });

  it('feedback: scores stay, text and answers go', async () => {
    for (const id of [erased, other])
      await query(
        `INSERT INTO feedback_entries (kind, customer_id, nps, text, answers) VALUES ('suggestion', $1, 9, '李雷建议', '{"why": "出水快"}')`,
        [id],
      );
    const result = await run('feedback');
    expect(result.counts).toStrictEqual({ feedback_entries: 1 });
    expect(result.values.sort()).toStrictEqual(['出水快', '李雷建议'].sort());
    expect(await row(`SELECT nps, text, answers FROM feedback_entries WHERE customer_id = $1`, [erased])).toStrictEqual(
      { nps: 9, text: null, answers: {} },
    );
    expect(await row(`SELECT text FROM feedback_entries WHERE customer_id = $1`, [other])).toStrictEqual({
      text: '李雷建议',
    });
  });

  it('tasks: kind and status stay, title and detail go', async () => {
    for (const id of [erased, other])
      await query(
        `INSERT INTO tasks (kind, title, detail, assignee_role, customer_id) VALUES ('care_call', '致电李雷', '问安装', 'agent', $1)`,
        [id],
      );
    const result = await run('tasks');
    expect(result).toStrictEqual({ counts: { tasks: 1 }, values: expect.arrayContaining(['致电李雷', '问安装']) });
    expect(await row(`SELECT kind, title, detail FROM tasks WHERE customer_id = $1`, [erased])).toStrictEqual({
      kind: 'care_call',
      title: ERASED_TEXT,
      detail: null,
    });
    expect(await row(`SELECT title FROM tasks WHERE customer_id = $1`, [other])).toStrictEqual({ title: '致电李雷' });
  });

  it('copies: outbox, audit and webhook events naming the customer are redacted; another customer’s are not, even with the same words', async () => {
    const search = personalDataSearch([erased], ['+8613900001111'], ['李雷', '想退货']);
    await query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES
         ('customer.updated', 'customer', $1, jsonb_build_object('customer', jsonb_build_object('id', $1::text, 'name', '李雷', 'region', '浙江'))),
         ('interaction.logged', 'customer', $2, jsonb_build_object('interaction', jsonb_build_object('customerId', $2::text, 'summary', '想退货'))),
         ('lead.created', 'lead', gen_random_uuid()::text, '{"lead": {"name": "李雷", "phone": "+8613900001111"}}')`,
      [erased, other],
    );
    await query(
      `INSERT INTO audit_log (actor_type, action, entity_type, entity_id, before, after) VALUES
         ('user', 'customer.updated', 'customer', $1, '{"motto": null}', '{"motto": "想退货"}'),
         ('user', 'customer.updated', 'customer', $2, '{"motto": null}', '{"motto": "想退货"}')`,
      [erased, other],
    );
    const [event] = await query(
      `INSERT INTO webhook_events (id, type, occurred_at, data) VALUES (gen_random_uuid(), 'customer.updated', now(), jsonb_build_object('customer', jsonb_build_object('id', $1::text, 'name', '李雷'))) RETURNING id`,
      [erased],
    );
    const scrubbed = await database.dataSource.transaction(async (tx) => ({
      platform: await steps.copiesOf('platform')!.scrub(tx, erasure, search),
      webhooks: await steps.copiesOf('webhooks')!.scrub(tx, erasure, search),
    }));
    expect(scrubbed).toStrictEqual({
      platform: { outbox: 2, audit_log: 1, idempotency_keys: 0 },
      webhooks: { webhook_events: 1, webhook_delivery_attempts: 0 },
    });
    const outbox = await query(`SELECT type, payload FROM outbox ORDER BY id`);
    expect(outbox).toStrictEqual([
      { type: 'customer.updated', payload: { customer: { id: erased, name: null, region: '浙江' } } },
      { type: 'interaction.logged', payload: { interaction: { customerId: other, summary: '想退货' } } },
      { type: 'lead.created', payload: { lead: { name: null, phone: null } } },
    ]);
    expect(await query(`SELECT entity_id, after FROM audit_log ORDER BY id`)).toStrictEqual([
      { entity_id: erased, after: { motto: null } },
      { entity_id: other, after: { motto: '想退货' } },
    ]);
    expect(await row(`SELECT data FROM webhook_events WHERE id = $1`, [event.id])).toStrictEqual({
      data: { customer: { id: erased, name: null } },
    });
  });
});
