import { Injectable } from '@nestjs/common';
import {
  addComplaint,
  addTotals,
  blocksCovering,
  dayNumber,
  dayOf,
  emptyTotals,
  type FigureTotals,
  figuresOf,
} from './complaint-report-figures.js';
import {
  ComplaintReportRepository,
  type ReportFiguresRow,
  type ReportGroup,
  type WeeklyCountRow,
} from './complaint-report.repository.js';
import { ComplaintReportRollupsRepository } from './complaint-report-rollups.repository.js';

export interface ReportAggregates {
  rows: (ReportFiguresRow & { total: boolean })[];
  weekly: WeeklyCountRow[];
}

/**
 * The complaint report's numbers for a period, from the rollup: the few blocks of days that make up
 * the period, with every day that changed since it was rolled up taken out of them and summed afresh
 * from its complaints — so the report is as current as the complaints themselves, and a year costs
 * about sixteen rows per group. Read in one statement, so one snapshot: a rollup run committing
 * meanwhile cannot make a day count twice or not at all. Until the rollup has run in the configured time zone (a new
 * database, a changed SERVICE_TIME_ZONE) the complaints are aggregated directly.
 */
@Injectable()
export class ComplaintReportReader {
  constructor(
    private readonly rollups: ComplaintReportRollupsRepository,
    private readonly direct: ComplaintReportRepository,
  ) {}

  async read(group: ReportGroup, from: string, to: string, timeZone: string): Promise<ReportAggregates> {
    const snapshot = await this.rollups.reportSnapshot(group, timeZone, from, to, blocksCovering(from, to));
    if (snapshot.timeZone !== timeZone) {
      const [rows, weekly] = await Promise.all([
        this.direct.figures(group, from, to, timeZone),
        this.direct.weekly(group, from, to, timeZone),
      ]);
      return { rows, weekly };
    }

    const groups = new Map<string | null, FigureTotals>();
    const totalsOf = (key: string | null) => groups.get(key) ?? groups.set(key, emptyTotals()).get(key)!;
    for (const block of snapshot.rows) addTotals(totalsOf(block.key), block.totals, block.sign);
    for (const complaint of snapshot.facts) addComplaint(totalsOf(complaint[group]), complaint);

    const period = emptyTotals();
    const rows: ReportAggregates['rows'] = [];
    for (const [key, totals] of groups) {
      if (totals.count === 0) continue;
      addTotals(period, totals);
      rows.push({ ...figuresOf(key, totals), total: false });
    }
    rows.push({ ...figuresOf(null, period), total: true });

    const weeks = new Map<string, WeeklyCountRow>();
    const count = (key: string | null, weekStart: string, n: number) => {
      const id = `${key ?? '\u0000'}|${weekStart}`;
      const row = weeks.get(id) ?? weeks.set(id, { key, weekStart, count: 0 }).get(id)!;
      row.count += n;
    };
    for (const row of snapshot.weekly) count(row.key, row.weekStart, row.count);
    for (const complaint of snapshot.facts) count(complaint[group], mondayOf(complaint.day), 1);
    return { rows, weekly: [...weeks.values()].filter((row) => row.count > 0) };
  }
}

/** The Monday of a day's week (1970-01-01, day 0, was a Thursday). */
function mondayOf(day: string): string {
  const number = dayNumber(day);
  return dayOf(number - ((((number + 3) % 7) + 7) % 7));
}
