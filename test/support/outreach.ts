import { expect } from '@jest/globals';
import { API, bearer, type TestApp } from './test-app.js';

// Outreach fixtures: customers reachable (or not) on chosen channels, in a time zone where it is now
// day or night (the gate's quiet hours would otherwise make a test depend on the hour it runs).

/** An `Etc/GMT±N` zone where the local hour now is between 10 and 17 (day) or 23 and 4 (night). */
export function zoneWhereItIs(when: 'day' | 'night', now = new Date()): string {
  for (let offset = -12; offset <= 14; offset += 1) {
    const hour = (now.getUTCHours() + offset + 24) % 24;
    const fits = when === 'day' ? hour >= 10 && hour <= 17 : hour >= 23 || hour <= 4;
    // Etc/GMT zones are named with the opposite sign: Etc/GMT-8 is UTC+8.
    if (fits) return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  }
  throw new Error('no zone fits');
}

/** The custom fields outreach reads (timeZone, wechatOpenId), defined once per app. */
export async function defineOutreachFields(t: TestApp): Promise<void> {
  for (const key of ['timeZone', 'wechatOpenId']) {
    const response = await t.http
      .post(`${API}/admin/custom-fields`)
      .set(bearer(t.adminToken))
      .send({ key, label: key, type: 'text' });
    expect(response.status).toBe(201);
  }
}

let counter = 0;

/**
 * A customer with an e-mail address and a mobile, consenting on the channels given (others withdrawn),
 * in a zone where it is day unless `timeZone` says otherwise.
 */
export async function reachableCustomer(
  t: TestApp,
  options: {
    consents?: Record<string, boolean>;
    marketingOptOut?: boolean;
    timeZone?: string;
    fields?: Record<string, unknown>;
  } = {},
): Promise<{ id: string; email: string; mobile: string }> {
  counter += 1;
  const email = `customer${counter}-${Date.now().toString(36)}@example.com`;
  const mobile = `+86139${String(Date.now() % 100_000).padStart(5, '0')}${String(counter).padStart(3, '0')}`;
  const created = await t.http
    .post(`${API}/customers`)
    .set(bearer(t.adminToken))
    .send({
      kind: 'individual',
      name: '李娜',
      gender: 'female',
      email,
      mobile,
      customFields: { timeZone: options.timeZone ?? zoneWhereItIs('day') },
      ...options.fields,
    });
  expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
  const consents = options.consents ?? { email: true, sms: true };
  const answer = await t.http
    .put(`${API}/customers/${created.body.id}/consents`)
    .set(bearer(t.adminToken))
    .send({
      channels: Object.entries(consents).map(([channel, optedIn]) => ({ channel, optedIn })),
      marketingOptOut: options.marketingOptOut ?? false,
      source: 'test',
    });
  expect(answer.status).toBe(200);
  return { id: created.body.id, email, mobile: created.body.mobile };
}
