import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const REPORT_GROUPS = ['rootCause', 'category', 'product', 'region', 'channel'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

/** The column each grouping reads; all are on the complaint itself (region and product kept at intake), so the report joins nothing. */
export const GROUP_COLUMNS: Record<ReportGroup, string> = {
  rootCause: 'root_cause',
  category: 'category',
  product: 'product',
  region: 'region',
  channel: 'channel',
};

/** One row of the Pareto table (or, with `key` undefined, the whole period): counts, shares 0–1, business minutes. */
export interface ReportFiguresRow {
  key: string | null;
  count: number;
  acknowledged: number;
  medianAcknowledgeMinutes: number | null;
  p90AcknowledgeMinutes: number | null;
  acknowledgedWithinTarget: number | null;
  resolved: number;
  medianResolveMinutes: number | null;
  p90ResolveMinutes: number | null;
  resolvedWithinTarget: number | null;
  escalated: number;
  averageSatisfaction: number | null;
}

export interface WeeklyCountRow {
  key: string | null;
  weekStart: string;
  count: number;
}

/** The figures of one group, or of the whole period: one aggregate expression list for both grouping sets. */
const FIGURES = `count(*)::int AS count,
  count(acknowledge_minutes)::int AS acknowledged,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY acknowledge_minutes)::numeric, 1)::float AS "medianAcknowledgeMinutes",
  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY acknowledge_minutes)::numeric, 1)::float AS "p90AcknowledgeMinutes",
  round(avg((acknowledged_at <= acknowledge_due)::int), 4)::float AS "acknowledgedWithinTarget",
  count(resolution_minutes)::int AS resolved,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_minutes)::numeric, 1)::float AS "medianResolveMinutes",
  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_minutes)::numeric, 1)::float AS "p90ResolveMinutes",
  round(avg((resolved_at <= resolve_by)::int), 4)::float AS "resolvedWithinTarget",
  count(*) FILTER (WHERE escalation_level > 0)::int AS escalated,
  round(avg(satisfaction_score), 2)::float AS "averageSatisfaction"`;

/**
 * The complaint report's aggregates (R-P3) over the complaints received in a period (days in the
 * business time zone). Business minutes were measured when each clock stopped and kept on the
 * complaint, so the report only aggregates: one scan of the period's rows through the received_at
 * index for the Pareto table and its figures, one for the weekly counts.
 */
@Injectable()
export class ComplaintReportRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One row per group plus the whole period (key undefined, `total` true), in one pass (GROUPING SETS). */
  async figures(
    group: ReportGroup,
    from: string,
    to: string,
    timeZone: string,
  ): Promise<(ReportFiguresRow & { total: boolean })[]> {
    return this.dataSource.query(figuresSql(group), [from, to, timeZone]);
  }

  async weekly(group: ReportGroup, from: string, to: string, timeZone: string): Promise<WeeklyCountRow[]> {
    return this.dataSource.query(
      `SELECT ${GROUP_COLUMNS[group]} AS key, to_char(date_trunc('week', received_at AT TIME ZONE $3), 'YYYY-MM-DD') AS "weekStart", count(*)::int AS count
         FROM complaints
        WHERE ${periodSql()}
        GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
      [from, to, timeZone],
    );
  }
}

/** The period: from the start of `$1` to the end of `$2`, both days in the time zone `$3`. */
function periodSql(): string {
  return `received_at >= ($1::date)::timestamp AT TIME ZONE $3 AND received_at < ($2::date + 1)::timestamp AT TIME ZONE $3`;
}

/** The Pareto table's statement, also run bare by the benchmark. */
export function figuresSql(group: ReportGroup): string {
  return `SELECT ${GROUP_COLUMNS[group]} AS key, GROUPING(${GROUP_COLUMNS[group]}) = 1 AS total, ${FIGURES}
            FROM complaints
           WHERE ${periodSql()}
           GROUP BY GROUPING SETS ((${GROUP_COLUMNS[group]}), ())`;
}
