import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import {
  Conflict,
  type FieldError,
  Forbidden,
  NotFound,
  StaleVersion,
  Unprocessable,
  ValidationFailed,
} from '../../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../../common/pagination/cursor.js';
import { AppConfig } from '../../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../../infrastructure/outbox/outbox.writer.js';
import { CustomerRecordsService } from '../../customers/customer-records.service.js';
import { CustomersService } from '../../customers/customers.service.js';
import { UsersService } from '../../identity/users.service.js';
import { NotificationsService } from '../../notifications/notifications.service.js';
import { LEAD_OWNER_ROLES } from '../lead-assigner.js';
import { SalesAccess } from '../sales-access.js';
import type { DispatchDto } from './dto/visit.dto.js';
import type {
  AddPlanEntryDto,
  CreateWorkPlanDto,
  ListWorkPlansQuery,
  UpdateWorkPlanDto,
  WorkPlanDto,
  WorkPlanEntryDto,
  WorkPlanEntryInput,
} from './dto/work-plan.dto.js';
import { InvalidVisitTransition, InvalidWorkPlanTransition } from './field-sales-errors.js';
import { VisitEvents, WorkPlanEvents } from './field-sales.events.js';
import { planChanges } from './plan-changes.js';
import { VisitsRepository } from './visits.repository.js';
import { addDays, isWeekStart, weekStartOf } from './week.js';
import { nextStatus, ownerMayEdit, type WorkPlanAction } from './work-plan-lifecycle.js';
import { snapshotOf, toEntryDto, toWorkPlanDto } from './work-plan.presenter.js';
import { type EntryRow, type EntryValues, WorkPlansRepository, type WorkPlanRow } from './work-plans.repository.js';

type Change = 'edit' | WorkPlanAction;

/**
 * Weekly work plans (R-SP4): the owner plans and submits, their manager approves, sends back with a
 * comment, or changes the plan directly — and every change by someone other than the owner becomes a
 * notice to the owner with the entries before and after, plus a `work_plan.changed` event. Every change
 * locks the plan row and checks If-Match, so a manager's edit and the owner's never overwrite each other.
 */
@Injectable()
export class WorkPlansService {
  constructor(
    private readonly plans: WorkPlansRepository,
    private readonly visits: VisitsRepository,
    private readonly access: SalesAccess,
    private readonly users: UsersService,
    private readonly customers: CustomersService,
    private readonly records: CustomerRecordsService,
    private readonly notifications: NotificationsService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateWorkPlanDto, principal: Principal, requestId: string): Promise<WorkPlanDto> {
    if (!isWeekStart(dto.weekStart))
      throw new ValidationFailed([{ field: 'weekStart', message: 'must be a Monday (a week starts on Monday)' }]);
    const ownerId = dto.ownerId ?? principal.id;
    if (ownerId !== principal.id) await this.assertMayPlanFor(principal, ownerId);
    const entries = await this.validEntries(dto.entries, dto.weekStart, new Map());
    return this.transactions.run(async (tx) => {
      const plan = await this.plans.insert(tx, {
        ownerId,
        weekStart: dto.weekStart,
        status: 'draft',
        createdBy: principal.id,
      });
      if (!plan)
        throw new Conflict(
          `A plan for the week of ${dto.weekStart} exists already: change it instead (GET /work-plans?weekStart=).`,
        );
      await this.plans.replaceEntries(tx, plan, entries);
      const after = await this.plans.entries(plan.id, tx);
      const workPlan = toWorkPlanDto(plan, after);
      await this.audit.record(tx, principal, requestId, {
        action: 'work_plan.created',
        entityType: 'work_plan',
        entityId: plan.id,
        after: workPlan,
      });
      await this.outbox.record(tx, WorkPlanEvents.created, plan.id, { workPlan });
      if (ownerId !== principal.id) await this.recordEntryChanges(tx, plan, workPlan, [], after, principal);
      return workPlan;
    });
  }

  async get(id: string, principal: Principal): Promise<WorkPlanDto> {
    const plan = await this.plans.find(id);
    if (!plan) throw new NotFound('Work plan', id);
    await this.access.assertInBook(principal, plan.ownerId, 'Work plan', id);
    return toWorkPlanDto(plan, await this.plans.entries(id));
  }

  async list(query: ListWorkPlansQuery, principal: Principal): Promise<Page<WorkPlanDto>> {
    const { limit, cursor, ...filters } = query;
    if (filters.ownerId) await this.access.assertMayReadBookOf(principal, filters.ownerId);
    const rows = await this.plans.list(filters, await this.access.scopeOf(principal), decodeCursor(cursor), limit);
    const entries = await this.plans.entriesOfPlans(rows.slice(0, limit).map((row) => row.id));
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) =>
        toWorkPlanDto(
          row,
          entries.filter((entry) => entry.workPlanId === row.id),
        ),
    );
  }

  /** Replaces the entries: kept (by id), moved, edited, added, removed. */
  async update(
    id: string,
    dto: UpdateWorkPlanDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<WorkPlanDto> {
    return this.change(id, ifMatch ?? dto.version, principal, requestId, 'edit', async (tx, plan, before) => {
      const entries = await this.validEntries(dto.entries, plan.weekStart, new Map(before.map((row) => [row.id, row])));
      const kept = new Set(entries.map((entry) => entry.id));
      const visited = before.find((row) => row.status !== 'planned' && !kept.has(row.id));
      if (visited) throw new InvalidVisitTransition(`Entry ${visited.id} is ${visited.status}: it stays in the plan.`);
      await this.plans.replaceEntries(tx, plan, entries);
      return this.plans.update(tx, plan.id);
    });
  }

  /** Adds one entry at a place in its day's order ("handle the defect complaint at 永康五金 first"). */
  async addEntry(
    id: string,
    dto: AddPlanEntryDto,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<WorkPlanDto> {
    const { position, ...input } = dto;
    return this.change(id, ifMatch, principal, requestId, 'edit', async (tx, plan) => {
      const [entry] = await this.validEntries([{ ...input, id: undefined }], plan.weekStart, new Map());
      await this.plans.insertEntryAt(tx, plan, entry, position ?? null);
      return this.plans.update(tx, plan.id);
    });
  }

  submit(id: string, ifMatch: number | undefined, principal: Principal, requestId: string): Promise<WorkPlanDto> {
    return this.review(id, ifMatch, principal, requestId, 'submit', null);
  }

  approve(id: string, ifMatch: number | undefined, principal: Principal, requestId: string): Promise<WorkPlanDto> {
    return this.review(id, ifMatch, principal, requestId, 'approve', null);
  }

  requestChanges(
    id: string,
    comment: string,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<WorkPlanDto> {
    return this.review(id, ifMatch, principal, requestId, 'request_changes', comment);
  }

  /**
   * Puts a visit into the salesperson's plan for the day (a complaint desk or a manager dispatching
   * it): at `position` in the day's order, else last. A week without a plan gets a draft holding the visit,
   * which the owner goes on planning; a dispatched visit is in their trip and in `nearby` whatever its plan's
   * review status. A manager dispatches to their team, an agent to anyone. The salesperson's notice carries
   * the customer's latest purchases (what was shipped).
   */
  async dispatch(dto: DispatchDto, principal: Principal, requestId: string): Promise<WorkPlanEntryDto> {
    if (!(await this.users.activeWithRoles([dto.salespersonId], [...LEAD_OWNER_ROLES])).length)
      throw new Unprocessable('The salesperson is not an active salesperson or manager.', [
        { field: 'salespersonId', message: 'not an active salesperson or manager' },
      ]);
    if (!hasRole(principal, 'agent') && !(await this.access.inBook(principal, dto.salespersonId)))
      throw new Forbidden('A manager dispatches visits to their own team; the complaint desk (agents) to anyone.');
    await this.assertCustomersExist([dto.customerId], () => 'customerId');
    if (dto.relatedId && !dto.relatedType)
      throw new ValidationFailed([{ field: 'relatedType', message: 'say what relatedId is' }]);
    if ((dto.lat === undefined) !== (dto.lng === undefined))
      throw new ValidationFailed([
        { field: dto.lat === undefined ? 'lat' : 'lng', message: 'give lat and lng together' },
      ]);
    this.assertWindow(dto.startsAt, dto.endsAt, 'endsAt');
    const place =
      dto.lat !== undefined
        ? { lat: dto.lat, lng: dto.lng!, placeAddress: dto.placeAddress ?? null }
        : await this.visits.lastPlaceOf(dto.customerId);
    if (!place)
      throw new Unprocessable('No place is known for this customer: give lat and lng.', [
        { field: 'lat', message: 'required: the customer has no visit place on record' },
      ]);
    const purchases = (await this.records.listPurchases(dto.customerId, { limit: 5 })).data.map((purchase) => ({
      id: purchase.id,
      purchasedAt: purchase.purchasedAt,
      product: purchase.product,
      quantity: purchase.quantity,
      amount: purchase.amount,
      refundedAt: purchase.refundedAt,
    }));
    const weekStart = weekStartOf(dto.date);
    return this.transactions.run(async (tx) => {
      const plan =
        (await this.plans.lockOfWeek(tx, dto.salespersonId, weekStart)) ??
        (await this.plans.insert(tx, {
          ownerId: dto.salespersonId,
          weekStart,
          // the owner still plans the rest of their week; the dispatched visit counts in their trip already
          status: 'draft',
          createdBy: principal.id,
        })) ??
        (await this.plans.lockOfWeek(tx, dto.salespersonId, weekStart));
      const before = await this.plans.entries(plan!.id, tx);
      const entry = await this.plans.insertEntryAt(
        tx,
        plan!,
        {
          day: dto.date,
          kind: 'visit',
          startsAt: dto.startsAt ?? null,
          endsAt: dto.endsAt ?? null,
          customerId: dto.customerId,
          placeAddress: place.placeAddress ?? dto.placeAddress ?? null,
          lat: place.lat,
          lng: place.lng,
          purpose: dto.purpose,
          relatedType: dto.relatedType ?? null,
          relatedId: dto.relatedId ?? null,
        },
        dto.position ?? null,
        { by: principal.id, info: { purchases } },
      );
      const updated = await this.plans.update(tx, plan!.id);
      const after = await this.plans.entries(plan!.id, tx);
      const visit = toEntryDto(entry);
      await this.audit.record(tx, principal, requestId, {
        action: 'visit.dispatched',
        entityType: 'work_plan',
        entityId: plan!.id,
        after: visit,
      });
      await this.outbox.record(tx, VisitEvents.dispatched, entry.id, { visit, dispatchedBy: principal.id });
      await this.recordEntryChanges(tx, updated, toWorkPlanDto(updated, after), before, after, principal, {
        kind: 'visit.dispatched',
        title: `派单拜访：${dto.purpose}`,
        visit,
      });
      return visit;
    });
  }

  private review(
    id: string,
    ifMatch: number | undefined,
    principal: Principal,
    requestId: string,
    action: WorkPlanAction,
    comment: string | null,
  ): Promise<WorkPlanDto> {
    return this.change(id, ifMatch, principal, requestId, action, async (tx, plan) => {
      const to = nextStatus(plan.status, action);
      if (typeof to !== 'string') throw new InvalidWorkPlanTransition(to.refused);
      if (action === 'submit') {
        if (!(await this.plans.entries(plan.id, tx)).length)
          throw new Unprocessable('An empty plan cannot be submitted: add the week’s visits first.');
        return this.plans.update(tx, plan.id, { status: to, submitted_at: new Date() });
      }
      return this.plans.update(tx, plan.id, {
        status: to,
        reviewed_at: new Date(),
        reviewed_by: principal.id,
        review_comment: comment,
      });
    });
  }

  /**
   * Locks a plan of the caller's book at the expected version, checks who may take this step, applies
   * the change, and records it: audit row, event, and for an edit by someone else a notice to the owner.
   */
  private async change(
    id: string,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
    change: Change,
    apply: (tx: Tx, plan: WorkPlanRow, entries: EntryRow[]) => Promise<WorkPlanRow>,
  ): Promise<WorkPlanDto> {
    return this.transactions.run(async (tx) => {
      const plan = await this.plans.lock(tx, id);
      if (!plan) throw new NotFound('Work plan', id);
      await this.access.assertInBook(principal, plan.ownerId, 'Work plan', id);
      if (expectedVersion !== undefined && expectedVersion !== plan.version)
        throw new StaleVersion('Work plan', expectedVersion, plan.version);
      const isOwner = plan.ownerId === principal.id;
      const admin = hasRole(principal, 'admin');
      if (change === 'edit' && isOwner && !admin && !ownerMayEdit(plan.status))
        throw new InvalidWorkPlanTransition(
          `The plan is ${plan.status}: its owner changes it only as a draft or when it is sent back; ask your manager.`,
        );
      if (change === 'submit' && !isOwner && !admin) throw new Forbidden('A plan is submitted by its owner.');
      if ((change === 'approve' || change === 'request_changes') && isOwner && !admin)
        throw new Forbidden('A plan is reviewed by its owner’s manager, not by its owner.');
      const before = await this.plans.entries(plan.id, tx);
      const updated = await apply(tx, plan, before);
      const after = change === 'edit' ? await this.plans.entries(plan.id, tx) : before;
      const workPlan = toWorkPlanDto(updated, after);
      await this.audit.record(tx, principal, requestId, {
        action: change === 'edit' ? 'work_plan.changed' : `work_plan.${change}`,
        entityType: 'work_plan',
        entityId: plan.id,
        before: change === 'edit' ? before.map(snapshotOf) : { status: plan.status },
        after: change === 'edit' ? after.map(snapshotOf) : { status: updated.status },
      });
      if (change === 'edit') await this.recordEntryChanges(tx, updated, workPlan, before, after, principal);
      else await this.recordReview(tx, plan, workPlan, change, principal);
      return workPlan;
    });
  }

  private async recordReview(
    tx: Tx,
    before: WorkPlanRow,
    workPlan: WorkPlanDto,
    action: WorkPlanAction,
    principal: Principal,
  ): Promise<void> {
    if (action === 'submit') {
      await this.outbox.record(tx, WorkPlanEvents.submitted, workPlan.id, {
        workPlan,
        resubmission: before.status === 'changes_requested',
      });
      return;
    }
    if (action === 'approve')
      await this.outbox.record(tx, WorkPlanEvents.approved, workPlan.id, { workPlan, approvedBy: principal.id });
    else
      await this.outbox.record(tx, WorkPlanEvents.changesRequested, workPlan.id, {
        workPlan,
        comment: workPlan.reviewComment ?? '',
        requestedBy: principal.id,
      });
    await this.notifications.notify(tx, {
      userId: workPlan.ownerId,
      kind: `work_plan.${action === 'approve' ? 'approved' : 'changes_requested'}`,
      title: action === 'approve' ? `周计划（${workPlan.weekStart}）已批准` : `周计划（${workPlan.weekStart}）需要修改`,
      subjectType: 'work_plan',
      subjectId: workPlan.id,
      details: { weekStart: workPlan.weekStart, comment: workPlan.reviewComment, version: workPlan.version },
      actorId: principal.id,
    });
  }

  /** The `work_plan.changed` event, and the owner's notice with before and after when someone else changed it. */
  private async recordEntryChanges(
    tx: Tx,
    plan: WorkPlanRow,
    workPlan: WorkPlanDto,
    beforeRows: EntryRow[],
    afterRows: EntryRow[],
    principal: Principal,
    notice: { kind: string; title: string; visit: WorkPlanEntryDto } | null = null,
  ): Promise<void> {
    const before = beforeRows.map(snapshotOf);
    const after = afterRows.map(snapshotOf);
    const changes = planChanges(before, after);
    if (!changes.length) return;
    const ownerNotified = plan.ownerId !== principal.id;
    await this.outbox.record(tx, WorkPlanEvents.changed, plan.id, {
      workPlan,
      changedBy: principal.id,
      ownerNotified,
      changes,
      before,
      after,
    });
    if (!ownerNotified) return;
    await this.notifications.notify(tx, {
      userId: plan.ownerId,
      kind: notice?.kind ?? 'work_plan.changed',
      title: notice?.title ?? `你的周计划（${plan.weekStart}）被修改了`,
      subjectType: 'work_plan',
      subjectId: plan.id,
      details: {
        weekStart: plan.weekStart,
        version: plan.version,
        changes,
        before,
        after,
        ...(notice ? { visit: notice.visit } : {}),
      },
      actorId: principal.id,
    });
  }

  private async assertMayPlanFor(principal: Principal, ownerId: string): Promise<void> {
    if (!(await this.users.activeWithRoles([ownerId], [...LEAD_OWNER_ROLES])).length)
      throw new Unprocessable('The owner is not an active salesperson.', [
        { field: 'ownerId', message: 'not an active salesperson or manager' },
      ]);
    await this.access.assertMayReadBookOf(principal, ownerId);
  }

  /** Checks the entries against the week and each other, and numbers them in order within each day. */
  private async validEntries(
    inputs: WorkPlanEntryInput[],
    weekStart: string,
    existing: Map<string, EntryRow>,
  ): Promise<EntryValues[]> {
    const errors: FieldError[] = [];
    const lastDay = addDays(weekStart, 6);
    const seen = new Set<string>();
    inputs.forEach((entry, i) => {
      const field = (name: string) => `entries[${i}].${name}`;
      if (entry.day < weekStart || entry.day > lastDay)
        errors.push({ field: field('day'), message: `must be within the week ${weekStart}–${lastDay}` });
      if (entry.kind === 'visit') {
        if (!entry.customerId) errors.push({ field: field('customerId'), message: 'a visit needs a customer' });
        if (entry.lat === undefined || entry.lng === undefined)
          errors.push({ field: field('lat'), message: 'a visit needs the place’s lat and lng' });
      }
      if ((entry.lat === undefined) !== (entry.lng === undefined))
        errors.push({ field: field(entry.lat === undefined ? 'lat' : 'lng'), message: 'give lat and lng together' });
      if (entry.startsAt && entry.endsAt && entry.startsAt >= entry.endsAt)
        errors.push({ field: field('endsAt'), message: 'must be after startsAt' });
      if (!!entry.relatedId !== !!entry.relatedType)
        errors.push({
          field: field(entry.relatedId ? 'relatedType' : 'relatedId'),
          message: 'give relatedType and relatedId together',
        });
      if (entry.id) {
        if (!existing.has(entry.id)) errors.push({ field: field('id'), message: 'not an entry of this plan' });
        if (seen.has(entry.id)) errors.push({ field: field('id'), message: 'listed twice' });
        seen.add(entry.id);
        const old = existing.get(entry.id);
        if (old && old.status !== 'planned' && (old.day !== entry.day || old.customerId !== (entry.customerId ?? null)))
          errors.push({ field: field('day'), message: `the visit is ${old.status}: its day and customer stay` });
      }
    });
    if (errors.length) throw new ValidationFailed(errors);
    await this.assertCustomersExist(
      inputs.map((entry) => entry.customerId ?? null),
      (i) => `entries[${i}].customerId`,
    );
    const positions = new Map<string, number>();
    return inputs.map((entry) => {
      const position = positions.get(entry.day) ?? 0;
      positions.set(entry.day, position + 1);
      return {
        id: entry.id,
        day: entry.day,
        position,
        kind: entry.kind,
        startsAt: entry.startsAt ?? null,
        endsAt: entry.endsAt ?? null,
        customerId: entry.customerId ?? null,
        placeAddress: entry.placeAddress ?? null,
        lat: entry.lat ?? null,
        lng: entry.lng ?? null,
        purpose: entry.purpose ?? null,
        relatedType: entry.relatedType ?? null,
        relatedId: entry.relatedId ?? null,
      };
    });
  }

  private assertWindow(startsAt: string | undefined, endsAt: string | undefined, field: string): void {
    if (startsAt && endsAt && startsAt >= endsAt)
      throw new ValidationFailed([{ field, message: 'must be after startsAt' }]);
  }

  private async assertCustomersExist(ids: (string | null)[], field: (index: number) => string): Promise<void> {
    const errors: FieldError[] = [];
    const known = new Map<string, boolean>();
    for (const [i, id] of ids.entries()) {
      if (!id) continue;
      if (!known.has(id))
        known.set(
          id,
          await this.customers.ownerOf(id).then(
            () => true,
            (error) => {
              if (error instanceof NotFound) return false;
              throw error;
            },
          ),
        );
      if (!known.get(id)) errors.push({ field: field(i), message: 'no customer has this id' });
    }
    if (errors.length) throw new Unprocessable('A customer does not exist.', errors);
  }

  /** For the reminder job: the time zone weeks are read in. */
  get timeZone(): string {
    return this.config.SALES_TIME_ZONE;
  }
}
