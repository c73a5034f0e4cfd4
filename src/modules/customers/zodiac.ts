import lunar from 'lunar-javascript';

export const ZODIAC_ANIMALS = ['鼠', '牛', '虎', '兔', '龙', '蛇', '马', '羊', '猴', '鸡', '狗', '猪'] as const;
export type ZodiacAnimal = (typeof ZODIAC_ANIMALS)[number];

// The solar date (YYYY-MM-DD) of each year's lunar new year, computed once per year: the full lunar
// conversion costs about 1.5 ms, which a CSV import of a million birth dates cannot pay per row.
const lunarNewYears = new Map<number, string>();

function lunarNewYear(year: number): string {
  let date = lunarNewYears.get(year);
  if (date === undefined) {
    date = lunar.Lunar.fromYmd(year, 1, 1).getSolar().toYmd();
    lunarNewYears.set(year, date);
  }
  return date;
}

/**
 * The Chinese zodiac (属相) of a birth date given as YYYY-MM-DD. The animal changes at the lunar
 * new year (春节), not on 1 January: someone born on 2024-02-09 is a Rabbit, on 2024-02-10 a Dragon.
 */
export function zodiacOf(birthDate: string): ZodiacAnimal {
  const year = Number(birthDate.slice(0, 4));
  const lunarYear = birthDate >= lunarNewYear(year) ? year : year - 1;
  return ZODIAC_ANIMALS[(((lunarYear - 4) % 12) + 12) % 12];
}
