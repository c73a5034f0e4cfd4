import { describe, expect, it } from '@jest/globals';
import { type EntrySnapshot, planChanges } from './plan-changes.js';

const entry = (id: string, day: string, position: number, fields: Partial<EntrySnapshot> = {}): EntrySnapshot => ({
  id,
  day,
  position,
  kind: 'visit',
  customerId: `c-${id}`,
  purpose: '拜访',
  startsAt: null,
  endsAt: null,
  placeAddress: null,
  ...fields,
});

describe('plan changes', () => {
  it('sees no change between equal plans', () => {
    const plan = [entry('a', '2026-12-07', 0), entry('b', '2026-12-07', 1)];
    expect(
      planChanges(
        plan,
        plan.map((e) => ({ ...e })),
      ),
    ).toStrictEqual([]);
  });

  it('reports an insertion first as an addition only, not as the others moving', () => {
    const before = [entry('a', '2026-12-07', 0), entry('b', '2026-12-07', 1)];
    const after = [entry('x', '2026-12-07', 0), entry('a', '2026-12-07', 1), entry('b', '2026-12-07', 2)];
    expect(planChanges(before, after)).toStrictEqual([{ change: 'added', entry: after[0] }]);
  });

  it('reports a reorder as moves of the entries whose rank changed', () => {
    const before = [entry('a', '2026-12-07', 0), entry('b', '2026-12-07', 1), entry('c', '2026-12-07', 2)];
    const after = [entry('c', '2026-12-07', 0), entry('a', '2026-12-07', 1), entry('b', '2026-12-07', 2)];
    expect(planChanges(before, after).map((change) => change.change === 'moved' && change.entryId)).toStrictEqual([
      'c',
      'a',
      'b',
    ]);
  });

  it('reports a move to another day, an edit and a removal', () => {
    const before = [entry('a', '2026-12-07', 0), entry('b', '2026-12-08', 0), entry('c', '2026-12-09', 0)];
    const after = [
      entry('a', '2026-12-10', 0),
      entry('b', '2026-12-08', 0, { purpose: '处理缺陷投诉', startsAt: '09:00' }),
    ];
    expect(planChanges(before, after)).toStrictEqual([
      {
        change: 'moved',
        entryId: 'a',
        from: { day: '2026-12-07', position: 0 },
        to: { day: '2026-12-10', position: 0 },
      },
      { change: 'edited', entryId: 'b', fields: ['purpose', 'startsAt'] },
      { change: 'removed', entry: before[2] },
    ]);
  });
});
