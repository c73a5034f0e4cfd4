import { describe, expect, it } from '@jest/globals';
import { onTime, planVersusActual, type VisitFacts, visitOutcome } from './plan-versus-actual.js';

const visit = (fields: Partial<VisitFacts>): VisitFacts => ({
  ownerId: 'u1',
  weekStart: '2026-12-07',
  day: '2026-12-08',
  planned: true,
  status: 'planned',
  checkedInDay: null,
  checkedInTime: null,
  endsAt: null,
  ...fields,
});
const TODAY = '2026-12-10';

describe('plan versus actual', () => {
  it.each([
    ['checked in', visit({ checkedInDay: '2026-12-08', checkedInTime: '10:00', status: 'done' }), 'done'],
    ['marked skipped, day ahead', visit({ day: '2026-12-11', status: 'skipped' }), 'skipped'],
    ['day passed without check-in', visit({ day: '2026-12-09' }), 'skipped'],
    ['today, not yet', visit({ day: TODAY }), 'pending'],
    ['not planned', visit({ planned: false, checkedInDay: '2026-12-08' }), 'unplanned'],
  ])('%s → %s', (_what, facts, outcome) => expect(visitOutcome(facts, TODAY)).toBe(outcome));

  it.each([
    ['no window, same day', visit({ checkedInDay: '2026-12-08', checkedInTime: '17:00' }), true],
    ['inside the window', visit({ checkedInDay: '2026-12-08', checkedInTime: '10:59', endsAt: '11:00:00' }), true],
    ['at the end', visit({ checkedInDay: '2026-12-08', checkedInTime: '11:00', endsAt: '11:00' }), true],
    ['after the end', visit({ checkedInDay: '2026-12-08', checkedInTime: '11:01', endsAt: '11:00' }), false],
    ['another day', visit({ checkedInDay: '2026-12-09', checkedInTime: '09:00' }), false],
  ])('on time: %s', (_what, facts, expected) => expect(onTime(facts)).toBe(expected));

  it('counts per salesperson and week, with the on-time share of the done visits', () => {
    const rows = planVersusActual(
      [
        visit({ checkedInDay: '2026-12-08', checkedInTime: '09:30', endsAt: '10:00' }),
        visit({ checkedInDay: '2026-12-08', checkedInTime: '10:30', endsAt: '10:00' }),
        visit({ checkedInDay: '2026-12-08', checkedInTime: '14:00' }),
        visit({ day: '2026-12-09' }),
        visit({ day: '2026-12-11' }),
        visit({ planned: false, checkedInDay: '2026-12-09', checkedInTime: '15:00' }),
        visit({ ownerId: 'u2', weekStart: '2026-11-30', day: '2026-12-01' }),
      ],
      TODAY,
    );
    expect(rows).toStrictEqual([
      {
        ownerId: 'u1',
        weekStart: '2026-12-07',
        planned: 5,
        done: 3,
        skipped: 1,
        pending: 1,
        unplanned: 1,
        onTimeShare: 0.667,
      },
      {
        ownerId: 'u2',
        weekStart: '2026-11-30',
        planned: 1,
        done: 0,
        skipped: 1,
        pending: 0,
        unplanned: 0,
        onTimeShare: null,
      },
    ]);
  });
});
