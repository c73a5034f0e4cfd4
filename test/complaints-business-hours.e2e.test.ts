import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { API, bearer, createUser, startTestApp, type TestApp } from './support/test-app.js';
import { customer } from './support/factories.js';

/**
 * The complaint clocks on a business calendar, end to end (issue 13: "a complaint filed Friday 17:30 is
 * due Monday"): the app runs office hours Mon–Fri 09:00–18:00 in Shanghai with the default targets
 * (acknowledge within 2 business hours, resolve within 24).
 */
describe('complaint deadlines in business hours', () => {
  let t: TestApp;
  let agent: Awaited<ReturnType<typeof createUser>>;
  let customerId: string;

  beforeAll(async () => {
    t = await startTestApp({ SERVICE_BUSINESS_HOURS: 'Mon-Fri 09:00-18:00', SERVICE_TIME_ZONE: 'Asia/Shanghai' });
    agent = await createUser(t, ['agent']);
    customerId = (await customer(t)).id;
  }, 120_000);
  afterAll(() => t?.close(), 120_000);

  /** The latest instant at `hh:mm` in Shanghai (UTC+8, no daylight saving) on a weekday (0 Sunday … 6 Saturday), not after now. */
  function latest(weekday: number, hours: number, minutes: number): Date {
    const at = new Date();
    at.setUTCHours(hours - 8, minutes, 0, 0);
    while (at.getTime() > Date.now() || new Date(at.getTime() + 8 * 3_600_000).getUTCDay() !== weekday)
      at.setUTCDate(at.getUTCDate() - 1);
    return at;
  }
  const later = (at: Date, days: number, shanghaiHours: number, minutes: number) => {
    const due = new Date(at.getTime() + days * 86_400_000 + 8 * 3_600_000);
    due.setUTCHours(shanghaiHours, minutes, 0, 0);
    return new Date(due.getTime() - 8 * 3_600_000).toISOString();
  };

  const file = async (receivedAt: Date) => {
    const response = await t.http
      .post(`${API}/complaints`)
      .set(bearer(agent.token))
      .send({ customerId, category: 'delivery', severity: 'normal', subject: '周五傍晚的投诉', receivedAt });
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 201 });
    return response.body as { acknowledgeBy: string; resolveBy: string; receivedAt: string };
  };

  it('gives a complaint filed on Friday at 17:30 until Monday 10:30 to be acknowledged and Wednesday 14:30 to be resolved', async () => {
    const friday = latest(5, 17, 30);
    const complaint = await file(friday);
    expect(complaint.receivedAt).toBe(friday.toISOString());
    // 30 minutes on Friday, 90 on Monday morning
    expect(complaint.acknowledgeBy).toBe(later(friday, 3, 10, 30));
    // 24 business hours: 0.5 on Friday, 9 on Monday, 9 on Tuesday, 5.5 on Wednesday
    expect(complaint.resolveBy).toBe(later(friday, 5, 14, 30));
  }, 60_000);

  it('starts the clocks of a complaint filed on Saturday on Monday at 09:00', async () => {
    const saturday = latest(6, 12, 0);
    const complaint = await file(saturday);
    expect(complaint.acknowledgeBy).toBe(later(saturday, 2, 11, 0));
    // 24 business hours from Monday 09:00: Monday, Tuesday, and 6 hours of Wednesday
    expect(complaint.resolveBy).toBe(later(saturday, 4, 15, 0));
  }, 60_000);
});
