import { describe, expect, it } from '@jest/globals';
import { nominalRetrySpanMs, retryAfterMs, retryDelayMs } from './retry-schedule.js';

describe('webhook retry schedule', () => {
  const SECOND = 1_000;
  const HOUR = 3_600 * SECOND;

  it('triples the wait from the base and stops growing at a day', () => {
    const nominal = Array.from({ length: 11 }, (_, index) => retryDelayMs(index + 1, 10 * SECOND, () => 0.5));
    expect(nominal).toStrictEqual(
      [10, 30, 90, 270, 810, 2_430, 7_290, 21_870, 65_610, 86_400, 86_400].map((seconds) => seconds * SECOND),
    );
  });

  it('spreads retries by up to 20 % either way', () => {
    expect(retryDelayMs(3, 10 * SECOND, () => 0)).toBe(72 * SECOND);
    expect(retryDelayMs(3, 10 * SECOND, () => 1)).toBe(108 * SECOND);
  });

  it('spans about three days with the default 12 attempts', () => {
    const span = nominalRetrySpanMs(12, 10 * SECOND);
    expect(span > 72 * HOUR && span < 80 * HOUR).toBe(true);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  it('reads seconds and HTTP dates, at most a day, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 10:05:00 GMT', now)).toBe(0);
    expect(retryAfterMs('999999999', now)).toBe(24 * 3_600_000);
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});
