import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFound, StaleVersion, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../customers/customers.service.js';
import { UsersService } from '../identity/users.service.js';
import type {
  CloseOpportunityDto,
  CreateOpportunityDto,
  ListOpportunitiesQuery,
  MoveStageDto,
  OpportunityDto,
  OpportunityWithHistoryDto,
  UpdateOpportunityDto,
} from './dto/opportunity.dto.js';
import { LEAD_OWNER_ROLES } from './lead-assigner.js';
import { OpportunitiesRepository, type OpportunityRow } from './opportunities.repository.js';
import { toOpportunityDto } from './opportunity.presenter.js';
import { PipelinesRepository } from './pipelines.repository.js';
import { SalesAccess } from './sales-access.js';
import { OpportunityClosed } from './sales-errors.js';
import { OpportunityEvents } from './sales.events.js';

/** Opportunities (R-SP3): amount and probability through a pipeline's stages, won or lost with a reason. */
@Injectable()
export class OpportunitiesService {
  constructor(
    private readonly opportunities: OpportunitiesRepository,
    private readonly pipelines: PipelinesRepository,
    private readonly customers: CustomersService,
    private readonly users: UsersService,
    private readonly access: SalesAccess,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateOpportunityDto, principal: Principal, requestId: string): Promise<OpportunityDto> {
    this.assertCurrency(dto.amount.currency, 'amount.currency');
    const ownerId = dto.ownerId ?? principal.id;
    if (ownerId !== principal.id) {
      if (!(await this.users.activeWithRoles([ownerId], [...LEAD_OWNER_ROLES])).length)
        throw new Unprocessable('The owner is not an active salesperson.', [
          { field: 'ownerId', message: 'not an active salesperson or manager' },
        ]);
      await this.access.assertMayReadBookOf(principal, ownerId);
    }
    try {
      await this.customers.ownerOf(dto.customerId);
    } catch (error) {
      if (error instanceof NotFound)
        throw new Unprocessable('The customer does not exist.', [
          { field: 'customerId', message: 'no customer has this id' },
        ]);
      throw error;
    }
    return this.transactions.run(async (tx) => {
      const pipeline = await this.pipelines.find(dto.pipelineId, tx);
      if (!pipeline?.stages.length)
        throw new Unprocessable('The pipeline does not exist.', [
          { field: 'pipelineId', message: 'no pipeline has this id' },
        ]);
      const stage = dto.stageId
        ? pipeline.stages.find((candidate) => candidate.id === dto.stageId)
        : pipeline.stages[0];
      if (!stage)
        throw new Unprocessable('The stage is not one of the pipeline’s.', [
          { field: 'stageId', message: 'no stage of this pipeline has this id' },
        ]);
      const row = await this.opportunities.insert(
        tx,
        {
          name: dto.name,
          customerId: dto.customerId,
          leadId: null,
          ownerId,
          pipelineId: pipeline.id,
          stageId: stage.id,
          amount: dto.amount.amount,
          currency: dto.amount.currency,
          probability: dto.probability ?? stage.probability,
          expectedCloseOn: dto.expectedCloseOn ?? null,
          products: dto.products ?? [],
        },
        principal.id,
      );
      const opportunity = toOpportunityDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: 'opportunity.created',
        entityType: 'opportunity',
        entityId: row.id,
        after: opportunity,
      });
      await this.outbox.record(tx, OpportunityEvents.created, row.id, { opportunity });
      return opportunity;
    });
  }

  async get(id: string, principal: Principal): Promise<OpportunityWithHistoryDto> {
    const row = await this.opportunities.find(id);
    if (!row) throw new NotFound('Opportunity', id);
    await this.access.assertInBook(principal, row.ownerId, 'Opportunity', id);
    return { ...toOpportunityDto(row), stageHistory: await this.opportunities.stageHistory(id) };
  }

  async list(query: ListOpportunitiesQuery, principal: Principal): Promise<Page<OpportunityDto>> {
    const { limit, cursor, ...filters } = query;
    if (filters.ownerId) await this.access.assertMayReadBookOf(principal, filters.ownerId);
    const rows = await this.opportunities.list(
      filters,
      await this.access.scopeOf(principal),
      decodeCursor(cursor),
      limit,
    );
    return toPage(rows, limit, (row) => ({ at: row.cursorAt, id: row.id }), toOpportunityDto);
  }

  async update(
    id: string,
    dto: UpdateOpportunityDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<OpportunityDto> {
    const { version, ...changes } = dto;
    if (changes.amount) this.assertCurrency(changes.amount.currency, 'amount.currency');
    return this.change(id, ifMatch ?? version, principal, async (tx, current) => {
      const columns: Record<string, unknown> = {};
      if (changes.name !== undefined) columns.name = changes.name;
      if (changes.amount !== undefined) columns.amount = changes.amount.amount;
      if (changes.probability !== undefined) columns.probability = changes.probability;
      if (changes.expectedCloseOn !== undefined) columns.expected_close_on = changes.expectedCloseOn;
      if (changes.products !== undefined) columns.products = changes.products;
      if (!Object.keys(columns).length) return current;
      const row = await this.opportunities.update(tx, id, columns);
      const changedFields = Object.keys(changes);
      await this.audit.record(tx, principal, requestId, {
        action: 'opportunity.updated',
        entityType: 'opportunity',
        entityId: id,
        before: toOpportunityDto(current),
        after: toOpportunityDto(row),
        fields: changedFields,
      });
      await this.outbox.record(tx, OpportunityEvents.updated, id, {
        opportunity: toOpportunityDto(row),
        changedFields,
      });
      return row;
    });
  }

  /** Moves to another stage of its pipeline: the stage's default probability unless one is given; history kept. */
  async moveStage(
    id: string,
    dto: MoveStageDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<OpportunityDto> {
    return this.change(id, ifMatch, principal, async (tx, current) => {
      const pipeline = await this.pipelines.find(current.pipelineId, tx);
      const stage = pipeline?.stages.find((candidate) => candidate.id === dto.stageId);
      if (!stage)
        throw new Unprocessable('The stage is not one of the opportunity’s pipeline.', [
          { field: 'stageId', message: 'no stage of this pipeline has this id' },
        ]);
      if (stage.id === current.stageId && dto.probability === undefined) return current;
      const row = await this.opportunities.update(tx, id, {
        stage_id: stage.id,
        probability: dto.probability ?? stage.probability,
      });
      if (stage.id !== current.stageId) await this.opportunities.enterStage(tx, id, stage.id, principal.id);
      await this.audit.record(tx, principal, requestId, {
        action: 'opportunity.stage_changed',
        entityType: 'opportunity',
        entityId: id,
        before: { stageId: current.stageId, probability: current.probability },
        after: { stageId: row.stageId, probability: row.probability },
      });
      await this.outbox.record(tx, OpportunityEvents.stageChanged, id, {
        opportunity: toOpportunityDto(row),
        fromStageId: current.stageId,
        toStageId: row.stageId,
      });
      return row;
    });
  }

  async close(
    id: string,
    outcome: 'won' | 'lost',
    dto: CloseOpportunityDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<OpportunityDto> {
    if (outcome === 'lost' && !dto.reason)
      throw new ValidationFailed([{ field: 'reason', message: 'say why it was lost' }]);
    return this.change(id, ifMatch, principal, async (tx, _current) => {
      const row = await this.opportunities.update(tx, id, {
        status: outcome,
        probability: outcome === 'won' ? 100 : 0,
        close_reason: dto.reason ?? null,
        closed_at: new Date(),
      });
      await this.opportunities.leaveStage(tx, id);
      const opportunity = toOpportunityDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: `opportunity.${outcome}`,
        entityType: 'opportunity',
        entityId: id,
        after: { status: outcome, closeReason: row.closeReason },
      });
      if (outcome === 'won') await this.outbox.record(tx, OpportunityEvents.won, id, { opportunity });
      else await this.outbox.record(tx, OpportunityEvents.lost, id, { opportunity, reason: dto.reason ?? '' });
      return row;
    });
  }

  /** Locks an open opportunity in the caller's book at the expected version and applies the change. */
  private async change(
    id: string,
    expectedVersion: number | undefined,
    principal: Principal,
    apply: (tx: Tx, current: OpportunityRow) => Promise<OpportunityRow>,
  ): Promise<OpportunityDto> {
    return toOpportunityDto(
      await this.transactions.run(async (tx) => {
        const current = await this.opportunities.lock(tx, id);
        if (!current) throw new NotFound('Opportunity', id);
        await this.access.assertInBook(principal, current.ownerId, 'Opportunity', id);
        if (expectedVersion !== undefined && expectedVersion !== current.version)
          throw new StaleVersion('Opportunity', expectedVersion, current.version);
        if (current.status !== 'open')
          throw new OpportunityClosed(`The opportunity was ${current.status}; it no longer changes.`);
        return apply(tx, current);
      }),
    );
  }

  private assertCurrency(currency: string, field: string): void {
    if (currency !== this.config.SALES_CURRENCY)
      throw new Unprocessable(`Amounts are in the price list's currency, ${this.config.SALES_CURRENCY}.`, [
        { field, message: `must be ${this.config.SALES_CURRENCY}` },
      ]);
  }
}
