declare module 'lunar-javascript' {
  export interface Lunar {
    getYear(): number;
    getYearShengXiao(): string;
  }
  export const Lunar: {
    fromYmd(year: number, month: number, day: number): { getSolar(): { toYmd(): string } };
  };
  export const Solar: {
    fromYmd(year: number, month: number, day: number): { getLunar(): Lunar };
  };
}
