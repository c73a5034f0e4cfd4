import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { WebhookRecoveryProcessor } from '../src/modules/webhooks/webhook-recovery.processor.js';
import { QueueName } from '../src/infrastructure/queues/queue-names.js';
import { API, bearer, queueOf, startTestApp, type TestApp, waitFor } from './support/test-app.js';
import { WebhookPartners } from './support/webhook-receiver.js';

/** The recovery sweep: Postgres is the record, and what Redis lost (or never got) is sent anyway. */
describe('webhook recovery sweep', () => {
  let t: TestApp;
  const partners = new WebhookPartners(() => t);
  const { receiver, subscribe } = partners;

  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      // The first retry would wait about a minute: long enough that only the sweep can send it in time.
      WEBHOOK_RETRY_BASE_DELAY_MS: '60000',
      WEBHOOK_SWEEP_INTERVAL_MS: '300',
    });
  }, 120_000);
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  }, 120_000);

  const uniqueType = () => `recovery_${randomUUID().slice(0, 8)}.happened`;

  /** An event for a partner that refuses its first attempt, once that attempt is recorded (the retry waits in the delayed set). */
  const failedFirstAttempt = async () => {
    const partner = await receiver((attempt) => (attempt === 1 ? 500 : 204));
    const type = uniqueType();
    const { id } = await subscribe(partner, [type]);
    const {
      rows: [event],
    } = await t.db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ($1, 'test', '1', '{}') RETURNING event_id`,
      [type],
    );
    const delivery = await waitFor(
      async () => {
        const {
          rows: [row],
        } = await t.db.query(
          `SELECT id, generation, attempts FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2`,
          [id, event.event_id],
        );
        return row?.attempts === 1 && row;
      },
      10_000,
      'the first attempt',
    );
    // Recorded before its job has moved to the delayed set; only from there can the test lose it.
    const jobs = queueOf(t, QueueName.WebhookDeliveries);
    await waitFor(
      async () => (await jobs.getJobState(`${delivery.id}-${delivery.generation}`)) === 'delayed',
      10_000,
      'the retry to wait in the delayed set',
    );
    return { partner, event, delivery };
  };

  it('re-sends a pending delivery whose job was removed from Redis, once', async () => {
    const { partner, event, delivery } = await failedFirstAttempt();
    // The retry job is in the delayed set; lose it, and let the retry be long overdue.
    await t.http
      .delete(`${API}/admin/queues/webhook-deliveries/jobs/${delivery.id}-${delivery.generation}`)
      .set(bearer(t.adminToken))
      .expect(204);
    await t.db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour' WHERE id = $1`, [
      delivery.id,
    ]);

    await waitFor(async () => partner.arrivalsOf(event.event_id).length > 0, 10_000, 'the sweep to re-send it');
    // Sent only while pending: once it is recorded as succeeded, no later sweep can send it again.
    await waitFor(
      async () => {
        const {
          rows: [row],
        } = await t.db.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [delivery.id]);
        return row.status === 'succeeded';
      },
      10_000,
      'the delivery to be recorded as succeeded',
    );
    expect(await t.app.get(WebhookRecoveryProcessor).requeueLostDeliveries()).toBe(0);
    expect(partner.attemptsFor(event.event_id)).toBe(2);
  }, 120_000);

  it('leaves alone an overdue delivery whose job is still waiting (no duplicate)', async () => {
    const { partner, event, delivery } = await failedFirstAttempt();
    await t.db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 hour' WHERE id = $1`, [
      delivery.id,
    ]);
    await waitFor(
      async () => {
        const {
          rows: [row],
        } = await t.db.query(`SELECT next_attempt_at > now() AS postponed FROM webhook_deliveries WHERE id = $1`, [
          delivery.id,
        ]);
        return row.postponed;
      },
      10_000,
      'the sweep to look at it',
    );
    // the delayed retry job still exists, so nothing was sent early
    expect(partner.attemptsFor(event.event_id)).toBe(1);
  }, 120_000);

  it('fans out an event whose fan-out never happened (its domain-events job ran out of attempts)', async () => {
    const partner = await receiver();
    const type = uniqueType();
    await subscribe(partner, [type]);
    // Published (so the relay leaves it alone) a while ago, but no delivery was ever recorded.
    const {
      rows: [event],
    } = await t.db.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, occurred_at, published_at)
       VALUES ($1, 'test', '1', '{"n":1}', now(), now() - interval '1 hour') RETURNING event_id`,
      [type],
    );
    await waitFor(async () => partner.arrivalsOf(event.event_id).length > 0, 10_000, 'the sweep to fan it out');
    expect(JSON.parse(partner.arrivalsOf(event.event_id)[0].body).data.n).toBe(1);
  }, 120_000);
});
