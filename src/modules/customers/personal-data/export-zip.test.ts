import { describe, expect, it } from '@jest/globals';
import { columnsOf, csvCell } from './export-zip.js';

describe('export CSV cells', () => {
  it('takes every column any row has, in the order first seen', () => {
    expect(columnsOf([{ id: 1, name: 'a' }, { id: 2, notes: 'b' }, {}])).toStrictEqual(['id', 'name', 'notes']);
    expect(columnsOf([])).toStrictEqual([]);
  });

  it('writes nulls empty, timestamps as ISO 8601, objects and arrays as JSON, the rest as text', () => {
    expect(
      [null, undefined, new Date('2026-12-02T02:00:00Z'), { a: '张' }, ['x'], 12.5, true, '净水器'].map(csvCell),
    ).toStrictEqual(['', '', '2026-12-02T02:00:00.000Z', '{"a":"张"}', '["x"]', '12.5', 'true', '净水器']);
  });
});
