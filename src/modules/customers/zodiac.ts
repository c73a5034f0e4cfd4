import lunar from 'lunar-javascript';

export const ZODIAC_ANIMALS = ['鼠', '牛', '虎', '兔', '龙', '蛇', '马', '羊', '猴', '鸡', '狗', '猪'] as const;
export type ZodiacAnimal = (typeof ZODIAC_ANIMALS)[number];

/**
 * The Chinese zodiac (属相) of a birth date given as YYYY-MM-DD. The animal changes at the lunar
 * new year (春节), not on 1 January: someone born on 2024-02-09 is a Rabbit, on 2024-02-10 a Dragon.
 */
export function zodiacOf(birthDate: string): ZodiacAnimal {
  const [year, month, day] = birthDate.split('-').map(Number);
  return lunar.Solar.fromYmd(year, month, day).getLunar().getYearShengXiao() as ZodiacAnimal;
}
