import { describe, expect, it } from '@jest/globals';
import { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import { complaintAlarmJobId, complaintDeadlines, pendingComplaintAlarms, targetFor } from './complaint-clock.js';

const officeHours = BusinessCalendar.parse('Mon-Fri 09:00-18:00', 'Asia/Shanghai');
const defaults = { acknowledgeMinutes: 120, resolveMinutes: 1_440 };

describe('complaint clocks', () => {
  it('gives a complaint filed on Friday at 17:30 until Monday to be acknowledged', () => {
    // 2026-11-27 is a Friday; 17:30 in Shanghai is 09:30 UTC.
    const { acknowledgeBy, resolveBy } = complaintDeadlines(new Date('2026-11-27T09:30:00Z'), defaults, officeHours);
    // 30 minutes on Friday, 90 on Monday morning: Monday 10:30 in Shanghai.
    expect(acknowledgeBy.toISOString()).toBe('2026-11-30T02:30:00.000Z');
    // 24 business hours: 0.5 h Friday, 9 h Monday, 9 h Tuesday, 5.5 h Wednesday → Wednesday 14:30.
    expect(resolveBy.toISOString()).toBe('2026-12-02T06:30:00.000Z');
  });

  it.each([
    ['a weekday morning', '2026-11-24T01:00:00Z', '2026-11-24T03:00:00.000Z'], // Tue 09:00 → 11:00
    ['a Saturday', '2026-11-28T04:00:00Z', '2026-11-30T03:00:00.000Z'], // → Mon 11:00
    ['the evening before', '2026-11-23T12:00:00Z', '2026-11-24T03:00:00.000Z'], // Mon 20:00 → Tue 11:00
  ])('counts only business hours from %s', (_, receivedAt, acknowledgeBy) => {
    expect(complaintDeadlines(new Date(receivedAt), defaults, officeHours).acknowledgeBy.toISOString()).toBe(
      acknowledgeBy,
    );
  });

  it('moves the resolution deadline by the business minutes spent waiting on the customer', () => {
    const start = new Date('2026-11-24T01:00:00Z');
    const without = complaintDeadlines(start, defaults, officeHours).resolveBy;
    const withWait = complaintDeadlines(start, defaults, officeHours, 60).resolveBy;
    expect(officeHours.minutesBetween(without, withWait)).toBe(60);
  });

  it('takes the tier’s target, or the one for any other tier', () => {
    const targets = [
      { tier: 'VIP', severity: 'high', acknowledgeMinutes: 30, resolveMinutes: 480 },
      { tier: null, severity: 'high', acknowledgeMinutes: 120, resolveMinutes: 1_440 },
    ];
    expect(targetFor(targets, 'VIP', 'high')).toStrictEqual({ acknowledgeMinutes: 30, resolveMinutes: 480 });
    expect(targetFor(targets, '中', 'high')).toStrictEqual({ acknowledgeMinutes: 120, resolveMinutes: 1_440 });
    expect(targetFor(targets, null, 'high')).toStrictEqual({ acknowledgeMinutes: 120, resolveMinutes: 1_440 });
    expect(() => targetFor(targets, null, 'low')).toThrow(/severity low/);
  });

  it('schedules a warning at the configured share and the breach at the deadline, for the clocks that run', () => {
    const calendar = BusinessCalendar.aroundTheClock();
    const start = new Date('2026-11-24T00:00:00Z');
    const { acknowledgeBy, resolveBy } = complaintDeadlines(start, defaults, calendar);
    const complaint = { id: 'c1', slaStartedAt: start, pausedMinutes: 0, acknowledgeBy, resolveBy };
    const received = pendingComplaintAlarms({ ...complaint, status: 'received' }, defaults, 75, calendar);
    expect(received.map(({ job, at }) => [job.clock, job.stage, at.toISOString()])).toStrictEqual([
      ['acknowledgement', 'warning', '2026-11-24T01:30:00.000Z'],
      ['acknowledgement', 'breach', '2026-11-24T02:00:00.000Z'],
      ['resolution', 'warning', '2026-11-24T18:00:00.000Z'],
      ['resolution', 'breach', '2026-11-25T00:00:00.000Z'],
    ]);
    const investigating = pendingComplaintAlarms({ ...complaint, status: 'investigating' }, defaults, 75, calendar);
    expect(investigating.map(({ job }) => job.clock)).toStrictEqual(['resolution', 'resolution']);
    expect(
      pendingComplaintAlarms({ ...complaint, status: 'waiting_on_customer' }, defaults, 75, calendar),
    ).toStrictEqual([]);
    expect(complaintAlarmJobId(received[1].job)).toBe(`c1.acknowledgement.breach.${acknowledgeBy.getTime()}`);
  });
});
