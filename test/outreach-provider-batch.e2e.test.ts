import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { API, bearer, createUser, startTestApp, waitFor, type TestApp } from './support/test-app.js';
import { type LocalProvider, startLocalProvider } from './support/message-sinks.js';
import { defineOutreachFields, reachableCustomer } from './support/outreach.js';

/**
 * SMS through the provider's batch API (SMS_PROVIDER_BATCH_SIZE): a campaign's messages go to the
 * local provider in requests of at most three, each message answered on its own — accepted, refused
 * for good, or rate-limited and retried (the job's retry sends only that one again: every reference
 * is accepted once) — and a batch answered 503 as a whole is retried whole.
 */
describe('outreach: SMS through a provider batch API', () => {
  let t: TestApp;
  let provider: LocalProvider;
  let marketing: string;

  beforeAll(async () => {
    provider = await startLocalProvider();
    t = await startTestApp({
      SMS_PROVIDER_URL: provider.url,
      SMS_PROVIDER_BATCH_SIZE: '3',
      OUTREACH_DISPATCH_INTERVAL_MS: '100',
    });
    await defineOutreachFields(t);
    marketing = (await createUser(t, ['marketing'])).token;
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  /** Launches an SMS campaign to the customers of a new region; answers its id. */
  const campaignTo = async (region: string) => {
    const segment = await t.http
      .post(`${API}/segments`)
      .set(bearer(marketing))
      .send({ name: region, filter: { regions: [region] } })
      .expect(201);
    const campaign = await t.http
      .post(`${API}/campaigns`)
      .set(bearer(marketing))
      .send({ name: region, segmentId: segment.body.id, channels: ['sms'], subject: '', body: '{{ name }}，会员日' })
      .expect(201);
    await t.http.post(`${API}/campaigns/${campaign.body.id}/launch`).set(bearer(marketing)).expect(202);
    return campaign.body.id as string;
  };
  const messagesOf = async (campaignId: string) =>
    (await t.http.get(`${API}/outreach/messages?campaignId=${campaignId}&limit=100`).set(bearer(marketing)).expect(200))
      .body.data as { id: string; customerId: string; status: string; reason: string | null; error: string | null }[];
  /** The campaign's messages once `count` of them have left `pending` and `queued` for good. */
  const settled = (campaignId: string, count: number) =>
    waitFor(
      async () => {
        const messages = await messagesOf(campaignId);
        const done = messages.filter((message) => !['pending', 'queued'].includes(message.status));
        return messages.length === count && done.length === count ? messages : undefined;
      },
      60_000,
      `the ${count} messages of campaign ${campaignId} sent, failed or suppressed`,
    );

  it('sends in batches, answering each message on its own: accepted, refused, rate-limited and retried', async () => {
    const region = `batch-${randomBytes(4).toString('hex')}`;
    const accepting = [];
    for (let i = 0; i < 4; i += 1)
      accepting.push(await reachableCustomer(t, { consents: { sms: true }, fields: { region } }));
    const refused = await reachableCustomer(t, { consents: { sms: true }, fields: { region } });
    const slowed = await reachableCustomer(t, { consents: { sms: true }, fields: { region } });
    const optedOut = await reachableCustomer(t, { consents: { sms: true }, marketingOptOut: true, fields: { region } });
    provider.behaviour.set(refused.mobile, 'reject');
    provider.behaviour.set(slowed.mobile, 'rate-limit-once');

    const campaignId = await campaignTo(region);
    const messages = await settled(campaignId, 7);
    const statusOf = (customerId: string) => messages.find((message) => message.customerId === customerId)!;
    for (const customer of [...accepting, slowed]) expect(statusOf(customer.id).status).toBe('sent');
    expect(statusOf(refused.id)).toMatchObject({ status: 'failed' });
    expect(statusOf(refused.id).error).toContain('400');
    expect(statusOf(optedOut.id)).toMatchObject({ status: 'suppressed', reason: 'marketing-opt-out' });

    const mobiles = new Set([...accepting, refused, slowed, optedOut].map((customer) => customer.mobile));
    const ours = <T extends { to: string }>(list: T[]) => list.filter((each) => mobiles.has(each.to));
    // Every message went in a batch request of at most three, none by the single endpoint.
    const batched = provider.batches.map((batch) => ours(batch)).filter((batch) => batch.length > 0);
    expect(batched.flat()).toHaveLength(ours(provider.requests).length);
    expect(Math.max(...batched.map((batch) => batch.length))).toBeLessThanOrEqual(3);
    expect(batched.some((batch) => batch.length > 1)).toBe(true);
    // Asked twice for the rate-limited one (its job's retry), once for each other; accepted once each.
    const asked = (mobile: string) => ours(provider.requests).filter((request) => request.to === mobile).length;
    expect(asked(slowed.mobile)).toBe(2);
    for (const customer of [...accepting, refused]) expect(asked(customer.mobile)).toBe(1);
    expect(asked(optedOut.mobile)).toBe(0);
    const accepted = ours(provider.accepted).map((request) => request.reference);
    expect(accepted.sort()).toStrictEqual([...accepting, slowed].map((customer) => statusOf(customer.id).id).sort());
    // The provider's id of each, from its own result in the batch answer.
    const { rows } = await t.db.query(
      `SELECT id, provider_message_id FROM outreach_messages WHERE campaign_id = $1 AND status = 'sent'`,
      [campaignId],
    );
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.provider_message_id).toBe(provider.providerIds.get(row.id));
  });

  it('retries a batch the provider answers 503 as a whole, and sends each message once', async () => {
    const region = `batch-${randomBytes(4).toString('hex')}`;
    const customers = [];
    for (let i = 0; i < 2; i += 1)
      customers.push(await reachableCustomer(t, { consents: { sms: true }, fields: { region } }));
    provider.unavailableBatches = 1;
    const campaignId = await campaignTo(region);
    const messages = await settled(campaignId, 2);
    expect(messages.map((message) => message.status)).toStrictEqual(['sent', 'sent']);
    expect(provider.unavailableBatches).toBe(0);
    const references = provider.accepted.map((request) => request.reference);
    for (const message of messages) expect(references.filter((reference) => reference === message.id)).toHaveLength(1);
  });
});
