import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import {
  Forbidden,
  NotFound,
  StaleVersion,
  Unprocessable,
  type FieldError,
} from '../../common/errors/domain-errors.js';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { UsersService } from '../identity/users.service.js';
import type {
  CreateImprovementActionDto,
  ImprovementActionDetailDto,
  ListImprovementActionsQuery,
  UpdateImprovementActionDto,
} from './dto/improvement-action.dto.js';
import { ComplaintTaxonomyRepository } from './complaint-taxonomy.repository.js';
import { nextActionStatus, type ActionStep } from './improvement-action-lifecycle.js';
import { toImprovementActionDto } from './improvement-action.presenter.js';
import { ImprovementActionEvents } from './improvement-actions.events.js';
import { ImprovementActionRow, ImprovementActionsRepository } from './improvement-actions.repository.js';

/**
 * Improvement actions (R-P4): a fix for a root cause with an owner and a due date, the complaints it
 * answers, its progress, and the verdict on it. Completing one is its own use case
 * (CompleteImprovementAction: the report-back). Every change is audited and is an
 * `improvement_action.<change>` event.
 */
@Injectable()
export class ImprovementActionsService {
  constructor(
    private readonly actions: ImprovementActionsRepository,
    private readonly taxonomy: ComplaintTaxonomyRepository,
    private readonly users: UsersService,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async create(
    dto: CreateImprovementActionDto,
    principal: Principal,
    requestId: string,
  ): Promise<ImprovementActionRow> {
    const errors = [...(await this.rootCauseProblems(dto.rootCause)), ...(await this.ownerProblems(dto.ownerId))];
    const complaintIds = [...new Set((dto.complaintIds ?? []).map((id) => id.toLowerCase()))];
    return this.transactions.run(async (tx) => {
      const found = await this.actions.existingComplaints(complaintIds, tx);
      const missing = complaintIds.filter((id) => !found.has(id));
      if (missing.length)
        errors.push({ field: 'complaintIds', message: `no complaint has the id ${missing.join(', ')}` });
      if (errors.length)
        throw new Unprocessable('The improvement action cannot be created as it is: see errors.', errors);
      const id = await this.actions.insert(tx, {
        rootCause: dto.rootCause,
        title: dto.title,
        description: dto.description ?? null,
        ownerId: dto.ownerId,
        dueOn: dto.dueOn,
        createdByType: principal.kind,
        createdById: principal.id,
      });
      if (complaintIds.length) await this.actions.link(tx, id, complaintIds, 'hand');
      return this.recorded(tx, id, principal, requestId, 'created');
    });
  }

  async get(id: string, weeks: number): Promise<ImprovementActionDetailDto> {
    const action = await this.actions.find(id);
    if (!action) throw new NotFound('Improvement action', id);
    const [reportBacks, recurrence] = await Promise.all([
      this.actions.reportBacks(id),
      action.completedAt ? this.actions.recurrence(action.rootCause, action.completedAt, weeks) : null,
    ]);
    const verification =
      recurrence && action.completedAt
        ? { weeks, ...recurrence, complete: Date.now() >= Date.parse(action.completedAt) + weeks * 7 * 86_400_000 }
        : null;
    return { ...toImprovementActionDto(action), reportBacks, verification };
  }

  async list(query: ListImprovementActionsQuery): Promise<Page<ImprovementActionRow>> {
    const rows = await this.actions.list(
      { status: query.status, rootCause: query.rootCause, ownerId: query.ownerId },
      decodeCursor(query.cursor),
      query.limit,
    );
    return toPage(
      rows,
      query.limit,
      (row) => ({ at: row.cursorAt, id: row.id }),
      (row) => row,
    );
  }

  async update(
    id: string,
    dto: UpdateImprovementActionDto,
    expectedVersion: number | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ImprovementActionRow> {
    if (dto.ownerId) {
      const errors = await this.ownerProblems(dto.ownerId);
      if (errors.length) throw new Unprocessable('The owner must be an active user.', errors);
    }
    return this.transactions.run(async (tx) => {
      const current = await this.lockForChange(tx, id, principal, expectedVersion);
      const changes: Record<string, unknown> = {};
      if (dto.title !== undefined) changes.title = dto.title;
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.ownerId !== undefined) changes.owner_id = dto.ownerId;
      if (dto.dueOn !== undefined) changes.due_on = dto.dueOn;
      if (!Object.keys(changes).length) return current;
      await this.actions.update(tx, id, changes);
      return this.recorded(tx, id, principal, requestId, 'updated');
    });
  }

  /** Links complaints by hand, at any time (later complaints of the root cause link themselves while it is open). */
  link(id: string, complaintIds: string[], principal: Principal, requestId: string): Promise<ImprovementActionRow> {
    const ids = [...new Set(complaintIds.map((complaintId) => complaintId.toLowerCase()))];
    return this.transactions.run(async (tx) => {
      await this.lockForChange(tx, id, principal);
      const found = await this.actions.existingComplaints(ids, tx);
      const missing = ids.filter((complaintId) => !found.has(complaintId));
      if (missing.length)
        throw new Unprocessable('Only complaints can be linked.', [
          { field: 'complaintIds', message: `no complaint has the id ${missing.join(', ')}` },
        ]);
      const linked = await this.actions.link(tx, id, ids, 'hand');
      if (!linked.length) return (await this.actions.find(id, tx))!;
      await this.actions.update(tx, id, {});
      return this.recorded(tx, id, principal, requestId, 'complaintsLinked', { complaintIds: linked });
    });
  }

  /** Start (or start again after an ineffective verdict), verify, or find ineffective. */
  step(
    id: string,
    step: Exclude<ActionStep, 'complete'>,
    note: string | undefined,
    principal: Principal,
    requestId: string,
  ): Promise<ImprovementActionRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockForChange(tx, id, principal, undefined, step !== 'start');
      const status = nextActionStatus(current.status, step);
      const changes: Record<string, unknown> = { status };
      if (step === 'verify') Object.assign(changes, { verified_at: new Date(), verdict_note: note ?? null });
      if (step === 'mark_ineffective') Object.assign(changes, { verdict_note: note ?? null });
      await this.actions.update(tx, id, changes);
      const event = step === 'start' ? 'started' : step === 'verify' ? 'verified' : 'ineffective';
      return this.recorded(tx, id, principal, requestId, event, step === 'start' ? {} : { note: note ?? null });
    });
  }

  /**
   * The action locked for a change by its owner or a manager (a verdict: its owner or an admin), at the
   * version the caller saw.
   */
  async lockForChange(
    tx: Tx,
    id: string,
    principal: Principal,
    expectedVersion?: number,
    verdict = false,
  ): Promise<ImprovementActionRow> {
    const current = await this.actions.lock(tx, id);
    if (!current) throw new NotFound('Improvement action', id);
    const isOwner = principal.kind === 'user' && principal.id === current.ownerId;
    const mayAct = isOwner || (verdict ? hasRole(principal, 'admin') : hasRole(principal, 'manager'));
    if (!mayAct)
      throw new Forbidden(
        verdict
          ? 'Only the owner of the action or an administrator gives the verdict on it.'
          : 'Only the owner of the action or a manager changes it.',
      );
    if (expectedVersion !== undefined && expectedVersion !== current.version)
      throw new StaleVersion('The improvement action', expectedVersion, current.version);
    return current;
  }

  /** Re-reads the action, records its event and audit row in the transaction, and returns it. */
  async recorded(
    tx: Tx,
    id: string,
    principal: Principal,
    requestId: string,
    event: keyof typeof ImprovementActionEvents &
      ('created' | 'updated' | 'complaintsLinked' | 'started' | 'completed' | 'verified' | 'ineffective'),
    details: { complaintIds?: string[]; note?: string | null } = {},
  ): Promise<ImprovementActionRow> {
    const row = (await this.actions.find(id, tx))!;
    const improvementAction = toImprovementActionDto(row);
    await this.outbox.record(tx, ImprovementActionEvents[event], id, { improvementAction, ...details });
    await this.audit.record(tx, principal, requestId, {
      action: ImprovementActionEvents[event].name,
      entityType: 'improvement_action',
      entityId: id,
      after: improvementAction,
    });
    return row;
  }

  private async rootCauseProblems(code: string): Promise<FieldError[]> {
    const cause = await this.taxonomy.rootCause(code);
    const problem = !cause
      ? 'not a root cause of the taxonomy'
      : !cause.parentCode
        ? `${cause.label} is a group: name one of its causes`
        : null;
    return problem ? [{ field: 'rootCause', message: problem }] : [];
  }

  private async ownerProblems(ownerId: string): Promise<FieldError[]> {
    const owner = await this.users.find(ownerId);
    return owner?.active ? [] : [{ field: 'ownerId', message: 'no active user has this id' }];
  }
}
