import { describe, expect, it } from '@jest/globals';
import { ValidationFailed } from '../errors/domain-errors.js';
import { decodeCursor, encodeCursor, toPage } from './cursor.js';

describe('keyset cursors', () => {
  it('round-trips a position with microsecond timestamps', () => {
    const position = { at: '2026-11-25 07:10:11.123456+00', id: '0b7c1c39-5b1e-4b0e-9a57-0d7d1b8b9f10' };
    expect(decodeCursor(encodeCursor(position))).toStrictEqual(position);
  });

  it('treats a missing cursor as the first page', () => {
    expect(decodeCursor(undefined)).toBeNull();
  });

  for (const forged of [
    'bm9wZQ',
    Buffer.from('["2026-01-01","not-a-uuid"]').toString('base64url'),
    Buffer.from('["yesterday","x"]').toString('base64url'),
    Buffer.from('{"a":1}').toString('base64url'),
  ]) {
    it(`refuses the forged cursor ${forged}`, () => expect(() => decodeCursor(forged)).toThrow(ValidationFailed));
  }

  it('builds a page from limit + 1 rows', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: `2026-01-0${n}`, id: `0000000${n}-0000-4000-8000-000000000000` }));
    const page = toPage(
      rows,
      2,
      (row) => ({ at: row.at, id: row.id }),
      (row) => row.n,
    );
    expect(page.data).toStrictEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!)).toStrictEqual({
      at: '2026-01-02',
      id: '00000002-0000-4000-8000-000000000000',
    });
    expect(
      toPage(
        rows,
        3,
        (row) => ({ at: row.at, id: row.id }),
        (row) => row.n,
      ).nextCursor,
    ).toBeNull();
  });
});
