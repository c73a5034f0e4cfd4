import { describe, expect, it } from '@jest/globals';
import { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import { compareServingOrder, deadlinesFor, priorityOf, type QueuedRequest, targetsIn } from './service-priority.js';

const clock = BusinessCalendar.aroundTheClock();
const now = new Date('2026-11-25T10:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const LONGEST = 2_880;

function request(
  id: string,
  receivedMinutesAgo: number,
  firstResponseMinutes: number,
  escalationLevel = 0,
): QueuedRequest {
  const receivedAt = minutesAgo(receivedMinutesAgo);
  const { respondBy } = deadlinesFor(
    receivedAt,
    { firstResponseMinutes, resolutionMinutes: firstResponseMinutes * 8, warningPercent: 80 },
    clock,
  );
  return { id, receivedAt, respondBy, escalationLevel };
}

const served = (...requests: QueuedRequest[]) => [...requests].sort(compareServingOrder).map((r) => r.id);

describe('the priority rule', () => {
  it('serves a VIP filed later before an ordinary customer filed earlier (the seed 004 story)', () => {
    const ordinary = request('ordinary', 60, 1_440); // 中, normal: respond within a day
    const vip = request('vip', 0, 240); // VIP, normal: respond within 4 hours
    expect(served(ordinary, vip)).toStrictEqual(['vip', 'ordinary']);
    expect(priorityOf(vip, now, LONGEST, clock)).toBeGreaterThan(priorityOf(ordinary, now, LONGEST, clock));
  });

  it('serves equal tier and severity in arrival order', () => {
    expect(served(request('third', 1, 240), request('first', 30, 240), request('second', 10, 240))).toStrictEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('lets a low-tier request that has waited long enough overtake a fresh VIP request of equal severity', () => {
    // Worked example from the README: 低 normal responds within 1,440 min, VIP normal within 240.
    // Fresh VIP: priority = (2,880 − 240) + 0 = 2,640. Low-tier after 1,201 min: (2,880 − 1,440) + 1,201 = 2,641.
    const freshVip = request('vip', 0, 240);
    expect(priorityOf(freshVip, now, LONGEST, clock)).toBe(2_640);
    expect(served(request('low', 1_199, 1_440), freshVip)).toStrictEqual(['vip', 'low']);
    const waitedLonger = request('low', 1_201, 1_440);
    expect(priorityOf(waitedLonger, now, LONGEST, clock)).toBe(2_641);
    expect(served(waitedLonger, freshVip)).toStrictEqual(['low', 'vip']);
  });

  it('gains one point per minute waited', () => {
    const r = request('r', 0, 480);
    const later = new Date(now.getTime() + 90 * 60_000);
    expect(priorityOf(r, later, LONGEST, clock) - priorityOf(r, now, LONGEST, clock)).toBe(90);
  });

  it('puts escalated requests before every request that is not', () => {
    expect(served(request('vip-critical', 0, 60), request('escalated', 5, 2_880, 1))).toStrictEqual([
      'escalated',
      'vip-critical',
    ]);
  });

  it('counts waiting in business minutes when business hours are set', () => {
    const calendar = BusinessCalendar.parse('Mon-Fri 09:00-18:00', 'UTC');
    const friday = new Date('2026-11-27T17:00:00Z');
    const { respondBy } = deadlinesFor(
      friday,
      { firstResponseMinutes: 120, resolutionMinutes: 480, warningPercent: 80 },
      calendar,
    );
    expect(respondBy.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    const saturday = new Date('2026-11-28T12:00:00Z');
    expect(priorityOf({ respondBy, escalationLevel: 0 }, saturday, 120, calendar)).toBe(60);
  });
});

describe('targetsIn', () => {
  const policy = (tier: string | null, severity: string, firstResponseMinutes: number) => ({
    tier,
    severity,
    firstResponseMinutes,
    resolutionMinutes: firstResponseMinutes * 8,
    warningPercent: 80,
  });
  const policies = [policy('VIP', 'critical', 60), policy(null, 'critical', 240), policy(null, 'normal', 1_440)];

  it("takes the tier's own policy for the severity", () => {
    expect(targetsIn(policies, 'VIP', 'critical').firstResponseMinutes).toBe(60);
  });

  it('falls back to the policy for any other tier, and for customers without a tier', () => {
    expect(targetsIn(policies, 'VIP', 'normal').firstResponseMinutes).toBe(1_440);
    expect(targetsIn(policies, '低', 'critical').firstResponseMinutes).toBe(240);
    expect(targetsIn(policies, null, 'critical').firstResponseMinutes).toBe(240);
  });

  it('refuses to guess when even the baseline is missing', () => {
    expect(() => targetsIn(policies, 'VIP', 'low')).toThrow(/no SLA policy for low requests/);
  });
});
