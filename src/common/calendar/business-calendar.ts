const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
const MAX_DAYS_SEARCHED = 3 * 7;

type Window = [startMinute: number, endMinute: number];

/**
 * The hours in which SLA clocks run, in one time zone: `Mon-Fri 09:00-18:00; Sat 10:00-14:00`, or
 * an empty spec for around the clock. Public holidays are not modelled.
 */
export class BusinessCalendar {
  private readonly windowsByWeekday: Window[][];
  private readonly weeklyOpenMs: number;
  private readonly partsFormat: Intl.DateTimeFormat;

  private constructor(
    windowsByWeekday: Window[][] | null,
    readonly timeZone: string,
  ) {
    this.windowsByWeekday = windowsByWeekday ?? [];
    this.weeklyOpenMs = this.windowsByWeekday.flat().reduce((sum, [start, end]) => sum + (end - start) * MINUTE, 0);
    this.partsFormat = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  static aroundTheClock(): BusinessCalendar {
    return new BusinessCalendar(null, 'UTC');
  }

  /** Throws with a readable message when the spec or the time zone is not valid. */
  static parse(spec: string, timeZone: string): BusinessCalendar {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new Error(`unknown time zone "${timeZone}"`);
    }
    if (!spec.trim()) return new BusinessCalendar(null, timeZone);
    const windows: Window[][] = DAY_NAMES.map(() => []);
    for (const part of spec
      .split(';')
      .map((text) => text.trim())
      .filter(Boolean)) {
      const match = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/i.exec(part);
      if (!match) throw new Error(`"${part}" is not like "Mon-Fri 09:00-18:00"`);
      const [, fromDay, toDay = fromDay, startHour, startMinute, endHour, endMinute] = match;
      const from = DAY_NAMES.indexOf(fromDay.toLowerCase());
      const to = DAY_NAMES.indexOf(toDay.toLowerCase());
      if (from < 0 || to < 0) throw new Error(`"${part}" names an unknown day`);
      const start = Number(startHour) * 60 + Number(startMinute);
      const end = Number(endHour) * 60 + Number(endMinute);
      if (start >= end || end > 24 * 60 || Number(startMinute) > 59 || Number(endMinute) > 59)
        throw new Error(`"${part}" is not a valid span of hours`);
      for (let day = from; ; day = (day + 1) % 7) {
        windows[day].push([start, end]);
        if (day === to) break;
      }
    }
    return new BusinessCalendar(windows.map(mergeOverlapping), timeZone);
  }

  get isAroundTheClock(): boolean {
    return this.windowsByWeekday.length === 0;
  }

  /** The moment `minutes` business minutes after `start`. */
  addMinutes(start: Date, minutes: number): Date {
    if (this.isAroundTheClock) return new Date(start.getTime() + minutes * MINUTE);
    // Every local week holds the same open time, so whole weeks are skipped rather than walked.
    const weeks = Math.max(0, Math.floor((minutes * MINUTE) / this.weeklyOpenMs) - 1);
    const from = this.plusLocalWeeks(start, weeks);
    let remaining = minutes * MINUTE - weeks * this.weeklyOpenMs;
    for (const [windowStart, windowEnd] of this.windowsFrom(from)) {
      const open = Math.max(windowStart, from.getTime());
      if (windowEnd <= open) continue;
      if (remaining <= windowEnd - open) return new Date(open + remaining);
      remaining -= windowEnd - open;
    }
    throw new Error('the business calendar has no open hours');
  }

  /** Business minutes from `from` to `to` (negative when `to` is earlier). */
  minutesBetween(from: Date, to: Date): number {
    if (to < from) return -this.minutesBetween(to, from);
    if (this.isAroundTheClock) return (to.getTime() - from.getTime()) / MINUTE;
    const weeks = Math.max(0, Math.floor((to.getTime() - from.getTime()) / WEEK) - 1);
    const start = this.plusLocalWeeks(from, weeks);
    let total = weeks * this.weeklyOpenMs;
    for (const [windowStart, windowEnd] of this.windowsFrom(start)) {
      if (windowStart >= to.getTime()) break;
      total += Math.max(0, Math.min(windowEnd, to.getTime()) - Math.max(windowStart, start.getTime()));
    }
    return total / MINUTE;
  }

  /** The same local wall-clock time `weeks` weeks later. */
  private plusLocalWeeks(date: Date, weeks: number): Date {
    if (weeks === 0) return date;
    const { year, month, day, hour, minute, second } = this.localParts(date);
    const localDay = new Date(Date.UTC(year, month - 1, day + weeks * 7));
    return new Date(this.toUtc(localDay, hour * 60 + minute + second / 60) + (date.getTime() % 1000));
  }

  /** Open windows as UTC millisecond spans, from the local day of `start` onwards. */
  private *windowsFrom(start: Date): Generator<[number, number]> {
    const { year, month, day } = this.localParts(start);
    for (let offset = 0; offset < MAX_DAYS_SEARCHED; offset++) {
      const date = new Date(Date.UTC(year, month - 1, day + offset));
      for (const [startMinute, endMinute] of this.windowsByWeekday[date.getUTCDay()]) {
        yield [this.toUtc(date, startMinute), this.toUtc(date, endMinute)];
      }
    }
  }

  /** The UTC instant of a local wall-clock minute of `date`'s day (a date whose UTC fields are the local ones). */
  private toUtc(date: Date, minuteOfDay: number): number {
    const wallClock = date.getTime() + minuteOfDay * MINUTE;
    let instant = wallClock - this.offset(wallClock);
    instant = wallClock - this.offset(instant);
    return instant;
  }

  private offset(instant: number): number {
    const { year, month, day, hour, minute, second } = this.localParts(new Date(instant));
    return Date.UTC(year, month - 1, day, hour, minute, second) - Math.floor(instant / 1000) * 1000;
  }

  private localParts(date: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
    const parts = Object.fromEntries(
      this.partsFormat
        .formatToParts(date)
        .filter((part) => part.type !== 'literal')
        .map((part) => [part.type, Number(part.value)]),
    );
    return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  }
}

/** Sorted, with overlapping or touching spans of one day joined, so no minute counts twice. */
function mergeOverlapping(windows: Window[]): Window[] {
  const merged: Window[] = [];
  for (const [start, end] of [...windows].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}
