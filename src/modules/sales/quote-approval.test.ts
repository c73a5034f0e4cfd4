import { describe, expect, it } from '@jest/globals';
import { approverNeeded, discountLimitOf } from './quote-approval.js';

const limits = { sales: 10, manager: 25 };

describe('quote approval', () => {
  it.each([
    [['sales'], 10],
    [['manager'], 25],
    [['sales', 'manager'], 25],
    [['admin'], 100],
  ])('gives %j a discount limit of %d', (roles, limit) => {
    expect(discountLimitOf(roles, limits)).toBe(limit);
  });

  it.each([
    [0, 10, null],
    [10, 10, null],
    [10.01, 10, 'manager'],
    [25, 10, 'manager'],
    [25.5, 10, 'admin'],
    [25.5, 25, 'admin'],
    [40, 100, null],
  ])('a largest discount of %d% against a limit of %d% needs %s', (discount, own, approver) => {
    expect(approverNeeded(discount, own, limits)).toBe(approver);
  });
});
