import { Injectable } from '@nestjs/common';
import { ValidationFailed } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import type { ComplaintFiguresDto, ComplaintReportDto, ComplaintReportQuery } from './dto/complaint-report.dto.js';
import { ComplaintReportReader } from './complaint-report-reader.js';
import type { ReportFiguresRow, ReportGroup } from './complaint-report.repository.js';
import { ComplaintTaxonomyRepository } from './complaint-taxonomy.repository.js';

const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * The complaint report (R-P3): a Pareto table of the period's complaints by root cause, category,
 * product, region or channel — count, share and cumulative share, most first — with each group's
 * acknowledgement and resolution figures, the same figures for the whole period, and each group's
 * weekly counts.
 */
@Injectable()
export class ComplaintReportService {
  constructor(
    private readonly report: ComplaintReportReader,
    private readonly taxonomy: ComplaintTaxonomyRepository,
    private readonly config: AppConfig,
  ) {}

  async build(query: ComplaintReportQuery): Promise<ComplaintReportDto> {
    const { from, to, groupBy } = query;
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
    if (days < 0) throw new ValidationFailed([{ field: 'to', message: 'must not be before from' }]);
    if (days >= MAX_PERIOD_DAYS)
      throw new ValidationFailed([{ field: 'to', message: `the period is at most ${MAX_PERIOD_DAYS} days` }]);
    const timeZone = this.config.SERVICE_TIME_ZONE;
    const [{ rows, weekly }, labelOf] = await Promise.all([
      this.report.read(groupBy, from, to, timeZone),
      this.labels(groupBy),
    ]);
    const totalRow = rows.find((row) => row.total);
    const total = figuresOf(totalRow ?? emptyFigures());
    const groups = rows.filter((row) => !row.total).sort((a, b) => b.count - a.count || compareKeys(a.key, b.key));
    let running = 0;
    const pareto = groups.map((row) => {
      running += row.count;
      return {
        key: row.key,
        label: labelOf(row.key),
        share: round4(row.count / total.count),
        cumulativeShare: round4(running / total.count),
        ...figuresOf(row),
      };
    });
    const weeks = weekStarts(from, to);
    const counts = new Map(weekly.map((row) => [`${row.key}|${row.weekStart}`, row.count]));
    const trend = pareto.map(({ key, label }) => ({
      key,
      label,
      weeks: weeks.map((weekStart) => ({ weekStart, count: counts.get(`${key}|${weekStart}`) ?? 0 })),
    }));
    return { from, to, groupBy, total, pareto, trend };
  }

  private async labels(group: ReportGroup): Promise<(key: string | null) => string> {
    if (group === 'rootCause') {
      const causes = await this.taxonomy.rootCauses();
      const byCode = new Map(causes.map((cause) => [cause.code, cause]));
      return (key) => {
        const cause = key ? byCode.get(key) : undefined;
        if (!cause) return key ?? '未定原因';
        const parent = cause.parentCode ? byCode.get(cause.parentCode) : undefined;
        return parent ? `${parent.label} / ${cause.label}` : cause.label;
      };
    }
    if (group === 'category') {
      const byCode = new Map((await this.taxonomy.categories()).map((category) => [category.code, category.label]));
      return (key) => (key ? (byCode.get(key) ?? key) : '未分类');
    }
    return (key) => key ?? '未知';
  }
}

function figuresOf(row: ReportFiguresRow): ComplaintFiguresDto {
  return {
    count: row.count,
    acknowledged: row.acknowledged,
    medianAcknowledgeMinutes: row.medianAcknowledgeMinutes,
    p90AcknowledgeMinutes: row.p90AcknowledgeMinutes,
    acknowledgedWithinTarget: row.acknowledgedWithinTarget,
    resolved: row.resolved,
    medianResolveMinutes: row.medianResolveMinutes,
    p90ResolveMinutes: row.p90ResolveMinutes,
    resolvedWithinTarget: row.resolvedWithinTarget,
    escalated: row.escalated,
    averageSatisfaction: row.averageSatisfaction,
  };
}

function emptyFigures(): ReportFiguresRow {
  return {
    key: null,
    count: 0,
    acknowledged: 0,
    medianAcknowledgeMinutes: null,
    p90AcknowledgeMinutes: null,
    acknowledgedWithinTarget: null,
    resolved: 0,
    medianResolveMinutes: null,
    p90ResolveMinutes: null,
    resolvedWithinTarget: null,
    escalated: 0,
    averageSatisfaction: null,
  };
}

/** Ties in the Pareto table go by key, the group without a key last. */
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** The Monday of every week that overlaps the period, oldest first (weeks as Postgres's date_trunc('week') counts them). */
export function weekStarts(from: string, to: string): string[] {
  const first = new Date(`${from}T00:00:00Z`);
  first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
  const last = Date.parse(`${to}T00:00:00Z`);
  const weeks: string[] = [];
  for (const day = first; day.getTime() <= last; day.setUTCDate(day.getUTCDate() + 7))
    weeks.push(day.toISOString().slice(0, 10));
  return weeks;
}
