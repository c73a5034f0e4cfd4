import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import {
  addComplaint,
  addTotals,
  blockStart,
  type ComplaintFacts,
  dayNumber,
  dayOf,
  emptyTotals,
  TOP_LEVEL,
} from './complaint-report-figures.js';
import { REPORT_GROUPS } from './complaint-report.repository.js';
import { ComplaintReportRollupsRepository, type RollupRow } from './complaint-report-rollups.repository.js';

/** Days rolled up per transaction: a month of a busy year is ~100,000 complaints read at once. */
const DAYS_PER_BATCH = 31;

/**
 * Brings the complaint report's rollup up to date: takes the days with logged changes off the log,
 * sums each day's complaints per grouping and group afresh (level 0), then each enclosing block from
 * its two halves, level by level. Idempotent — a day is always summed from the complaints themselves —
 * and safe beside another run (an advisory lock serialises them). Returns how many days it rolled up.
 */
@Injectable()
export class RollUpComplaintReport {
  constructor(
    private readonly rollups: ComplaintReportRollupsRepository,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
  ) {}

  async execute(budgetMs = 30_000): Promise<number> {
    const until = Date.now() + budgetMs;
    let rolled = 0;
    while (Date.now() < until) {
      const days = await this.transactions.run((tx) => this.batch(tx));
      if (days === 0) break;
      rolled += days;
    }
    return rolled;
  }

  private async batch(tx: Tx): Promise<number> {
    const timeZone = this.config.SERVICE_TIME_ZONE;
    await this.rollups.lockForRollup(tx);
    if ((await this.rollups.timeZone(tx)) !== timeZone) await this.rollups.restart(tx, timeZone);
    const days = await this.rollups.claimStaleDays(tx, timeZone, DAYS_PER_BATCH);
    if (!days.length) return 0;
    await this.rollups.replaceBlocks(tx, 0, days, dayRows(await this.rollups.facts(tx, timeZone, days)));
    let changed = days;
    for (let level = 1; level <= TOP_LEVEL; level += 1) {
      const parents = [...new Set(changed.map((day) => blockStart(day, level)))];
      const halves = parents.flatMap((start) => [start, dayOf(dayNumber(start) + 2 ** (level - 1))]);
      const children = await this.rollups.blocks(tx, level - 1, halves);
      await this.rollups.replaceBlocks(tx, level, parents, sumInto(children, level));
      changed = parents;
    }
    return days.length;
  }
}

/** Level-0 rows: each day's complaints summed per grouping and group. */
function dayRows(facts: ComplaintFacts[]): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  for (const complaint of facts)
    for (const dimension of REPORT_GROUPS) {
      const key = complaint[dimension];
      const id = `${dimension}|${complaint.day}|${key ?? '\u0000'}`;
      let row = rows.get(id);
      if (!row) rows.set(id, (row = { dimension, level: 0, blockStart: complaint.day, key, totals: emptyTotals() }));
      addComplaint(row.totals, complaint);
    }
  return [...rows.values()];
}

/** Rows of `level`: the children summed per grouping, enclosing block and group. */
function sumInto(children: RollupRow[], level: number): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  for (const child of children) {
    const start = blockStart(child.blockStart, level);
    const id = `${child.dimension}|${start}|${child.key ?? '\u0000'}`;
    let row = rows.get(id);
    if (!row)
      rows.set(
        id,
        (row = { dimension: child.dimension, level, blockStart: start, key: child.key, totals: emptyTotals() }),
      );
    addTotals(row.totals, child.totals);
  }
  return [...rows.values()];
}
