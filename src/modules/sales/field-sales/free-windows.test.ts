import { describe, expect, it } from '@jest/globals';
import { freeWindows } from './free-windows.js';

const DAY = { from: '08:30', to: '17:30' };

describe('free windows of a working day', () => {
  it('is the whole day when nothing is timed', () => {
    expect(freeWindows([{ startsAt: null, endsAt: null }], DAY)).toStrictEqual([DAY]);
  });

  it('leaves the gaps between visits, merging overlaps and ignoring what lies outside the day', () => {
    expect(
      freeWindows(
        [
          { startsAt: '13:00:00', endsAt: '14:00:00' },
          { startsAt: '07:00', endsAt: '09:00' },
          { startsAt: '10:00', endsAt: '11:30' },
          { startsAt: '11:00', endsAt: '12:00' },
          { startsAt: '17:00', endsAt: '19:00' },
        ],
        DAY,
      ),
    ).toStrictEqual([
      { from: '09:00', to: '10:00' },
      { from: '12:00', to: '13:00' },
      { from: '14:00', to: '17:00' },
    ]);
  });

  it('is nothing when the day is full', () => {
    expect(freeWindows([{ startsAt: '08:00', endsAt: '18:00' }], DAY)).toStrictEqual([]);
  });
});
