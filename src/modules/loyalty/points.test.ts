import { describe, expect, it } from '@jest/globals';
import { pointsForAmount, reversalFor } from './points.js';

describe('pointsForAmount', () => {
  const cases: [string, number, number][] = [
    ['199.99', 1, 199],
    ['0.99', 1, 0],
    ['1000.00', 2, 2000],
    ['999999999999.99', 1, 999_999_999_999],
    ['50.00', 0, 0],
  ];
  for (const [amount, rate, points] of cases)
    it(`${amount} at ${rate}/unit earns ${points}`, () => expect(pointsForAmount(amount, rate)).toBe(points));
  it('multiplies by the tier, rounding down', () => expect(pointsForAmount('199.99', 1, '1.50')).toBe(298));
  it('multiplies by a whole multiplier', () => expect(pointsForAmount('100.00', 2, '2')).toBe(400));
  it('multiplies by a one-decimal multiplier', () => expect(pointsForAmount('10.00', 1, '1.2')).toBe(12));
});

describe('reversalFor', () => {
  it('takes back everything a refunded purchase earned when the points are still there', () =>
    expect(reversalFor(100, 250)).toStrictEqual({ reversed: 100, writtenOff: 0 }));
  it('takes back only what is left when some were spent, writing off the rest', () =>
    expect(reversalFor(100, 30)).toStrictEqual({ reversed: 30, writtenOff: 70 }));
  it('takes nothing from an empty balance', () =>
    expect(reversalFor(100, 0)).toStrictEqual({ reversed: 0, writtenOff: 100 }));
});
