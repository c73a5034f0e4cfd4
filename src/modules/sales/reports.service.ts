import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { hasRole } from '../../common/auth/principal.js';
import { Forbidden, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { formatAmount } from '../../common/money/money.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { UsersService } from '../identity/users.service.js';
import type {
  LeadSourcesDto,
  PeriodQuery,
  PipelineFiguresDto,
  PipelineReportDto,
  PipelineReportQuery,
  SalesPerformanceDto,
} from './dto/report.dto.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { type PipelineFiguresRow, ReportsRepository } from './reports.repository.js';
import { type OwnerScope, SalesAccess } from './sales-access.js';

/** The pipeline and performance reports (a manager sees their team, a salesperson themself) and lead sources. */
@Injectable()
export class SalesReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly pipelines: PipelinesRepository,
    private readonly access: SalesAccess,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  async pipeline(query: PipelineReportQuery, principal: Principal): Promise<PipelineReportDto> {
    const pipeline = await this.pipelines.find(query.pipelineId);
    if (!pipeline)
      throw new Unprocessable('The pipeline does not exist.', [
        { field: 'pipelineId', message: 'no pipeline has this id' },
      ]);
    const rows = await this.reports.pipeline(pipeline.id, await this.scopeFor(query, principal));
    const zero = { count: 0, amount: '0', weightedAmount: '0' };
    const figures = (row: Pick<PipelineFiguresRow, 'count' | 'amount' | 'weightedAmount'>): PipelineFiguresDto => ({
      count: row.count,
      amount: this.money(row.amount),
      weightedAmount: this.money(row.weightedAmount),
    });
    const position = (stageId: string | null) => pipeline.stages.find((stage) => stage.id === stageId)?.position ?? 0;
    const byStage = new Map(rows.filter((row) => row.stageId && !row.ownerId).map((row) => [row.stageId, row]));
    const owners = rows
      .filter((row) => row.ownerId && !row.stageId)
      .map((owner) => ({
        ownerId: owner.ownerId as string,
        ...figures(owner),
        stages: rows
          .filter((row) => row.ownerId === owner.ownerId && row.stageId)
          .sort((a, b) => position(a.stageId) - position(b.stageId))
          .map((row) => ({ stageId: row.stageId as string, ...figures(row) })),
      }))
      .sort((a, b) => a.ownerId.localeCompare(b.ownerId));
    return {
      pipelineId: pipeline.id,
      stages: pipeline.stages.map((stage) => ({
        stageId: stage.id,
        name: stage.name,
        position: stage.position,
        probability: stage.probability,
        ...figures(byStage.get(stage.id) ?? zero),
      })),
      owners,
      total: figures(rows.find((row) => !row.stageId && !row.ownerId) ?? zero),
    };
  }

  async performance(query: PeriodQuery, principal: Principal): Promise<SalesPerformanceDto> {
    assertPeriod(query);
    const scope = await this.access.scopeOf(principal);
    const [leads, opportunities] = await Promise.all([
      this.reports.performanceLeads(query.from, query.to, scope),
      this.reports.performanceOpportunities(query.from, query.to, scope),
    ]);
    const owners = [...new Set([...leads, ...opportunities].map((row) => row.ownerId))].sort();
    return {
      from: query.from,
      to: query.to,
      data: owners.map((ownerId) => {
        const lead = leads.find((row) => row.ownerId === ownerId);
        const opportunity = opportunities.find((row) => row.ownerId === ownerId);
        return {
          ownerId,
          leadsAssigned: lead?.leadsAssigned ?? 0,
          contactedWithinDeadline: lead?.contactedWithinDeadline ?? 0,
          converted: lead?.converted ?? 0,
          won: opportunity?.won ?? 0,
          lost: opportunity?.lost ?? 0,
          revenue: this.money(opportunity?.revenue ?? '0'),
          averageCycleDays: opportunity?.averageCycleDays ?? null,
        };
      }),
    };
  }

  async leadSources(query: PeriodQuery): Promise<LeadSourcesDto> {
    assertPeriod(query);
    const rows = await this.reports.leadSources(query.from, query.to);
    return {
      from: query.from,
      to: query.to,
      data: rows.map((row) => ({
        ...row,
        conversionRate: row.leads ? Math.round((row.converted / row.leads) * 10_000) / 10_000 : 0,
        wonAmount: this.money(row.wonAmount),
        attributedAmount: this.money(row.attributedAmount),
      })),
    };
  }

  /** The caller's book, narrowed to one owner or one manager's team when asked. */
  private async scopeFor(query: PipelineReportQuery, principal: Principal): Promise<OwnerScope> {
    if (query.ownerId) {
      await this.access.assertMayReadBookOf(principal, query.ownerId);
      return { owners: [query.ownerId], unowned: false };
    }
    if (query.managerId) {
      if (!hasRole(principal, 'admin') && query.managerId !== principal.id)
        throw new Forbidden('A manager sees their own team’s pipeline.');
      return { owners: [query.managerId, ...(await this.users.teamOf(query.managerId))], unowned: false };
    }
    return this.access.scopeOf(principal);
  }

  private money(amount: string) {
    return { amount: formatAmount(amount), currency: this.config.SALES_CURRENCY };
  }
}

function assertPeriod({ from, to }: PeriodQuery): void {
  if (from > to) throw new ValidationFailed([{ field: 'to', message: 'to must not be before from' }]);
}
