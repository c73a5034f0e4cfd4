declare module 'lunar-javascript' {
  export interface Lunar {
    getYear(): number;
    getYearShengXiao(): string;
  }
  export const Solar: {
    fromYmd(year: number, month: number, day: number): { getLunar(): Lunar };
  };
}
