import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { ComplaintFacts, FigureTotals } from './complaint-report-figures.js';
import type { ReportGroup } from './complaint-report.repository.js';

/** One block of the rollup: the figures of one group of one grouping over 2^level days from `blockStart`. */
export interface RollupRow {
  dimension: ReportGroup;
  level: number;
  blockStart: string;
  key: string | null;
  totals: FigureTotals;
}

/** A rollup row (aliased `r`) with its figures as one object, as FigureTotals has them. */
/** What the report reads in one snapshot (reportSnapshot). */
export interface ReportSnapshot {
  timeZone: string | null;
  stale: string[];
  rows: (RollupRow & { sign: 1 | -1 })[];
  weekly: { key: string | null; weekStart: string; count: number }[];
  facts: ComplaintFacts[];
}

const ROLLUP_SELECT = `r.dimension, r.level, to_char(r.block_start, 'YYYY-MM-DD') AS "blockStart", r.key,
  json_build_object(
    'count', r.count, 'acknowledged', r.acknowledged, 'acknowledgedOnTime', r.acknowledged_on_time,
    'acknowledgedTimed', r.acknowledged_timed, 'resolved', r.resolved, 'resolvedOnTime', r.resolved_on_time,
    'resolvedTimed', r.resolved_timed, 'escalated', r.escalated, 'satisfactionSum', r.satisfaction_sum,
    'satisfactionCount', r.satisfaction_count, 'acknowledgeMinutes', r.acknowledge_minutes, 'resolveMinutes', r.resolve_minutes
  ) AS totals`;

/** The local day `$tz` of a timestamp column, as text. */
const localDay = (column: string, tz: string) => `to_char((${column} AT TIME ZONE ${tz})::date, 'YYYY-MM-DD')`;

/** The complaints received on the days `d(day)` as the report sees them (ComplaintFacts), joined by factsJoin. */
const FACTS_SELECT = `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, c.root_cause AS "rootCause", c.category, c.product, c.region, c.channel,
       c.acknowledge_minutes AS "acknowledgeMinutes", c.acknowledged_at <= c.acknowledge_due AS "acknowledgedOnTime",
       c.resolution_minutes AS "resolveMinutes", c.resolved_at <= c.resolve_by AS "resolvedOnTime",
       c.escalation_level > 0 AS escalated, c.satisfaction_score AS satisfaction`;
/** The join of FACTS_SELECT, the day's bounds in the time zone parameter `tz` (`$1`, `$2`…). */
const factsJoin = (tz: string) =>
  `JOIN complaints c ON c.received_at >= d.day::timestamp AT TIME ZONE ${tz} AND c.received_at < (d.day + 1)::timestamp AT TIME ZONE ${tz}`;

/**
 * The complaint report's rollup tables and its change log (migration 1765000000000): blocks of days
 * summed per grouping and group, and the complaints changed since their day was last rolled up.
 */
@Injectable()
export class ComplaintReportRollupsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The time zone the rolled-up days are in; null before the first rollup. */
  async timeZone(tx: Tx): Promise<string | null> {
    const [row] = await tx.query(`SELECT time_zone AS "timeZone" FROM complaint_report_rollup_state`);
    return row?.timeZone ?? null;
  }

  /** Serialises rollup runs across workers for the transaction. */
  async lockForRollup(tx: Tx): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('complaint-report-rollup'))`);
  }

  /** Starts over in `timeZone`: no blocks, and every day that has complaints logged as changed. */
  async restart(tx: Tx, timeZone: string): Promise<void> {
    await tx.query(`DELETE FROM complaint_report_rollups`);
    await tx.query(`DELETE FROM complaint_report_changes`);
    await tx.query(
      `INSERT INTO complaint_report_changes (received_at)
       SELECT min(received_at) FROM complaints GROUP BY (received_at AT TIME ZONE $1)::date`,
      [timeZone],
    );
    await tx.query(`UPDATE complaint_report_rollup_state SET time_zone = $1`, [timeZone]);
  }

  /**
   * Takes the oldest `limit` days with logged changes off the log. Only changes this transaction can
   * see are deleted; one committed later stays for the next run.
   */
  async claimStaleDays(tx: Tx, timeZone: string, limit: number): Promise<string[]> {
    const rows: { day: string }[] = await tx.query(
      `SELECT DISTINCT ${localDay('received_at', '$1')} AS day FROM complaint_report_changes ORDER BY 1 LIMIT $2`,
      [timeZone, limit],
    );
    const days = rows.map((row) => row.day);
    if (days.length)
      await tx.query(
        `DELETE FROM complaint_report_changes WHERE (received_at AT TIME ZONE $1)::date = ANY($2::date[])`,
        [timeZone, days],
      );
    return days;
  }

  /** Every complaint received on the days, as the report sees it. */
  async facts(tx: Tx, timeZone: string, days: string[]): Promise<ComplaintFacts[]> {
    if (!days.length) return [];
    return tx.query(`${FACTS_SELECT} FROM unnest($2::date[]) AS d(day) ${factsJoin('$1')}`, [timeZone, days]);
  }

  /** The blocks of `level` starting on the days, of every grouping. */
  async blocks(tx: Tx, level: number, starts: string[]): Promise<RollupRow[]> {
    if (!starts.length) return [];
    return tx.query(
      `SELECT ${ROLLUP_SELECT} FROM complaint_report_rollups r
        WHERE r.level = $1 AND r.block_start = ANY($2::date[])`,
      [level, starts],
    );
  }

  /**
   * Everything the report reads, in one statement and so one snapshot: the rollup's time zone, the
   * period's days changed since they were rolled up, the blocks covering the period (`sign` 1) and the
   * stale days' own rows (`sign` -1, to be taken out), those days' complaints, and each group's weekly
   * counts from the rolled-up days that are not stale.
   */
  async reportSnapshot(
    dimension: ReportGroup,
    timeZone: string,
    from: string,
    to: string,
    blocks: { level: number; start: string }[],
  ): Promise<ReportSnapshot> {
    // JIT off: the planner's guess at a day's complaints (a range over an expression) is a hundred thousand
    // rows, which would make Postgres spend a second compiling a statement that runs in milliseconds.
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`SET LOCAL jit = off`);
      const [row] = await tx.query(
        `WITH stale AS (
         SELECT DISTINCT (received_at AT TIME ZONE $2)::date AS day FROM complaint_report_changes
          WHERE received_at >= ($3::date)::timestamp AT TIME ZONE $2 AND received_at < ($4::date + 1)::timestamp AT TIME ZONE $2
       ), rows AS (
         SELECT ${ROLLUP_SELECT}, 1 AS sign FROM complaint_report_rollups r
           JOIN unnest($5::smallint[], $6::date[]) AS b(level, start) ON r.level = b.level AND r.block_start = b.start
          WHERE r.dimension = $1
         UNION ALL
         SELECT ${ROLLUP_SELECT}, -1 AS sign FROM complaint_report_rollups r JOIN stale ON r.block_start = stale.day
          WHERE r.dimension = $1 AND r.level = 0
       ), weekly AS (
         SELECT r.key, to_char(date_trunc('week', r.block_start), 'YYYY-MM-DD') AS "weekStart", sum(r.count)::int AS count
           FROM complaint_report_rollups r
          WHERE r.dimension = $1 AND r.level = 0 AND r.block_start BETWEEN $3::date AND $4::date
            AND r.block_start NOT IN (SELECT day FROM stale)
          GROUP BY 1, 2
       )
       SELECT (SELECT time_zone FROM complaint_report_rollup_state) AS "timeZone",
              (SELECT coalesce(json_agg(to_char(day, 'YYYY-MM-DD')), '[]') FROM stale) AS stale,
              (SELECT coalesce(json_agg(rows), '[]') FROM rows) AS rows,
              (SELECT coalesce(json_agg(weekly), '[]') FROM weekly) AS weekly,
              (SELECT coalesce(json_agg(facts), '[]') FROM (${FACTS_SELECT} FROM stale d(day) ${factsJoin('$2')}) facts) AS facts`,
        [dimension, timeZone, from, to, blocks.map((block) => block.level), blocks.map((block) => block.start)],
      );
      return row as ReportSnapshot;
    });
  }

  /** Replaces the blocks of `level` starting on `starts` with `rows`. */
  async replaceBlocks(tx: Tx, level: number, starts: string[], rows: RollupRow[]): Promise<void> {
    await tx.query(`DELETE FROM complaint_report_rollups WHERE level = $1 AND block_start = ANY($2::date[])`, [
      level,
      starts,
    ]);
    if (!rows.length) return;
    await tx.query(
      `INSERT INTO complaint_report_rollups (dimension, level, block_start, key, count, acknowledged, acknowledged_on_time,
              acknowledged_timed, resolved, resolved_on_time, resolved_timed, escalated, satisfaction_sum, satisfaction_count,
              acknowledge_minutes, resolve_minutes)
       SELECT r.dimension, r.level, r."blockStart", r.key, t.count, t.acknowledged, t."acknowledgedOnTime", t."acknowledgedTimed",
              t.resolved, t."resolvedOnTime", t."resolvedTimed", t.escalated, t."satisfactionSum", t."satisfactionCount",
              t."acknowledgeMinutes", t."resolveMinutes"
         FROM jsonb_to_recordset($1::jsonb) AS r(dimension text, level smallint, "blockStart" date, key text, totals jsonb),
              jsonb_to_record(r.totals) AS t(count int, acknowledged int, "acknowledgedOnTime" int, "acknowledgedTimed" int,
                resolved int, "resolvedOnTime" int, "resolvedTimed" int, escalated int, "satisfactionSum" bigint,
                "satisfactionCount" int, "acknowledgeMinutes" jsonb, "resolveMinutes" jsonb)`,
      [JSON.stringify(rows)],
    );
  }
}
