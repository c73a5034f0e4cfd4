import { describe, expect, it } from '@jest/globals';
import {
  addComplaint,
  addTotals,
  blocksCovering,
  blockStart,
  type ComplaintFacts,
  dayNumber,
  emptyTotals,
  figuresOf,
} from './complaint-report-figures.js';

const facts = (fields: Partial<ComplaintFacts>): ComplaintFacts => ({
  day: '2026-11-30',
  rootCause: null,
  category: 'delivery',
  product: null,
  region: '上海',
  channel: 'hotline',
  acknowledgeMinutes: null,
  acknowledgedOnTime: null,
  resolveMinutes: null,
  resolvedOnTime: null,
  escalated: false,
  satisfaction: null,
  ...fields,
});

describe('the report’s figure totals', () => {
  it('compute the figures the SQL form computes, rounded alike', () => {
    const totals = emptyTotals();
    addComplaint(totals, facts({ acknowledgeMinutes: 60, acknowledgedOnTime: true, satisfaction: 1 }));
    addComplaint(
      totals,
      facts({
        acknowledgeMinutes: 70,
        acknowledgedOnTime: true,
        resolveMinutes: 400,
        resolvedOnTime: true,
        satisfaction: 2,
      }),
    );
    addComplaint(totals, facts({ acknowledgeMinutes: 150, acknowledgedOnTime: false, escalated: true }));
    addComplaint(totals, facts({}));
    expect(figuresOf('logistics.late_delivery', totals)).toEqual({
      key: 'logistics.late_delivery',
      count: 4,
      acknowledged: 3,
      medianAcknowledgeMinutes: 70,
      p90AcknowledgeMinutes: 134,
      acknowledgedWithinTarget: 0.6667,
      resolved: 1,
      medianResolveMinutes: 400,
      p90ResolveMinutes: 400,
      resolvedWithinTarget: 1,
      escalated: 1,
      averageSatisfaction: 1.5,
    });
    expect(figuresOf(null, emptyTotals())).toMatchObject({
      count: 0,
      medianAcknowledgeMinutes: null,
      acknowledgedWithinTarget: null,
      averageSatisfaction: null,
    });
  });

  it('add up, and take a stale day out again', () => {
    const a = emptyTotals();
    addComplaint(a, facts({ acknowledgeMinutes: 5, acknowledgedOnTime: true }));
    const b = emptyTotals();
    addComplaint(b, facts({ acknowledgeMinutes: 500, acknowledgedOnTime: false, escalated: true }));
    const sum = emptyTotals();
    addTotals(sum, a);
    addTotals(sum, b);
    expect(figuresOf(null, sum)).toMatchObject({ count: 2, escalated: 1, acknowledgedWithinTarget: 0.5 });
    addTotals(sum, b, -1);
    expect(sum).toEqual(a);
  });
});

describe('the rollup’s blocks', () => {
  it('cover a period exactly, with no overlap, in few blocks', () => {
    for (const [from, to] of [
      ['2026-01-01', '2026-12-31'],
      ['2025-12-02', '2026-12-01'],
      ['2026-11-30', '2026-11-30'],
      ['2026-02-27', '2026-03-02'],
    ]) {
      const blocks = blocksCovering(from, to);
      let next = dayNumber(from);
      for (const { level, start } of blocks) {
        expect(dayNumber(start)).toBe(next);
        expect(dayNumber(start) % 2 ** level).toBe(0);
        next += 2 ** level;
      }
      expect(next).toBe(dayNumber(to) + 1);
      expect(blocks.length).toBeLessThanOrEqual(18);
    }
  });

  it('finds the block of each level that holds a day', () => {
    expect(blockStart('2026-11-30', 0)).toBe('2026-11-30');
    for (let level = 1; level <= 9; level += 1) {
      const start = dayNumber(blockStart('2026-11-30', level));
      expect(start % 2 ** level).toBe(0);
      expect(dayNumber('2026-11-30') - start).toBeLessThan(2 ** level);
    }
  });
});
