/** Calendar days and weeks in the sales time zone: a week starts on Monday (R-SP4). Days are `YYYY-MM-DD`. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(instant: Date, timeZone: string): Record<string, string> {
  let formatter = formatters.get(timeZone);
  if (!formatter)
    formatters.set(
      timeZone,
      (formatter = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })),
    );
  return Object.fromEntries(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
}

/** The calendar day the instant falls on in the time zone. */
export function localDateOf(instant: Date, timeZone: string): string {
  const parts = partsIn(instant, timeZone);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The wall-clock time (`HH:MM`) of the instant in the time zone. */
export function localTimeOf(instant: Date, timeZone: string): string {
  const parts = partsIn(instant, timeZone);
  return `${parts.hour}:${parts.minute}`;
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The Monday of the week the calendar day belongs to. */
export function weekStartOf(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(day, -((weekday + 6) % 7));
}

/** The Monday of the week the instant falls in, in the time zone (Sunday 23:30 in Shanghai is still last week). */
export function weekStartAt(instant: Date, timeZone: string): string {
  return weekStartOf(localDateOf(instant, timeZone));
}

export function isWeekStart(day: string): boolean {
  return weekStartOf(day) === day;
}

/** The seven days of the week that starts on `weekStart`. */
export function daysOfWeek(weekStart: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
}
