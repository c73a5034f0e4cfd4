import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookSender } from '../src/modules/webhooks/webhook-sender.js';
import {
  API,
  bearer,
  createApiKey,
  createUser,
  startTestApp,
  type TestApp,
  waitFor,
  webhooksSettled,
} from './support/test-app.js';
import { WebhookPartners, WebhookReceiver } from './support/webhook-receiver.js';

// Long enough that the healthy receiver's twenty deliveries fit well inside it on a loaded machine.
const TIMEOUT_MS = 3_000;

describe('webhooks', () => {
  let t: TestApp;
  const partners = new WebhookPartners(() => t);
  const { receiver, subscribe, emit } = partners;

  beforeAll(async () => {
    t = await startTestApp({
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_DELAY_MS: '50',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_DELIVERY_CONCURRENCY: '8',
      WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: '2',
      WEBHOOK_DISABLE_AFTER_FAILING_SECONDS: '3',
    });
  }, 180_000);
  afterAll(async () => {
    await partners.closeAll();
    await t.close();
  }, 180_000);

  const uniqueType = () => `test_${randomUUID().slice(0, 8)}.happened`;
  const deliveriesOf = async (endpointId: string, query = '') =>
    (await t.http.get(`${API}/webhooks/${endpointId}/deliveries${query}`).set(bearer(t.adminToken)).expect(200)).body
      .data;
  const endpoint = async (id: string) =>
    (await t.http.get(`${API}/webhooks/${id}`).set(bearer(t.adminToken)).expect(200)).body;

  it('delivers a business event once to every matching endpoint, signed so the standardwebhooks package verifies it', async () => {
    const [exact, byPrefix, everything, other] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
    await subscribe(exact, ['customer.created']);
    await subscribe(byPrefix, ['customer.*']);
    await subscribe(everything, ['*']);
    await subscribe(other, ['purchase.recorded', 'customer_note.*']);

    const customer = await t.http
      .post(`${API}/customers`)
      .set(bearer(t.adminToken))
      .send({ kind: 'individual', name: '张伟' })
      .expect(201);
    const {
      rows: [event],
    } = await t.db.query(
      `SELECT event_id, occurred_at FROM outbox WHERE aggregate_id = $1 AND type = 'customer.created'`,
      [customer.body.id],
    );

    for (const target of [exact, byPrefix, everything]) {
      const [arrival] = await waitFor(
        async () => target.arrivalsOf(event.event_id).length > 0 && target.arrivalsOf(event.event_id),
        10_000,
        'the delivery',
      );
      expect(Object.keys(arrival.payload)).toStrictEqual(['id', 'type', 'occurredAt', 'data']);
      expect(arrival.payload.id).toBe(event.event_id);
      expect(arrival.payload.type).toBe('customer.created');
      expect(arrival.payload.occurredAt).toBe(event.occurred_at.toISOString());
      expect((arrival.payload.data as { customer: { id: string } }).customer.id).toBe(customer.body.id);
      expect(arrival.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    }
    // Counted once no delivery of the event is pending: a duplicate would have arrived by then.
    await webhooksSettled(t, event.event_id);
    for (const target of [exact, byPrefix, everything]) expect(target.arrivalsOf(event.event_id)).toHaveLength(1);
    expect(other.received.length + other.rejected.length).toBe(0);
  }, 180_000);

  it('retries a failing receiver: it fails three times and gets the event on the fourth try', async () => {
    const flaky = await receiver((attempt) => (attempt <= 3 ? 500 : 200));
    const { id } = await subscribe(flaky, ['order_sync.*']);
    const [eventId] = await emit('order_sync.requested');
    await waitFor(async () => flaky.arrivalsOf(eventId).length === 1, 15_000, 'the fourth attempt');
    expect(flaky.attemptsFor(eventId)).toBe(4);

    const [delivery] = await waitFor(
      async () => {
        const deliveries = await deliveriesOf(id);
        return deliveries[0]?.status === 'succeeded' && deliveries;
      },
      5_000,
      'the delivery to be marked succeeded',
    );
    expect(delivery.webhookId).toBe(eventId);
    expect(delivery.attempts).toBe(4);
    expect(delivery.attemptLog.map((attempt: { statusCode: number }) => attempt.statusCode)).toStrictEqual([
      500, 500, 500, 200,
    ]);
    expect(delivery.attemptLog[0].responseExcerpt).toBe('refused with 500');
    expect(
      delivery.attemptLog.every((attempt: { latencyMs: number }) => Number.isInteger(attempt.latencyMs)),
    ).toBeTruthy();
    expect((await endpoint(id)).active).toBe(true);
  }, 180_000);

  it('waits as long as a throttled receiver asks with Retry-After before trying again', async () => {
    const throttled = await receiver((attempt) => (attempt === 1 ? 429 : 200));
    throttled.retryAfter = '2';
    await subscribe(throttled, ['throttle_test.*']);
    const [eventId] = await emit('throttle_test.happened');
    await waitFor(async () => throttled.arrivalsOf(eventId).length === 1, 15_000, 'the second attempt');
    const [first, second] = throttled.attemptTimes.get(eventId)!;
    // retried after ${second - first} ms, not the 2 s asked for (the schedule alone would wait ~50 ms)
    expect(second - first).toBeGreaterThanOrEqual(1_900);
  }, 180_000);

  it('times out a receiver that hangs without holding up a healthy one', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const type = uniqueType();
    const slow = await subscribe(hanging, [type]);
    await subscribe(healthy, [type]);

    const events = await emit(type, 20);
    await waitFor(
      async () => events.every((eventId) => healthy.arrivalsOf(eventId).length > 0),
      10_000,
      'every delivery to the healthy receiver',
    );
    // Timed at the receivers, so the relay's latency (which a loaded machine stretches) is not in it. If the
    // hanging receiver could take all 8 slots, the healthy one's last deliveries would wait for a slot that
    // only a timeout frees — at least TIMEOUT_MS after the first hanging attempt. With its own slots, the
    // healthy receiver has everything before that.
    const firstHangingAttempt = Math.min(...[...hanging.attemptTimes.values()].flat());
    const lastHealthyArrival = Math.max(...events.map((eventId) => healthy.arrivalsOf(eventId)[0].receivedAt));
    // the healthy receiver had everything ${lastHealthyArrival - firstHangingAttempt} ms after the first hanging attempt
    expect(lastHealthyArrival - firstHangingAttempt).toBeLessThan(TIMEOUT_MS);

    const timedOut = await waitFor(
      async () =>
        (await deliveriesOf(slow.id)).find((delivery: { attemptLog: unknown[] }) => delivery.attemptLog.length),
      10_000,
      'a timed-out attempt',
    );
    expect(timedOut.attemptLog[0].statusCode).toBeNull();
    expect(timedOut.attemptLog[0].error).toContain(`timed out after ${TIMEOUT_MS} ms`);
    expect(timedOut.attemptLog[0].latencyMs >= TIMEOUT_MS - 50).toBe(true);
    await t.http.patch(`${API}/webhooks/${slow.id}`).set(bearer(t.adminToken)).send({ active: false }).expect(200);
  }, 180_000);

  it('disables an endpoint that answers 410 Gone and emits webhook_endpoint.disabled', async () => {
    const gone = await receiver(() => 410);
    const { id } = await subscribe(gone, ['catalogue.*']);
    await emit('catalogue.changed');
    const disabled = await waitFor(
      async () => {
        const current = await endpoint(id);
        return !current.active && current;
      },
      10_000,
      'the endpoint to be disabled',
    );
    expect(disabled.disabledReason).toBe('the endpoint answered 410 Gone');
    const [delivery] = await deliveriesOf(id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toBe(1);
    const events = await t.db.query(
      `SELECT payload FROM outbox WHERE type = 'webhook_endpoint.disabled' AND aggregate_id = $1`,
      [id],
    );
    expect(events.rows).toHaveLength(1);
    expect(Object.keys(events.rows[0].payload).sort()).toStrictEqual(['disabledAt', 'endpointId', 'reason']);
    expect(events.rows[0].payload.endpointId).toBe(id);
    expect(JSON.stringify(events.rows[0].payload).includes('whsec_')).toBe(false);

    // Later events are recorded as skipped: nothing is sent to a disabled endpoint.
    const [later] = await emit('catalogue.changed');
    await waitFor(
      async () =>
        (await deliveriesOf(id)).some(
          (d: { webhookId: string; status: string }) => d.webhookId === later && d.status === 'skipped',
        ),
      10_000,
      'a skipped delivery',
    );
    expect(gone.attemptsFor(later)).toBe(0);
  }, 180_000);

  it('disables an endpoint whose every attempt has failed for longer than allowed', async () => {
    const down = await receiver(() => 503);
    const { id } = await subscribe(down, ['ledger.*']);
    await emit('ledger.closed');
    const disabled = await waitFor(
      async () => {
        const current = await endpoint(id);
        return !current.active && current;
      },
      20_000,
      'the endpoint to be disabled',
    );
    expect(disabled.disabledReason).toMatch(/^every delivery has failed since /);
    const events = await t.db.query(
      `SELECT 1 FROM outbox WHERE type = 'webhook_endpoint.disabled' AND aggregate_id = $1`,
      [id],
    );
    expect(events.rows).toHaveLength(1);
  }, 180_000);

  it('replays a delivery with the same webhook-id, and every delivery of a time range', async () => {
    const partner = await receiver();
    const { id } = await subscribe(partner, ['invoice.*']);
    const before = new Date(Date.now() - 1_000).toISOString();
    const [first, second] = await emit('invoice.issued', 2);
    await waitFor(
      async () => partner.arrivalsOf(first).length === 1 && partner.arrivalsOf(second).length === 1,
      10_000,
      'both deliveries',
    );
    const delivery = (await deliveriesOf(id)).find((d: { webhookId: string }) => d.webhookId === first);

    await t.http
      .post(`${API}/webhooks/deliveries/${delivery.id}/replay`)
      .set(bearer(t.adminToken))
      .expect(202, { replayed: 1 });
    await waitFor(async () => partner.arrivalsOf(first).length === 2, 10_000, 'the replay');
    const [original, replay] = partner.arrivalsOf(first);
    expect(replay.webhookId).toBe(original.webhookId);
    expect(replay.payload.id).toBe(first);

    const range = { from: before, to: new Date(Date.now() + 1_000).toISOString() };
    await t.http
      .post(`${API}/webhooks/${id}/replay`)
      .set(bearer(t.adminToken))
      .send(range)
      .expect(202, { replayed: 2 });
    await waitFor(
      async () => partner.arrivalsOf(first).length === 3 && partner.arrivalsOf(second).length === 2,
      10_000,
      'the range replay',
    );

    await t.http
      .post(`${API}/webhooks/${id}/replay`)
      .set(bearer(t.adminToken))
      .send({ from: range.to, to: range.from })
      .expect(422);
    await t.http
      .post(`${API}/webhooks/${id}/replay`)
      .set(bearer(t.adminToken))
      .send({ from: 'yesterday', to: range.to })
      .expect(400);
    await t.http.post(`${API}/webhooks/deliveries/${randomUUID()}/replay`).set(bearer(t.adminToken)).expect(404);
  }, 180_000);

  it('sends a test event on request', async () => {
    const partner = await receiver();
    const { id } = await subscribe(partner, ['nothing.ever']);
    const response = await t.http.post(`${API}/webhooks/${id}/test`).set(bearer(t.adminToken)).expect(202);
    const [arrival] = await waitFor(
      async () => partner.arrivalsOf(response.body.webhookId).length > 0 && partner.arrivalsOf(response.body.webhookId),
      10_000,
      'the test event',
    );
    expect(arrival.payload.type).toBe('webhook.test');
    expect(arrival.payload.data.endpointId).toBe(id);
  }, 180_000);

  it('signs with both secrets for a day after a rotation, so either verifies', async () => {
    const partner = await receiver();
    const { id, secret: oldSecret } = await subscribe(partner, ['rotation.*']);
    const rotated = await t.http.post(`${API}/webhooks/${id}/secret/rotate`).set(bearer(t.adminToken)).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    const graceHours = (new Date(rotated.body.previousSecretExpiresAt).getTime() - Date.now()) / 3_600_000;
    expect(graceHours > 23.9 && graceHours <= 24).toBe(true);

    partner.secrets = [rotated.body.secret];
    const [eventId] = await emit('rotation.done');
    const [arrival] = await waitFor(
      async () => partner.arrivalsOf(eventId).length > 0 && partner.arrivalsOf(eventId),
      10_000,
      'the delivery',
    );
    expect(arrival.signature.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': arrival.webhookId,
      'webhook-timestamp': arrival.timestamp,
      'webhook-signature': arrival.signature,
    };
    for (const secret of [oldSecret, rotated.body.secret]) new Webhook(secret).verify(arrival.body, headers);
    expect((await endpoint(id)).previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
  }, 180_000);

  it('shows the secret only when the endpoint is created, and never writes it to the audit log', async () => {
    const partner = await receiver();
    const { id, secret } = await subscribe(partner, ['secrecy.*']);
    const read = await t.http.get(`${API}/webhooks/${id}`).set(bearer(t.adminToken)).expect(200);
    const listed = await t.http.get(`${API}/webhooks?limit=200`).set(bearer(t.adminToken)).expect(200);
    expect(JSON.stringify(read.body).includes('whsec_')).toBe(false);
    expect(JSON.stringify(listed.body).includes('whsec_')).toBe(false);
    await t.http.post(`${API}/webhooks/${id}/secret/rotate`).set(bearer(t.adminToken)).expect(200);
    // Rotating again while the replaced secret is still accepted would drop it at once.
    const again = await t.http.post(`${API}/webhooks/${id}/secret/rotate`).set(bearer(t.adminToken)).expect(409);
    expect(again.body.detail).toMatch(/still accepted until/);
    const audit = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND (before::text LIKE '%whsec_%' OR after::text LIKE '%whsec_%')`,
      [id],
    );
    expect(audit.rows[0].n).toBe(0);
    const audited = await t.db.query(`SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY id`, [id]);
    expect(audited.rows.map((row) => row.action)).toStrictEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.secret_rotated',
    ]);
    expect(secret).toBeTruthy();
  }, 180_000);

  it('updates an endpoint with a version check and deletes it', async () => {
    const partner = await receiver();
    const created = await subscribe(partner, ['update.*']);
    const updated = await t.http
      .patch(`${API}/webhooks/${created.id}`)
      .set(bearer(t.adminToken))
      .set('if-match', String(created.version))
      .send({ eventTypes: ['update.*', 'customer.created'], description: 'ERP' })
      .expect(200);
    expect(updated.body.eventTypes).toStrictEqual(['update.*', 'customer.created']);
    expect(updated.body.version).toBe(created.version + 1);
    await t.http
      .patch(`${API}/webhooks/${created.id}`)
      .set(bearer(t.adminToken))
      .set('if-match', String(created.version))
      .send({ description: 'stale' })
      .expect(412);
    await t.http
      .patch(`${API}/webhooks/${created.id}`)
      .set(bearer(t.adminToken))
      .send({ url: 'http://169.254.169.254/latest/meta-data' })
      .expect(422);
    await t.http.delete(`${API}/webhooks/${created.id}`).set(bearer(t.adminToken)).expect(204);
    await t.http.get(`${API}/webhooks/${created.id}`).set(bearer(t.adminToken)).expect(404);
  }, 180_000);

  it('refuses malformed endpoints with the field at fault', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ eventTypes: ['customer.created'] }, 'url'],
      [{ url: 'http://127.0.0.1:9/x', eventTypes: [] }, 'eventTypes'],
      [{ url: 'http://127.0.0.1:9/x', eventTypes: ['Customer Created'] }, 'eventTypes'],
      [{ url: 'http://127.0.0.1:9/x', eventTypes: ['customer.*.x'] }, 'eventTypes'],
      [{ url: 'http://127.0.0.1:9/x', eventTypes: ['customer.created'], secret: 'whsec_mine' }, 'secret'],
      [{ url: 'http://127.0.0.1:9/x', eventTypes: [`a.${'b'.repeat(300)}`] }, 'eventTypes'],
    ];
    for (const [body, field] of cases) {
      const response = await t.http.post(`${API}/webhooks`).set(bearer(t.adminToken)).send(body).expect(400);
      expect(response.body.errors.some((error: { field: string }) => error.field === field)).toBeTruthy();
    }
    const notAUrl = await t.http
      .post(`${API}/webhooks`)
      .set(bearer(t.adminToken))
      .send({ url: 'not a url at all', eventTypes: ['a.b'] })
      .expect(422);
    expect(notAUrl.body.type).toBe('/problems/forbidden-webhook-destination');
    const ftp = await t.http
      .post(`${API}/webhooks`)
      .set(bearer(t.adminToken))
      .send({ url: 'ftp://127.0.0.1/x', eventTypes: ['a.b'] })
      .expect(422);
    expect(ftp.body.errors[0].field).toBe('url');
    await t.http.get(`${API}/webhooks/not-a-uuid`).set(bearer(t.adminToken)).expect(400);
    await t.http.get(`${API}/webhooks/${randomUUID()}`).set(bearer(t.adminToken)).expect(404);
    const existing = (
      await t.http
        .post(`${API}/webhooks`)
        .set(bearer(t.adminToken))
        .send({ url: 'http://127.0.0.1:9/x', eventTypes: ['a.b'] })
        .expect(201)
    ).body;
    for (const field of ['url', 'eventTypes', 'active']) {
      const cleared = await t.http
        .patch(`${API}/webhooks/${existing.id}`)
        .set(bearer(t.adminToken))
        .send({ [field]: null })
        .expect(400);
      expect(cleared.body.errors[0].field).toBe(field);
    }
  }, 180_000);

  it('lets an API key with webhooks:manage manage only the endpoints it created; others are refused', async () => {
    const partner = await receiver();
    const [keyA, keyB, unscoped] = await Promise.all([
      createApiKey(t, ['webhooks:manage']),
      createApiKey(t, ['webhooks:manage']),
      createApiKey(t, ['customers:read']),
    ]);
    const sales = await createUser(t, ['sales']);
    const manager = await createUser(t, ['manager']);
    const mine = await subscribe(partner, ['keys.*'], keyA);
    await t.http.get(`${API}/webhooks/${mine.id}`).set(bearer(keyA)).expect(200);
    await t.http.get(`${API}/webhooks/${mine.id}`).set(bearer(keyB)).expect(404);
    await t.http.post(`${API}/webhooks/${mine.id}/test`).set(bearer(keyB)).expect(404);
    await t.http.get(`${API}/webhooks/${mine.id}/deliveries`).set(bearer(keyB)).expect(404);
    expect(
      (await t.http.get(`${API}/webhooks`).set(bearer(keyA)).expect(200)).body.data.map((e: { id: string }) => e.id),
    ).toStrictEqual([mine.id]);
    expect((await t.http.get(`${API}/webhooks`).set(bearer(keyB)).expect(200)).body.data.length).toBe(0);
    await t.http.get(`${API}/webhooks/${mine.id}`).set(bearer(t.adminToken)).expect(200);
    for (const token of [unscoped, sales.token, manager.token]) {
      await t.http.get(`${API}/webhooks`).set(bearer(token)).expect(403);
      await t.http
        .post(`${API}/webhooks`)
        .set(bearer(token))
        .send({ url: partner.url, eventTypes: ['a.b'] })
        .expect(403);
      await t.http.post(`${API}/webhooks/${mine.id}/secret/rotate`).set(bearer(token)).expect(403);
    }
    await t.http.get(`${API}/webhooks`).expect(401);
    await t.http
      .post(`${API}/webhooks/${mine.id}/replay`)
      .send({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' })
      .expect(401);
    await t.http.delete(`${API}/webhooks/${mine.id}`).set(bearer(keyA)).expect(204);
  }, 180_000);

  it('refuses at connection time an address the policy forbids, even when the row got past registration', async () => {
    // As if DNS had changed since registration: the row points somewhere private now.
    const {
      rows: [row],
    } = await t.db.query(
      `INSERT INTO webhook_endpoints (url, event_types, secret, created_by_type) VALUES ('http://169.254.169.254/latest/meta-data', '{metadata.*}', 'whsec_AAAA', 'system') RETURNING id`,
    );
    await emit('metadata.probe');
    const [delivery] = await waitFor(
      async () => {
        const deliveries = await deliveriesOf(row.id);
        return deliveries[0]?.attemptLog.length && deliveries;
      },
      10_000,
      'the refused attempt',
    );
    expect(delivery.attemptLog[0].statusCode).toBeNull();
    expect(delivery.attemptLog[0].error).toMatch(/169\.254\.169\.254.*private, loopback, link-local or reserved/);
    await t.db.query(`UPDATE webhook_endpoints SET active = false WHERE id = $1`, [row.id]);
  }, 180_000);
});

describe('webhook destinations without an allow-list', () => {
  let t: TestApp;
  let partner: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestApp({ PROCESS_ROLE: 'api' });
    partner = await new WebhookReceiver().start();
  }, 60_000);
  afterAll(async () => {
    await partner.close();
    await t.close();
  }, 60_000);

  for (const url of [
    'http://127.0.0.1:8080/hooks',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.5/hooks',
    'http://[::1]:8080/hooks',
    'http://localhost:8080/hooks',
    'http://0x7f000001/hooks',
  ]) {
    it(`refuses ${url}`, async () => {
      const response = await t.http
        .post(`${API}/webhooks`)
        .set(bearer(t.adminToken))
        .send({ url, eventTypes: ['customer.created'] })
        .expect(422);
      expect(response.body.type).toBe('/problems/forbidden-webhook-destination');
      expect(response.body.errors[0].field).toBe('url');
    }, 60_000);
  }

  it('refuses a host name that resolves to loopback when connecting, not only when registering', async () => {
    const port = new URL(partner.url).port;
    const result = await t.app
      .get(WebhookSender)
      .send({ url: `http://localhost:${port}/hooks`, headers: {}, body: '{}' });
    expect(result.statusCode).toBeNull();
    expect(result.error!).toMatch(/localhost resolves to .*(127\.0\.0\.1|::1)/);
    expect(partner.received.length + partner.rejected.length).toBe(0);
  }, 60_000);
});
