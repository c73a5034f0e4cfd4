import { describe, expect, it } from '@jest/globals';
import { settleAll } from './settle-all.js';

describe('settleAll', () => {
  it('answers every result in order', async () => {
    await expect(
      settleAll([Promise.resolve(1), new Promise((resolve) => setTimeout(() => resolve(2), 5))]),
    ).resolves.toEqual([1, 2]);
  });

  it('rejects with the first failure only after the slower work has finished', async () => {
    let slowFinished = false;
    const slow = new Promise<number>((resolve) =>
      setTimeout(() => {
        slowFinished = true;
        resolve(2);
      }, 30),
    );
    await expect(settleAll([Promise.reject(new Error('part 0 failed')), slow])).rejects.toThrow('part 0 failed');
    expect(slowFinished).toBe(true);
  });
});
