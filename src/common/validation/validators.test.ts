import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCalendarDate, isTimestamp } from './validators.js';

describe('isTimestamp', () => {
  for (const good of ['2026-11-24T08:00:00.000Z', '2026-11-24T08:00:00Z', '2026-11-24T16:00:00+08:00', '2026-11-24T08:00Z', '2026-11-24T08:00:00.123456Z']) {
    it(`accepts ${good}`, () => assert.equal(isTimestamp(good), true));
  }
  for (const bad of ['2026', '2026-W48', '20991231', '2026-11-24T08Z', '2026-11-24T08:00:00', '2026-02-30T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T08:00:00+99:00', 2026]) {
    it(`refuses ${bad}`, () => assert.equal(isTimestamp(bad), false));
  }
});

describe('isCalendarDate', () => {
  it('accepts a real date', () => assert.equal(isCalendarDate('2024-02-29'), true));
  for (const bad of ['2023-02-29', '1990-13-01', '1990-1-1', '1800-01-01', '']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(isCalendarDate(bad), false));
  }
});
