import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
 * about sixteen rows per group. Read in one snapshot, so a rollup run committing meanwhile cannot make
 * a day count twice or not at all. Until the rollup has run in the configured time zone (a new
 * database, a changed SERVICE_TIME_ZONE) the complaints are aggregated directly.
 */
@Injectable()
export class ComplaintReportReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rollups: ComplaintReportRollupsRepository,
    private readonly direct: ComplaintReportRepository,
  ) {}

  async read(group: ReportGroup, from: string, to: string, timeZone: string): Promise<ReportAggregates> {
    const fromRollup = await this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      if ((await this.rollups.timeZone(tx)) !== timeZone) return null;
      const stale = await this.rollups.staleDays(tx, timeZone, from, to);
      return {
        stale,
        blocks: await this.rollups.covering(tx, group, blocksCovering(from, to)),
        rolledUpStale: await this.rollups.blocks(tx, 0, stale, group),
        fresh: await this.rollups.facts(tx, timeZone, stale),
        daily: await this.rollups.dailyCounts(tx, group, from, to),
      };
    });
    if (!fromRollup) {
      const [rows, weekly] = await Promise.all([
        this.direct.figures(group, from, to, timeZone),
        this.direct.weekly(group, from, to, timeZone),
      ]);
      return { rows, weekly };
    }

    const { stale, blocks, rolledUpStale, fresh, daily } = fromRollup;
    const groups = new Map<string | null, FigureTotals>();
    const totalsOf = (key: string | null) => groups.get(key) ?? groups.set(key, emptyTotals()).get(key)!;
    for (const block of blocks) addTotals(totalsOf(block.key), block.totals);
    for (const block of rolledUpStale) addTotals(totalsOf(block.key), block.totals, -1);
    for (const complaint of fresh) addComplaint(totalsOf(complaint[group]), complaint);

    const period = emptyTotals();
    const rows: ReportAggregates['rows'] = [];
    for (const [key, totals] of groups) {
      if (totals.count === 0) continue;
      addTotals(period, totals);
      rows.push({ ...figuresOf(key, totals), total: false });
    }
    rows.push({ ...figuresOf(null, period), total: true });

    const weeks = new Map<string, WeeklyCountRow>();
    const count = (key: string | null, day: string, n: number) => {
      const weekStart = mondayOf(day);
      const id = `${key ?? '\u0000'}|${weekStart}`;
      const row = weeks.get(id) ?? weeks.set(id, { key, weekStart, count: 0 }).get(id)!;
      row.count += n;
    };
    const staleDays = new Set(stale);
    for (const row of daily) if (!staleDays.has(row.day)) count(row.key, row.day, row.count);
    for (const complaint of fresh) count(complaint[group], complaint.day, 1);
    return { rows, weekly: [...weeks.values()].filter((row) => row.count > 0) };
  }
}

/** The Monday of a day's week (1970-01-01, day 0, was a Thursday). */
function mondayOf(day: string): string {
  const number = dayNumber(day);
  return dayOf(number - ((((number + 3) % 7) + 7) % 7));
}
