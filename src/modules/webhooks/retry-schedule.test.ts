import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nominalRetrySpanMs, retryDelayMs } from './retry-schedule.js';

describe('webhook retry schedule', () => {
  const SECOND = 1_000;
  const HOUR = 3_600 * SECOND;

  it('triples the wait from the base and stops growing at a day', () => {
    const nominal = Array.from({ length: 11 }, (_, index) => retryDelayMs(index + 1, 10 * SECOND, () => 0.5));
    assert.deepEqual(nominal, [10, 30, 90, 270, 810, 2_430, 7_290, 21_870, 65_610, 86_400, 86_400].map((seconds) => seconds * SECOND));
  });

  it('spreads retries by up to 20 % either way', () => {
    assert.equal(retryDelayMs(3, 10 * SECOND, () => 0), 72 * SECOND);
    assert.equal(retryDelayMs(3, 10 * SECOND, () => 1), 108 * SECOND);
  });

  it('spans about three days with the default 12 attempts', () => {
    const span = nominalRetrySpanMs(12, 10 * SECOND);
    assert.ok(span > 72 * HOUR && span < 80 * HOUR, `${span / HOUR} h`);
  });
});
