import { describe, expect, it } from '@jest/globals';
import { isCalendarDate, isTimestamp } from './validators.js';

describe('isTimestamp', () => {
  for (const good of ['2026-11-24T08:00:00.000Z', '2026-11-24T08:00:00Z', '2026-11-24T16:00:00+08:00', '2026-11-24T08:00Z', '2026-11-24T08:00:00.123456Z']) {
    it(`accepts ${good}`, () => expect(isTimestamp(good)).toBe(true));
  }
  for (const bad of ['2026', '2026-W48', '20991231', '2026-11-24T08Z', '2026-11-24T08:00:00', '2026-02-30T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T08:00:00+99:00', 2026]) {
    it(`refuses ${bad}`, () => expect(isTimestamp(bad)).toBe(false));
  }
});

describe('isCalendarDate', () => {
  it('accepts a real date', () => expect(isCalendarDate('2024-02-29')).toBe(true));
  for (const bad of ['2023-02-29', '1990-13-01', '1990-1-1', '1800-01-01', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(isCalendarDate(bad)).toBe(false));
  }
});
