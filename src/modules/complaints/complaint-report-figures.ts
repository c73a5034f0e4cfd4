import { addHistogram, type Histogram, percentile, record } from './complaint-report-histogram.js';
import type { ReportFiguresRow } from './complaint-report.repository.js';

/**
 * What the report needs of a set of complaints, in a form that adds up: counts, sums and histograms.
 * A day's complaints fold into one of these per group, and any period's figures are a sum of them.
 */
export interface FigureTotals {
  count: number;
  acknowledged: number;
  acknowledgedOnTime: number;
  acknowledgedTimed: number;
  resolved: number;
  resolvedOnTime: number;
  resolvedTimed: number;
  escalated: number;
  satisfactionSum: number;
  satisfactionCount: number;
  acknowledgeMinutes: Histogram;
  resolveMinutes: Histogram;
}

/** One complaint as the report sees it: its day, its group in every grouping, and its figures. */
export interface ComplaintFacts {
  day: string;
  rootCause: string | null;
  category: string | null;
  product: string | null;
  region: string | null;
  channel: string | null;
  acknowledgeMinutes: number | null;
  acknowledgedOnTime: boolean | null;
  resolveMinutes: number | null;
  resolvedOnTime: boolean | null;
  escalated: boolean;
  satisfaction: number | null;
}

export function emptyTotals(): FigureTotals {
  return {
    count: 0,
    acknowledged: 0,
    acknowledgedOnTime: 0,
    acknowledgedTimed: 0,
    resolved: 0,
    resolvedOnTime: 0,
    resolvedTimed: 0,
    escalated: 0,
    satisfactionSum: 0,
    satisfactionCount: 0,
    acknowledgeMinutes: {},
    resolveMinutes: {},
  };
}

export function addComplaint(totals: FigureTotals, facts: ComplaintFacts): void {
  totals.count += 1;
  if (facts.acknowledgeMinutes !== null) {
    totals.acknowledged += 1;
    record(totals.acknowledgeMinutes, facts.acknowledgeMinutes);
  }
  if (facts.acknowledgedOnTime !== null) {
    totals.acknowledgedTimed += 1;
    if (facts.acknowledgedOnTime) totals.acknowledgedOnTime += 1;
  }
  if (facts.resolveMinutes !== null) {
    totals.resolved += 1;
    record(totals.resolveMinutes, facts.resolveMinutes);
  }
  if (facts.resolvedOnTime !== null) {
    totals.resolvedTimed += 1;
    if (facts.resolvedOnTime) totals.resolvedOnTime += 1;
  }
  if (facts.escalated) totals.escalated += 1;
  if (facts.satisfaction !== null) {
    totals.satisfactionSum += facts.satisfaction;
    totals.satisfactionCount += 1;
  }
}

const COUNTERS = [
  'count',
  'acknowledged',
  'acknowledgedOnTime',
  'acknowledgedTimed',
  'resolved',
  'resolvedOnTime',
  'resolvedTimed',
  'escalated',
  'satisfactionSum',
  'satisfactionCount',
] as const;

/** Adds `other` into `into`; `sign` -1 takes it out. */
export function addTotals(into: FigureTotals, other: FigureTotals, sign: 1 | -1 = 1): void {
  for (const counter of COUNTERS) into[counter] += sign * other[counter];
  addHistogram(into.acknowledgeMinutes, other.acknowledgeMinutes, sign);
  addHistogram(into.resolveMinutes, other.resolveMinutes, sign);
}

/** The report's figures of a group (or the period), rounded as the SQL form rounds them. */
export function figuresOf(key: string | null, totals: FigureTotals): ReportFiguresRow {
  const ratio = (part: number, whole: number) => (whole ? round(part / whole, 4) : null);
  const minutes = (histogram: Histogram, p: number) => {
    const value = percentile(histogram, p);
    return value === null ? null : round(value, 1);
  };
  return {
    key,
    count: totals.count,
    acknowledged: totals.acknowledged,
    medianAcknowledgeMinutes: minutes(totals.acknowledgeMinutes, 0.5),
    p90AcknowledgeMinutes: minutes(totals.acknowledgeMinutes, 0.9),
    acknowledgedWithinTarget: ratio(totals.acknowledgedOnTime, totals.acknowledgedTimed),
    resolved: totals.resolved,
    medianResolveMinutes: minutes(totals.resolveMinutes, 0.5),
    p90ResolveMinutes: minutes(totals.resolveMinutes, 0.9),
    resolvedWithinTarget: ratio(totals.resolvedOnTime, totals.resolvedTimed),
    escalated: totals.escalated,
    averageSatisfaction: totals.satisfactionCount ? round(totals.satisfactionSum / totals.satisfactionCount, 2) : null,
  };
}

function round(value: number, places: number): number {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
}

const DAY_MS = 86_400_000;
/** The longest block: 2^9 = 512 days, more than the report's longest period. */
export const TOP_LEVEL = 9;

export const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
export const dayOf = (number: number): string => new Date(number * DAY_MS).toISOString().slice(0, 10);

/**
 * The rollup's blocks: level L holds 2^L days starting on a day number divisible by 2^L. Any period of
 * N days is the union of at most 2·log2(N) of them, so a year's report reads about 16 rows per group.
 */
export function blocksCovering(from: string, to: string): { level: number; start: string }[] {
  const blocks: { level: number; start: string }[] = [];
  const last = dayNumber(to);
  for (let day = dayNumber(from); day <= last;) {
    let level = TOP_LEVEL;
    while (level > 0 && (day % 2 ** level !== 0 || day + 2 ** level - 1 > last)) level -= 1;
    blocks.push({ level, start: dayOf(day) });
    day += 2 ** level;
  }
  return blocks;
}

/** The block of `level` that contains `day`. */
export function blockStart(day: string, level: number): string {
  const number = dayNumber(day);
  return dayOf(number - (number % 2 ** level));
}
