import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ValidationFailed } from '../errors/domain-errors.js';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** A row of a keyset-paginated list: its time as Postgres prints it, exact to the microsecond. */
export type WithCursor<T> = T & { cursorAt: string };

/** Keyset position: the sort key and id of the last row of the previous page. */
export interface KeysetPosition {
  at: string;
  id: string;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

// Postgres's text form of a timestamptz, or ISO 8601.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?)?$/;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a cursor this API issued; `idPattern` is the shape of the ids of the list it pages. */
export function decodeCursor(cursor: string | undefined, idPattern: RegExp = UUID_PATTERN): KeysetPosition | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at === 'string' && typeof id === 'string' && TIMESTAMP.test(at) && idPattern.test(id)) return { at, id };
  } catch {
    // fall through to the validation error
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
}

/** Builds a page from rows fetched with limit + 1, so the extra row tells whether another page exists. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  position: (row: R) => KeysetPosition,
  map: (row: R) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(map),
    nextCursor: hasMore ? encodeCursor(position(pageRows[pageRows.length - 1])) : null,
  };
}

/** The same page with each item presented (rows to response DTOs). */
export function mapPage<R, T>(page: Page<R>, map: (row: R) => T): Page<T> {
  return { data: page.data.map(map), nextCursor: page.nextCursor };
}

/**
 * A cursor over a list sorted by something other than time (a rank, a key, a price and a name): the
 * sort values of the last row of the page, each checked against its pattern when read back.
 */
export function encodeKeyCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values.map(String))).toString('base64url');
}

export function decodeKeyCursor(cursor: string | undefined, patterns: RegExp[]): string[] | null {
  if (!cursor) return null;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === patterns.length &&
      values.every((value, index) => typeof value === 'string' && patterns[index].test(value))
    )
      return values as string[];
  } catch {
    // fall through to the validation error
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not one this API issued' }]);
}

/** A page from rows fetched with limit + 1, its cursor the sort values of the last row. */
export function toKeyPage<R, T>(
  rows: R[],
  limit: number,
  sortValues: (row: R) => (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(map),
    nextCursor: hasMore ? encodeKeyCursor(sortValues(pageRows[pageRows.length - 1])) : null,
  };
}
