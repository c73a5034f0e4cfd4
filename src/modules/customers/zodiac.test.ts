import { describe, expect, it } from '@jest/globals';
import { zodiacOf } from './zodiac.js';

describe('zodiacOf', () => {
  const cases: [string, string, string][] = [
    ['2024-02-09', '兔', 'the eve of the 2024 lunar new year is still the Rabbit'],
    ['2024-02-10', '龙', 'the 2024 lunar new year starts the Dragon'],
    ['2024-01-01', '兔', '1 January is not the boundary'],
    ['2023-01-21', '虎', 'the eve of the 2023 lunar new year is still the Tiger'],
    ['2023-01-22', '兔', 'the 2023 lunar new year starts the Rabbit'],
    ['1990-01-26', '蛇', 'late January 1990 is still the Snake'],
    ['1990-01-27', '马', 'the 1990 lunar new year starts the Horse'],
    ['2000-02-04', '兔', 'the 2000 lunar new year falls on 5 February'],
    ['2000-02-05', '龙', 'the 2000 lunar new year is the Dragon'],
  ];
  for (const [date, animal, why] of cases) {
    it(`${date} is ${animal}: ${why}`, () => expect(zodiacOf(date)).toBe(animal));
  }
});

describe('zodiacOf against the full lunar conversion', () => {
  it('agrees on every day of 1949, 1984, 2024 and 2033', async () => {
    const { default: lunar } = await import('lunar-javascript');
    for (const year of [1949, 1984, 2024, 2033]) {
      for (
        let day = new Date(Date.UTC(year, 0, 1));
        day.getUTCFullYear() === year;
        day.setUTCDate(day.getUTCDate() + 1)
      ) {
        const date = day.toISOString().slice(0, 10);
        const expected = lunar.Solar.fromYmd(year, day.getUTCMonth() + 1, day.getUTCDate())
          .getLunar()
          .getYearShengXiao();
        expect([date, zodiacOf(date)]).toStrictEqual([date, expected]);
      }
    }
  });
});
