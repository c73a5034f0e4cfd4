import { describe, expect, it } from '@jest/globals';
import { addDays, daysOfWeek, isWeekStart, localDateOf, localTimeOf, weekStartAt, weekStartOf } from './week.js';

describe('weeks in the sales time zone', () => {
  it.each([
    ['2026-12-07', '2026-12-07'], // a Monday
    ['2026-12-11', '2026-12-07'], // Friday
    ['2026-12-13', '2026-12-07'], // Sunday belongs to the week before
    ['2027-01-01', '2026-12-28'], // across the year end
    ['2028-02-29', '2028-02-28'], // leap day
  ])('the week of %s starts on %s', (day, monday) => {
    expect(weekStartOf(day)).toBe(monday);
    expect(isWeekStart(monday)).toBe(true);
  });

  it('reads the day in the time zone, not in UTC', () => {
    // Sunday 16:30 UTC is Monday 00:30 in Shanghai: already the new week there, still the old one in London.
    const instant = new Date('2026-12-13T16:30:00Z');
    expect(localDateOf(instant, 'Asia/Shanghai')).toBe('2026-12-14');
    expect(weekStartAt(instant, 'Asia/Shanghai')).toBe('2026-12-14');
    expect(weekStartAt(instant, 'Europe/London')).toBe('2026-12-07');
    expect(localTimeOf(instant, 'Asia/Shanghai')).toBe('00:30');
  });

  it('follows a daylight-saving zone across its change', () => {
    // New York: 2027-03-14 02:00 jumps to 03:00; 06:30 UTC is 01:30 EST on Sunday, 07:30 UTC is 03:30 EDT.
    expect(localTimeOf(new Date('2027-03-14T06:30:00Z'), 'America/New_York')).toBe('01:30');
    expect(localTimeOf(new Date('2027-03-14T07:30:00Z'), 'America/New_York')).toBe('03:30');
    expect(weekStartAt(new Date('2027-03-15T03:59:00Z'), 'America/New_York')).toBe('2027-03-08');
    expect(weekStartAt(new Date('2027-03-15T04:00:00Z'), 'America/New_York')).toBe('2027-03-15');
  });

  it('lists the days of a week and adds days across months', () => {
    expect(daysOfWeek('2026-12-28')).toStrictEqual([
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(isWeekStart('2026-12-08')).toBe(false);
  });
});
