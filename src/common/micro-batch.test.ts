import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatch } from './micro-batch.js';

describe('micro-batch', () => {
  it('runs calls made together as one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const double = new MicroBatch(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs.map((n) => n * 2);
    });
    assert.deepEqual(await Promise.all([1, 2, 3].map((n) => double.call(n))), [2, 4, 6]);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.equal(await double.call(5), 10);
    assert.equal(batches.length, 2);
  });

  it('splits at the maximum size', async () => {
    const sizes: number[] = [];
    const echo = new MicroBatch(async (inputs: number[]) => {
      sizes.push(inputs.length);
      return inputs;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => echo.call(n)));
    assert.deepEqual(sizes, [2, 2, 1]);
  });

  it('fails every caller of a failed batch', async () => {
    const broken = new MicroBatch(async () => {
      throw new Error('database down');
    });
    const results = await Promise.allSettled([broken.call(1), broken.call(2)]);
    assert.deepEqual(results.map((result) => result.status), ['rejected', 'rejected']);
  });
});
