/** A timestamp as the API writes it: ISO 8601 in UTC with milliseconds (what `JSON.stringify` makes of a Date). */
export function isoTime(at: Date): string;
export function isoTime(at: Date | null): string | null;
export function isoTime(at: Date | null): string | null {
  return at === null ? null : at.toISOString();
}
