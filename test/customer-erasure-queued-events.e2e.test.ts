import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainEventsProcessor } from '../src/infrastructure/outbox/domain-events.processor.js';
import { EventSubscribersProcessor } from '../src/infrastructure/outbox/event-subscribers.processor.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { WebhookDeliveryProcessor } from '../src/modules/webhooks/webhook-delivery.processor.js';
import { purchase, webhookReceiver } from './support/factories.js';
import { API, bearer, queueOf, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners, type WebhookReceiver } from './support/webhook-receiver.js';

// Events queued before their customer's erasure and delivered after it: the erasure redacts the outbox
// and the stored webhook events, and jobs carry only ids, so what leaves afterwards is the redacted body.
const IN_THE_QUEUE = {
  name: '排队中的李四海',
  mobile: '13600002222',
  email: 'queued.li@example.cn',
  homeAddress: '宁波市海曙区药行街12号',
};
const AWAITING_DELIVERY = {
  name: '待投递的赵五湖',
  mobile: '13600003333',
  email: 'pending.zhao@example.cn',
  homeAddress: '温州市鹿城区五马街34号',
};
const TRACES = [
  ...Object.values(IN_THE_QUEUE),
  ...Object.values(AWAITING_DELIVERY),
  'queued.li',
  'pending.zhao',
  '药行街12号',
  '五马街34号',
];

describe('events queued before a customer is erased', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const partners = new WebhookPartners(() => t);

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    ({ receiver } = await webhookReceiver(partners, ['customer.*', 'purchase.*']));
  });
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  });

  const create = async (person: Record<string, string>) =>
    (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(t.adminToken))
        .send({ kind: 'individual', ...person })
        .expect(201)
    ).body as { id: string };
  const erase = (id: string) =>
    t.http
      .post(`${API}/customers/${id}/erase`)
      .set(bearer(t.adminToken))
      .send({ ground: 'customer-request' })
      .expect(200);
  const eventsOf = async (customerId: string): Promise<{ event_id: string; type: string }[]> =>
    (await t.db.query(`SELECT event_id, type FROM outbox WHERE aggregate_id = $1 ORDER BY id`, [customerId])).rows;
  const tracesIn = (text: string) => TRACES.filter((trace) => text.includes(trace));
  const storedTraces = async () =>
    (
      await t.db.query(`SELECT data::text AS data FROM webhook_events WHERE data::text ILIKE ANY($1::text[])`, [
        TRACES.map((trace) => `%${trace}%`),
      ])
    ).rows;
  /** The erasure notice reached the partner and nothing is left to relay or deliver: what the partner got of the customer. */
  const delivered = async (customerId: string) => {
    await waitFor(
      async () =>
        receiver.received.some(
          (webhook) => webhook.payload.type === 'customer.erased' && webhook.payload.data.customerId === customerId,
        ),
      30_000,
      'the customer.erased webhook',
    );
    await waitFor(
      async () => {
        const { rows } = await t.db.query(
          `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int
                + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::int AS busy`,
        );
        return rows[0].busy === 0;
      },
      30_000,
      'the outbox and webhook deliveries to drain',
    );
    const ids = (await eventsOf(customerId)).map((event) => event.event_id);
    return receiver.received.filter((webhook) => ids.includes(webhook.webhookId));
  };

  it('an event still waiting in the queues reaches the partner redacted', async () => {
    // Both event workers paused: an event of one subscriber waits on domain-events, one of several as a
    // job per subscriber on event-subscribers (the webhook fan-out's among them).
    const workers = [
      t.app.get(DomainEventsProcessor, { strict: false }).worker,
      t.app.get(EventSubscribersProcessor, { strict: false }).worker,
    ];
    for (const worker of workers) await worker.pause();
    let made: { id: string };
    try {
      made = await create(IN_THE_QUEUE);
      await purchase(t, t.adminToken, made.id, '120.00', { notes: `送到${IN_THE_QUEUE.homeAddress}` });
      // Relayed: the events are jobs in Redis, waiting for the paused workers.
      const events = await eventsOf(made.id);
      expect(events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['customer.created', 'purchase.recorded']),
      );
      const queued = async () => {
        const jobs = await Promise.all(
          [QueueName.DomainEvents, QueueName.EventSubscribers].map((name) =>
            queueOf(t, name).getJobs(['waiting', 'prioritized']),
          ),
        );
        return jobs.flat().filter((job) => events.some((event) => event.event_id === job.data.eventId));
      };
      const waiting = await waitFor(
        async () => {
          const jobs = await queued();
          const covered = events.every((event) => jobs.some((job) => job.data.eventId === event.event_id));
          return covered && jobs;
        },
        10_000,
        'the events to wait in the queues',
      );
      // The jobs carry the event's ids, not its payload.
      for (const job of waiting)
        expect(
          Object.keys(job.data)
            .filter((key) => key !== 'subscriber')
            .sort(),
        ).toStrictEqual(['aggregateId', 'aggregateType', 'eventId', 'occurredAt', 'outboxId', 'type'].sort());
      await erase(made.id);
    } finally {
      for (const worker of workers) await worker.resume();
    }

    const arrived = await delivered(made.id);
    expect(arrived.map((webhook) => webhook.payload.type)).toEqual(
      expect.arrayContaining(['customer.created', 'purchase.recorded', 'customer.erased']),
    );
    const created = arrived.find((webhook) => webhook.payload.type === 'customer.created')!;
    expect(created.payload.data.customer).toMatchObject({ id: made.id, name: null, mobile: null, email: null });
    expect(arrived.flatMap((webhook) => tracesIn(webhook.body))).toStrictEqual([]);
    expect(await storedTraces()).toStrictEqual([]);
  });

  it('a delivery still pending when its customer is erased sends the redacted body', async () => {
    const sender = t.app.get(WebhookDeliveryProcessor, { strict: false }).worker;
    await sender.pause();
    let made: { id: string };
    try {
      made = await create(AWAITING_DELIVERY);
      // Fanned out: the event is stored for delivery, its delivery job waiting for the paused sender.
      const [createdEvent] = await eventsOf(made.id);
      await waitFor(
        async () =>
          (
            await t.db.query(
              `SELECT 1 FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
                WHERE d.event_id = $1 AND d.status = 'pending' AND e.data::text LIKE $2`,
              [createdEvent.event_id, `%${AWAITING_DELIVERY.name}%`],
            )
          ).rowCount === 1,
        10_000,
        'the delivery of customer.created to wait for its sender',
      );
      await erase(made.id);
    } finally {
      await sender.resume();
    }

    const arrived = await delivered(made.id);
    const created = arrived.find((webhook) => webhook.payload.type === 'customer.created')!;
    expect(created.payload.data.customer).toMatchObject({ id: made.id, name: null, mobile: null, email: null });
    expect(arrived.flatMap((webhook) => tracesIn(webhook.body))).toStrictEqual([]);
    expect(await storedTraces()).toStrictEqual([]);
  });
});
