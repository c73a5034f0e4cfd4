import { describe, expect, it } from '@jest/globals';
import { FreshRead } from './fresh-read.js';

describe('fresh read', () => {
  /** A source whose reads take place at the times given, one after the other. */
  const source = (times: number[]) => {
    const reads: number[] = [];
    const fresh = new FreshRead(async () => {
      const readAt = times[reads.length];
      reads.push(readAt);
      await new Promise((resolve) => setImmediate(resolve));
      return { value: `read at ${readAt}`, readAt: new Date(readAt) };
    });
    return { fresh, reads };
  };

  it('serves events that occurred before the last read from it, and reads again for a later one', async () => {
    const { fresh, reads } = source([1_000, 2_000]);
    expect(await fresh.since(new Date(900))).toBe('read at 1000');
    expect(await fresh.since(new Date(999).toISOString())).toBe('read at 1000');
    expect(reads).toStrictEqual([1_000]);
    // An event of the same millisecond as the read may have begun after it: never served from it.
    expect(await fresh.since(new Date(1_000))).toBe('read at 2000');
    expect(reads).toStrictEqual([1_000, 2_000]);
  });

  it('shares one read among the callers waiting together', async () => {
    const { fresh, reads } = source([1_000, 2_000]);
    const values = await Promise.all([100, 200, 300].map((at) => fresh.since(new Date(at))));
    expect(values).toStrictEqual(['read at 1000', 'read at 1000', 'read at 1000']);
    expect(reads).toStrictEqual([1_000]);
  });

  it('waits for one more read when the read under way began before the event', async () => {
    const { fresh, reads } = source([1_000, 3_000]);
    const early = fresh.since(new Date(500));
    const late = fresh.since(new Date(2_000));
    expect(await early).toBe('read at 1000');
    expect(await late).toBe('read at 3000');
    expect(reads).toStrictEqual([1_000, 3_000]);
  });

  it('fails the callers of a failed read, and reads again for the next', async () => {
    let fail = true;
    const fresh = new FreshRead(async () => {
      if (fail) throw new Error('database down');
      return { value: 'ok', readAt: new Date(5_000) };
    });
    await expect(fresh.since(new Date(1_000))).rejects.toThrow('database down');
    fail = false;
    expect(await fresh.since(new Date(1_000))).toBe('ok');
  });
});
