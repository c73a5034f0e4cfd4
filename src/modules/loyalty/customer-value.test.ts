import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { nextSteps, rfmScore, rfmScoreSql } from './customer-value.js';

describe('rfmScore', () => {
  const cases: [string, { daysSinceLastPurchase: number | null; frequency: number; monetary: number }, number][] = [
    ['no purchases in the window', { daysSinceLastPurchase: null, frequency: 0, monetary: 0 }, 0],
    ['one small purchase today', { daysSinceLastPurchase: 0, frequency: 1, monetary: 100 }, 7],
    ['a loyal big spender', { daysSinceLastPurchase: 10, frequency: 12, monetary: 20_000 }, 15],
    [
      'a big spender gone quiet for a year and a half',
      { daysSinceLastPurchase: 540, frequency: 12, monetary: 20_000 },
      11,
    ],
    ['exactly on the band edges', { daysSinceLastPurchase: 30, frequency: 2, monetary: 500 }, 9],
    ['just past them', { daysSinceLastPurchase: 31, frequency: 1, monetary: 499.99 }, 6],
  ];
  for (const [what, stats, score] of cases) it(`scores ${what} ${score}`, () => expect(rfmScore(stats)).toBe(score));
});

describe('rfmScoreSql', () => {
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  beforeAll(() => client.connect());
  afterAll(() => client.end());

  it('gives the same scores as rfmScore in Postgres', async () => {
    for (const [days, frequency, monetary] of [
      [0, 1, 100],
      [10, 12, 20000],
      [540, 12, 20000],
      [30, 2, 500],
      [31, 1, 499.99],
      [200, 5, 3000],
    ]) {
      const { rows } = await client.query(`SELECT ${rfmScoreSql('$1::int', '$2::int', '$3::numeric')} AS score`, [
        days,
        frequency,
        monetary,
      ]);
      expect(rows[0].score).toBe(rfmScore({ daysSinceLastPurchase: days, frequency, monetary }));
    }
  });
});

describe('nextSteps', () => {
  it('names the spending and purchases to the next bands', () =>
    expect(nextSteps({ daysSinceLastPurchase: 3, frequency: 3, monetary: 1500.5 })).toStrictEqual({
      spend: '499.50',
      purchases: 1,
    }));
  it('has nothing to add at the top bands', () =>
    expect(nextSteps({ daysSinceLastPurchase: 3, frequency: 12, monetary: 20000 })).toStrictEqual({
      spend: null,
      purchases: null,
    }));
});
