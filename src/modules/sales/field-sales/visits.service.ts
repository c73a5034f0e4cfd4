import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { Forbidden, NotFound, Unprocessable, ValidationFailed } from '../../../common/errors/domain-errors.js';
import { AppConfig } from '../../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { CustomersService } from '../../customers/customers.service.js';
import { OpportunitiesService } from '../opportunities.service.js';
import { SalesAccess } from '../sales-access.js';
import type { CheckInDto, CheckOutDto, SkipVisitDto, UnplannedVisitDto } from './dto/visit.dto.js';
import type { WorkPlanEntryDto } from './dto/work-plan.dto.js';
import { InvalidVisitTransition } from './field-sales-errors.js';
import { VisitEvents } from './field-sales.events.js';
import { VisitsRepository } from './visits.repository.js';
import { localDateOf } from './week.js';
import { toEntryDto } from './work-plan.presenter.js';
import type { EntryRow } from './work-plans.repository.js';

/** Visits (R-SP5): the salesperson on the visit checks in and out with coordinates; the outcome lands on the customer's timeline. */
@Injectable()
export class VisitsService {
  constructor(
    private readonly visits: VisitsRepository,
    private readonly access: SalesAccess,
    private readonly customers: CustomersService,
    private readonly opportunities: OpportunitiesService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async get(id: string, principal: Principal): Promise<WorkPlanEntryDto> {
    const row = await this.visits.find(id);
    if (!row || row.kind !== 'visit') throw new NotFound('Visit', id);
    await this.access.assertInBook(principal, row.ownerId, 'Visit', id);
    return toEntryDto(row);
  }

  checkIn(id: string, dto: CheckInDto, principal: Principal, requestId: string): Promise<WorkPlanEntryDto> {
    return this.step(id, principal, requestId, 'checked_in', async (tx, visit) => {
      if (visit.status !== 'planned')
        throw new InvalidVisitTransition(`The visit is ${visit.status}: it is checked in once.`);
      const row = await this.visits.checkIn(tx, id, dto);
      await this.outbox.record(tx, VisitEvents.checkedIn, id, { visit: toEntryDto(row) });
      return row;
    });
  }

  /**
   * Checks out with the outcome. A stage change of a linked opportunity goes through the opportunities'
   * own rules first (its transaction: a stage it refuses leaves the visit checked in); then the check-out
   * and its timeline entry commit together.
   */
  async checkOut(id: string, dto: CheckOutDto, principal: Principal, requestId: string): Promise<WorkPlanEntryDto> {
    if (!!dto.opportunityId !== !!dto.stageId)
      throw new ValidationFailed([
        { field: dto.opportunityId ? 'stageId' : 'opportunityId', message: 'give opportunityId and stageId together' },
      ]);
    const current = await this.visits.find(id);
    if (current?.kind === 'visit') {
      await this.access.assertInBook(principal, current.ownerId, 'Visit', id);
      if (current.status !== 'checked_in')
        throw new InvalidVisitTransition(`The visit is ${current.status}: check in before checking out.`);
    }
    let stageChange: Record<string, unknown> | null = null;
    if (dto.opportunityId && dto.stageId && current?.ownerId === principal.id) {
      const moved = await this.opportunities.moveStage(
        dto.opportunityId,
        { stageId: dto.stageId },
        undefined,
        principal,
        requestId,
      );
      stageChange = { opportunityId: moved.id, stageId: moved.stageId, probability: moved.probability };
    }
    return this.step(id, principal, requestId, 'checked_out', async (tx, visit) => {
      if (visit.status !== 'checked_in')
        throw new InvalidVisitTransition(`The visit is ${visit.status}: check in before checking out.`);
      const outcome = { notes: dto.notes, nextStep: dto.nextStep ?? null, stageChange };
      const row = await this.visits.checkOut(tx, id, dto, outcome);
      await this.outbox.record(tx, VisitEvents.checkedOut, id, { visit: toEntryDto(row) });
      return row;
    });
  }

  skip(id: string, dto: SkipVisitDto, principal: Principal, requestId: string): Promise<WorkPlanEntryDto> {
    return this.step(id, principal, requestId, 'skipped', async (tx, visit) => {
      if (visit.status !== 'planned')
        throw new InvalidVisitTransition(`The visit is ${visit.status}: only a planned visit is skipped.`);
      const row = await this.visits.skip(tx, id, dto.reason);
      await this.outbox.record(tx, VisitEvents.skipped, id, { visit: toEntryDto(row), reason: dto.reason });
      return row;
    });
  }

  /** A visit nobody planned, checked in on the spot by the salesperson making it. */
  async unplanned(dto: UnplannedVisitDto, principal: Principal, requestId: string): Promise<WorkPlanEntryDto> {
    await this.customers.ownerOf(dto.customerId).catch((error) => {
      if (error instanceof NotFound)
        throw new Unprocessable('The customer does not exist.', [
          { field: 'customerId', message: 'no customer has this id' },
        ]);
      throw error;
    });
    return this.transactions.run(async (tx) => {
      const row = await this.visits.insertUnplanned(tx, {
        ownerId: principal.id,
        day: localDateOf(new Date(), this.config.SALES_TIME_ZONE),
        customerId: dto.customerId,
        lat: dto.lat,
        lng: dto.lng,
        placeAddress: dto.placeAddress ?? null,
        purpose: dto.purpose ?? null,
      });
      const visit = toEntryDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: 'visit.checked_in',
        entityType: 'visit',
        entityId: row.id,
        after: visit,
      });
      await this.outbox.record(tx, VisitEvents.checkedIn, row.id, { visit });
      return visit;
    });
  }

  /** Locks the visit; only the salesperson on it takes its steps (their manager sees it, 403; anyone else, 404). */
  private async step(
    id: string,
    principal: Principal,
    requestId: string,
    action: string,
    apply: (tx: Tx, visit: EntryRow) => Promise<EntryRow>,
  ): Promise<WorkPlanEntryDto> {
    return this.transactions.run(async (tx) => {
      const visit = await this.visits.lock(tx, id);
      if (!visit) throw new NotFound('Visit', id);
      await this.access.assertInBook(principal, visit.ownerId, 'Visit', id);
      if (visit.ownerId !== principal.id) throw new Forbidden('Only the salesperson on the visit records it.');
      const row = await apply(tx, visit);
      const dto = toEntryDto(row);
      await this.audit.record(tx, principal, requestId, {
        action: `visit.${action}`,
        entityType: 'visit',
        entityId: id,
        before: { status: visit.status },
        after: dto,
      });
      return dto;
    });
  }
}
