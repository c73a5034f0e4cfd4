import { expect } from '@jest/globals';
import { API, bearer, createApiKey, createUser, type TestApp } from './test-app.js';
import type { Behaviour, WebhookPartners, WebhookReceiver } from './webhook-receiver.js';

// Test data for end-to-end files, made through the API as a client would: one definition of each
// record's request instead of a copy per file. Each factory fails the test with the answer's body
// when the API refuses, so a broken fixture reads as such.

export type Fields = Record<string, unknown>;

function created<T>(response: { status: number; body: T }, status = 201): T {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  return response.body;
}

/** A staff user of the roles, logged in: { id, token, email }. */
export const userOfRoles = createUser;

/** A partner API key with the scopes (the key itself, shown once). */
export const apiKeyWithScopes = createApiKey;

/** An individual customer (organisation with `kind: 'organization'`), owned by the caller when a salesperson. */
export async function customer(
  t: TestApp,
  token = t.adminToken,
  fields: Fields = {},
): Promise<{ id: string; code: string }> {
  return created(
    await t.http
      .post(`${API}/customers`)
      .set(bearer(token))
      .send({ kind: 'individual', name: '测试客户', ...fields }),
  );
}

/** A purchase of a water purifier for `amount` CNY, paid by card. */
export async function purchase(
  t: TestApp,
  token: string,
  customerId: string,
  amount = '10.00',
  fields: Fields = {},
): Promise<{ id: string }> {
  return created(
    await t.http
      .post(`${API}/customers/${customerId}/purchases`)
      .set(bearer(token))
      .send({ product: '净水器', amount: { amount, currency: 'CNY' }, paymentMethod: 'card', ...fields }),
  );
}

/** A customer who has made one purchase per amount, in that order. */
export async function customerWithPurchases(
  t: TestApp,
  token: string,
  amounts: string[],
  fields: Fields = {},
): Promise<{ id: string; code: string; purchases: string[] }> {
  const made = await customer(t, token, fields);
  const purchases: string[] = [];
  for (const amount of amounts) purchases.push((await purchase(t, token, made.id, amount)).id);
  return { ...made, purchases };
}

/** A service request: a normal-severity repair of a leaking water purifier, unless the fields say otherwise. */
export async function serviceRequest(t: TestApp, token: string, customerId: string, fields: Fields = {}) {
  return created(
    await t.http
      .post(`${API}/service-requests`)
      .set(bearer(token))
      .send({ customerId, type: 'repair', severity: 'normal', subject: '净水器漏水', ...fields }),
  );
}

/** A partner's webhook receiver on loopback, registered as an endpoint for the event types, and closed by `partners.closeAll()`. */
export async function webhookReceiver(
  partners: WebhookPartners,
  eventTypes: string[],
  behaviour?: Behaviour,
): Promise<{ receiver: WebhookReceiver; endpoint: { id: string; secret: string; version: number } }> {
  const receiver = await partners.receiver(behaviour);
  return { receiver, endpoint: await partners.subscribe(receiver, eventTypes) };
}
