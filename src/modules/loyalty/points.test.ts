import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointsForAmount, reversalFor } from './points.js';

describe('pointsForAmount', () => {
  const cases: [string, number, number][] = [
    ['199.99', 1, 199],
    ['0.99', 1, 0],
    ['1000.00', 2, 2000],
    ['999999999999.99', 1, 999_999_999_999],
    ['50.00', 0, 0],
  ];
  for (const [amount, rate, points] of cases) it(`${amount} at ${rate}/unit earns ${points}`, () => assert.equal(pointsForAmount(amount, rate), points));
  it('multiplies by the tier, rounding down', () => assert.equal(pointsForAmount('199.99', 1, '1.50'), 298));
  it('multiplies by a whole multiplier', () => assert.equal(pointsForAmount('100.00', 2, '2'), 400));
  it('multiplies by a one-decimal multiplier', () => assert.equal(pointsForAmount('10.00', 1, '1.2'), 12));
});

describe('reversalFor', () => {
  it('takes back everything a refunded purchase earned when the points are still there', () => assert.deepEqual(reversalFor(100, 250), { reversed: 100, writtenOff: 0 }));
  it('takes back only what is left when some were spent, writing off the rest', () => assert.deepEqual(reversalFor(100, 30), { reversed: 30, writtenOff: 70 }));
  it('takes nothing from an empty balance', () => assert.deepEqual(reversalFor(100, 0), { reversed: 0, writtenOff: 100 }));
});
