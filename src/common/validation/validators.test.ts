import { describe, expect, it } from '@jest/globals';
import { hasAtMostDecimalPlaces, isCalendarDate, isTimestamp } from './validators.js';

describe('isTimestamp', () => {
  for (const good of [
    '2026-11-24T08:00:00.000Z',
    '2026-11-24T08:00:00Z',
    '2026-11-24T16:00:00+08:00',
    '2026-11-24T08:00Z',
    '2026-11-24T08:00:00.123456Z',
  ]) {
    it(`accepts ${good}`, () => expect(isTimestamp(good)).toBe(true));
  }
  for (const bad of [
    '2026',
    '2026-W48',
    '20991231',
    '2026-11-24T08Z',
    '2026-11-24T08:00:00',
    '2026-02-30T00:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T08:00:00+99:00',
    2026,
  ]) {
    it(`refuses ${bad}`, () => expect(isTimestamp(bad)).toBe(false));
  }
});

describe('isCalendarDate', () => {
  it('accepts a real date', () => expect(isCalendarDate('2024-02-29')).toBe(true));
  for (const bad of ['2023-02-29', '1990-13-01', '1990-1-1', '1800-01-01', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(isCalendarDate(bad)).toBe(false));
  }
});

describe('hasAtMostDecimalPlaces', () => {
  for (const good of [0.05, 0.2, 1, 0.0001, 12.5]) {
    it(`accepts ${good} with up to 4 places`, () => expect(hasAtMostDecimalPlaces(good, 4)).toBe(true));
  }
  // class-validator's maxDecimalPlaces reads the places after a '.' in String(value), and throws on 1e-7.
  for (const bad of [0.00001, 1e-7, 5e-323, 0.12345, Number.NaN, Infinity, '0.1']) {
    it(`refuses ${String(bad)}`, () => expect(hasAtMostDecimalPlaces(bad, 4)).toBe(false));
  }
});
