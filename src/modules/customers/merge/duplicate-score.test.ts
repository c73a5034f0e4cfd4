import { describe, expect, it } from '@jest/globals';
import { DUPLICATE_THRESHOLD, scoreDuplicate } from './duplicate-score.js';

const none = { samePhone: false, sameEmail: false, sameBirthDate: false, nameSimilarity: 0 };

describe('scoreDuplicate', () => {
  it.each([
    ['the same phone and name', { ...none, samePhone: true, nameSimilarity: 1 }, 80, ['phone', 'name']],
    ['the same e-mail only', { ...none, sameEmail: true }, 40, ['email']],
    ['the same name only', { ...none, nameSimilarity: 1 }, 30, ['name']],
    ['names 60% alike', { ...none, nameSimilarity: 0.6 }, 18, ['name']],
    ['names less than half alike', { ...none, nameSimilarity: 0.4 }, 0, []],
    ['a birthday alone', { ...none, sameBirthDate: true }, 0, []],
    ['a birthday beside an e-mail', { ...none, sameEmail: true, sameBirthDate: true }, 50, ['email', 'birthDate']],
    [
      'everything',
      { samePhone: true, sameEmail: true, sameBirthDate: true, nameSimilarity: 1 },
      100,
      ['phone', 'email', 'name', 'birthDate'],
    ],
  ])('scores %s', (_name, pair, score, fields) => {
    const result = scoreDuplicate(pair);
    expect(result.score).toBe(score);
    expect(result.reasons.map((reason) => reason.field)).toStrictEqual(fields);
  });

  it('counts a name alike on its own as a candidate, a partly alike name not', () => {
    expect(scoreDuplicate({ ...none, nameSimilarity: 1 }).score).toBeGreaterThanOrEqual(DUPLICATE_THRESHOLD);
    expect(scoreDuplicate({ ...none, nameSimilarity: 0.7 }).score).toBeLessThan(DUPLICATE_THRESHOLD);
  });
});
