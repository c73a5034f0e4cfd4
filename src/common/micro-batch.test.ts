import { describe, expect, it } from '@jest/globals';
import { MicroBatch } from './micro-batch.js';

describe('micro-batch', () => {
  it('runs calls made together as one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const double = new MicroBatch(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => double.call(n)))).toStrictEqual([2, 4, 6]);
    expect(batches).toStrictEqual([[1, 2, 3]]);
    expect(await double.call(5)).toBe(10);
    expect(batches).toHaveLength(2);
  });

  it('splits at the maximum size', async () => {
    const sizes: number[] = [];
    const echo = new MicroBatch(async (inputs: number[]) => {
      sizes.push(inputs.length);
      return inputs;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => echo.call(n)));
    expect(sizes).toStrictEqual([2, 2, 1]);
  });

  it('fails every caller of a failed batch', async () => {
    const broken = new MicroBatch(async () => {
      throw new Error('database down');
    });
    const results = await Promise.allSettled([broken.call(1), broken.call(2)]);
    expect(results.map((result) => result.status)).toStrictEqual(['rejected', 'rejected']);
  });

  it('with one batch in flight, gathers the calls made while it runs into the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const serial = new MicroBatch(
      async (inputs: number[]) => {
        batches.push(inputs);
        if (batches.length === 1) await first;
        return inputs;
      },
      200,
      1,
    );
    const running = serial.call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = [2, 3, 4].map((n) => serial.call(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toStrictEqual([[1]]); // 2, 3 and 4 wait for the batch in flight
    release();
    expect(await Promise.all([running, ...waiting])).toStrictEqual([1, 2, 3, 4]);
    expect(batches).toStrictEqual([[1], [2, 3, 4]]);
  });
});
