import { describe, expect, it } from '@jest/globals';
import { BusinessCalendar } from './business-calendar.js';

const shanghai = BusinessCalendar.parse('Mon-Fri 09:00-18:00', 'Asia/Shanghai');
const at = (iso: string) => new Date(iso);

describe('BusinessCalendar', () => {
  it('counts around the clock when no hours are set', () => {
    const calendar = BusinessCalendar.aroundTheClock();
    expect(calendar.addMinutes(at('2026-11-27T23:30:00Z'), 90).toISOString()).toBe('2026-11-28T01:00:00.000Z');
    expect(calendar.minutesBetween(at('2026-11-27T23:30:00Z'), at('2026-11-28T01:00:00Z'))).toBe(90);
  });

  it('adds minutes within the same business day', () => {
    // Wednesday 10:00 in Shanghai is 02:00 UTC.
    expect(shanghai.addMinutes(at('2026-11-25T02:00:00Z'), 60).toISOString()).toBe('2026-11-25T03:00:00.000Z');
  });

  it('carries what is left of the day over to the next morning', () => {
    // Wednesday 17:00 + 2 h → Thursday 10:00 local (02:00 UTC).
    expect(shanghai.addMinutes(at('2026-11-25T09:00:00Z'), 120).toISOString()).toBe('2026-11-26T02:00:00.000Z');
  });

  it('starts the clock at opening time for a request received at night or at the weekend', () => {
    // Saturday 15:00 local + 60 min → Monday 10:00 local.
    expect(shanghai.addMinutes(at('2026-11-28T07:00:00Z'), 60).toISOString()).toBe('2026-11-30T02:00:00.000Z');
  });

  it('counts only open minutes between two moments, negative when reversed', () => {
    const fridayFive = at('2026-11-27T09:00:00Z');
    const mondayTen = at('2026-11-30T02:00:00Z');
    expect(shanghai.minutesBetween(fridayFive, mondayTen)).toBe(120);
    expect(shanghai.minutesBetween(mondayTen, fridayFive)).toBe(-120);
  });

  it('follows daylight saving time in zones that have it', () => {
    const berlin = BusinessCalendar.parse('Mon-Sun 09:00-17:00', 'Europe/Berlin');
    // 2026-03-29 clocks go forward: 09:00 local is 07:00 UTC that day, 08:00 UTC the day before.
    expect(berlin.addMinutes(at('2026-03-28T20:00:00Z'), 0).toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(berlin.addMinutes(at('2026-03-28T00:00:00Z'), 0).toISOString()).toBe('2026-03-28T08:00:00.000Z');
  });

  it('accepts several spans and single days', () => {
    const calendar = BusinessCalendar.parse('Mon-Fri 09:00-12:00; Mon-Fri 13:00-18:00; Sat 10:00-14:00', 'UTC');
    expect(calendar.addMinutes(at('2026-11-25T11:00:00Z'), 120).toISOString()).toBe('2026-11-25T14:00:00.000Z');
    expect(calendar.addMinutes(at('2026-11-27T17:00:00Z'), 120).toISOString()).toBe('2026-11-28T11:00:00.000Z');
  });

  it('counts overlapping spans once', () => {
    const calendar = BusinessCalendar.parse('Mon-Fri 09:00-18:00; Mon 12:00-20:00', 'UTC');
    expect(calendar.minutesBetween(at('2026-11-23T00:00:00Z'), at('2026-11-24T00:00:00Z'))).toBe(660);
  });

  it('reaches long targets in a sparse calendar, skipping whole weeks, and agrees with itself', () => {
    const saturdays = BusinessCalendar.parse('Sat 10:00-14:00', 'Asia/Shanghai');
    const start = at('2026-11-25T03:00:00Z');
    const due = saturdays.addMinutes(start, 259_200); // 1,080 Saturdays of 4 hours
    expect(due.toISOString()).toBe('2047-08-03T06:00:00.000Z'); // the 1,080th Saturday from 2026-11-28, 14:00 local
    expect(saturdays.minutesBetween(start, due)).toBe(259_200);
    for (const minutes of [1, 239, 240, 241, 5_000, 123_456]) {
      // ${minutes} minutes
      expect(shanghai.minutesBetween(start, shanghai.addMinutes(start, minutes))).toBe(minutes);
      // ${minutes} minutes on Saturdays
      expect(saturdays.minutesBetween(start, saturdays.addMinutes(start, minutes))).toBe(minutes);
    }
  });

  it('rejects specs and zones it cannot read', () => {
    expect(() => BusinessCalendar.parse('weekdays 9-6', 'UTC')).toThrow(/not like/);
    expect(() => BusinessCalendar.parse('Mon-Fri 18:00-09:00', 'UTC')).toThrow(/not a valid span/);
    expect(() => BusinessCalendar.parse('Mon-Fri 09:00-18:00', 'Mars/Olympus')).toThrow(/unknown time zone/);
  });
});
