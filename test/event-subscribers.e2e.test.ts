import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QueueName, subscriberJobId } from '../src/infrastructure/queues/queue-names.js';
import { API, bearer, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners } from './support/webhook-receiver.js';

describe('one job per event and subscriber', () => {
  let t: TestApp;
  let subscriberJobs: Queue;
  const partners = new WebhookPartners(() => t);

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    subscriberJobs = new Queue(QueueName.EventSubscribers, {
      connection: { url: t.config.REDIS_URL },
      prefix: t.config.QUEUE_PREFIX,
    });
  }, 120_000);
  afterAll(async () => {
    await subscriberJobs.close();
    await partners.closeAll();
    await t.close();
  }, 120_000);

  const newCustomer = async (name: string) =>
    (await t.http.post(`${API}/customers`).set(bearer(t.adminToken)).send({ kind: 'individual', name }).expect(201))
      .body.id as string;
  const buy = async (customerId: string) =>
    (
      await t.http
        .post(`${API}/customers/${customerId}/purchases`)
        .set(bearer(t.adminToken))
        .send({ product: '净水器滤芯', amount: { amount: '100.00', currency: 'CNY' }, paymentMethod: 'wechat_pay' })
        .expect(201)
    ).body.id as string;
  const eventIdOf = async (type: string, purchaseId: string) =>
    (
      await waitFor(
        async () =>
          (
            await t.db.query(`SELECT event_id FROM outbox WHERE type = $1 AND payload -> 'purchase' ->> 'id' = $2`, [
              type,
              purchaseId,
            ])
          ).rows[0],
        5_000,
        type,
      )
    ).event_id as string;

  it('delivers the webhook and recalculates the tier while loyalty keeps failing to earn, then earns on a retry', async () => {
    const partner = await partners.receiver();
    await partners.subscribe(partner, ['purchase.recorded']);
    const customer = await newCustomer('独立重试');
    // Loyalty's ledger refuses this customer's entries for now: earning fails and retries.
    await t.db.query(`
      CREATE FUNCTION refuse_test_ledger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger unavailable for the test'; END $$;
      CREATE TRIGGER refuse_test_ledger BEFORE INSERT ON loyalty_ledger FOR EACH ROW WHEN (NEW.customer_id = '${customer}') EXECUTE FUNCTION refuse_test_ledger();`);
    try {
      const eventId = await eventIdOf('purchase.recorded', await buy(customer));
      await waitFor(
        () => Promise.resolve(partner.arrivalsOf(eventId).length > 0),
        10_000,
        'the webhook while loyalty fails',
      );
      const earn = await waitFor(
        async () => {
          const job = await subscriberJobs.getJob(subscriberJobId(eventId, 'loyalty.earn-points'));
          return job && job.attemptsMade >= 2 && job;
        },
        15_000,
        'the earning to have failed twice',
      );
      expect(earn.failedReason).toMatch(/ledger unavailable/);
      // the customer's value and tier were recalculated after the purchase while the earning kept failing
      // (the earning handler queues the recalculation before it tries to earn)
      await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM customer_values v JOIN purchases p ON p.customer_id = v.customer_id
                WHERE v.customer_id = $1 AND v.computed_at >= p.created_at`,
              [customer],
            )
          ).rowCount === 1,
        10_000,
        'the tier recalculated while earning fails',
      );
      const fanOut = await subscriberJobs.getJob(subscriberJobId(eventId, 'webhooks.fan-out'));
      expect(fanOut?.attemptsMade).toBe(1);
    } finally {
      await t.db.query(`DROP TRIGGER refuse_test_ledger ON loyalty_ledger; DROP FUNCTION refuse_test_ledger()`);
    }
    await waitFor(
      async () =>
        (await t.db.query(`SELECT 1 FROM loyalty_ledger WHERE customer_id = $1 AND kind = 'earn'`, [customer]))
          .rowCount === 1,
      30_000,
      'the points on a later retry',
    );
    // the webhook was sent once
    expect(partner.received).toHaveLength(1);
  }, 120_000);

  it('still runs a loyalty.recalculate-tier job an older version queued: the customer is revalued', async () => {
    const customer = await newCustomer('旧版本的任务');
    // A purchase whose event this test does not publish; only the retired subscriber's job revalues the customer.
    const {
      rows: [purchase],
    } = await t.db.query(
      `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
       VALUES ($1, now(), '净水器', 300, 'CNY', 'card') RETURNING id`,
      [customer],
    );
    const eventId = randomUUID();
    const subscriber = 'loyalty.recalculate-tier';
    const job = await subscriberJobs.add(
      `purchase.recorded → ${subscriber}`,
      {
        eventId,
        outboxId: '0',
        type: 'purchase.recorded',
        aggregateType: 'customer',
        aggregateId: customer,
        occurredAt: new Date().toISOString(),
        payload: { purchase: { id: purchase.id, customerId: customer } },
        subscriber,
      },
      { jobId: subscriberJobId(eventId, subscriber) },
    );
    await waitFor(async () => (await job.getState()) === 'completed', 10_000, 'the retired subscriber job');
    await waitFor(
      async () =>
        (
          await t.db.query(
            `SELECT 1 FROM customer_values v JOIN purchases p ON p.customer_id = v.customer_id
              WHERE v.customer_id = $1 AND p.id = $2 AND v.computed_at >= p.created_at AND v.frequency = 1`,
            [customer, purchase.id],
          )
        ).rowCount === 1,
      10_000,
      'the customer revalued',
    );
  }, 120_000);

  it('fails a purchase event without a purchase for good instead of retrying it', async () => {
    const {
      rows: [event],
    } = await t.db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ('purchase.recorded', 'customer', gen_random_uuid()::text, '{"purchase":null}') RETURNING event_id`,
    );
    const id = subscriberJobId(event.event_id, 'loyalty.earn-points');
    await waitFor(
      async () => (await (await subscriberJobs.getJob(id))?.getState()) === 'failed',
      10_000,
      'the earning job to fail',
    );
    const job = (await subscriberJobs.getJob(id))!;
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/carries no purchase/);
  }, 120_000);
});
