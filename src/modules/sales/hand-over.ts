import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { hasRole, type Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Forbidden, NotFound, Unprocessable } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner, type Tx } from '../../infrastructure/database/transaction-runner.js';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import { OutboxWriter } from '../../infrastructure/outbox/outbox.writer.js';
import { type HandOverJob, QueueName } from '../../infrastructure/queues/queue-names.js';
import { CustomersService } from '../customers/customers.service.js';
import { UsersService } from '../identity/users.service.js';
import type { ReassignDto, ReassignmentDto } from './dto/hand-over.dto.js';
import {
  HAND_OVER_KINDS,
  type HandOverKind,
  HandOverRepository,
  type ReassignmentRow,
} from './hand-over.repository.js';
import { SpreadOverRules } from './hand-over-spread.js';
import { LEAD_OWNER_ROLES } from './lead-assigner.js';
import { HandOverEvents, SalesSubscribers } from './sales.events.js';

function toReassignmentDto(row: ReassignmentRow): ReassignmentDto {
  const { requestedBy: _by, requestId: _request, ...dto } = row;
  return dto;
}

/** `POST /admin/reassign`: records the hand-over and its request event; the worker's job moves the book. */
@Injectable()
export class RequestHandOver {
  constructor(
    private readonly handOvers: HandOverRepository,
    private readonly users: UsersService,
    private readonly spreading: SpreadOverRules,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async execute(dto: ReassignDto, principal: Principal, requestId: string): Promise<ReassignmentDto> {
    if ((dto.toUserId === undefined) === (dto.spread === undefined))
      throw new Unprocessable('Name one successor or spread the book, not both.', [
        { field: 'toUserId', message: 'give either toUserId or spread' },
      ]);
    if (dto.fromUserId === dto.toUserId)
      throw new Unprocessable('A book is handed over to someone else.', [
        { field: 'toUserId', message: 'must differ from fromUserId' },
      ]);
    if (!(await this.users.exists(dto.fromUserId)))
      throw new Unprocessable('The departing user does not exist.', [
        { field: 'fromUserId', message: 'no user has this id' },
      ]);
    if (dto.toUserId && !(await this.users.activeWithRoles([dto.toUserId], [...LEAD_OWNER_ROLES])).length)
      throw new Unprocessable('The book goes to an active salesperson or manager.', [
        { field: 'toUserId', message: 'not an active salesperson or manager' },
      ]);
    if (!hasRole(principal, 'admin')) {
      const team = new Set([principal.id, ...(await this.users.teamOf(principal.id))]);
      if (!team.has(dto.fromUserId) || (dto.toUserId && !team.has(dto.toUserId)))
        throw new Forbidden('A manager hands over books within their team.');
    }
    if (dto.spread && !(await this.spreading.successors(dto.fromUserId, principal.id)).length)
      throw new Unprocessable('No assignment rule names anyone who may take the book.', [
        { field: 'spread', message: 'the rules name no other active salesperson or manager (of your team)' },
      ]);
    return this.transactions.run(async (tx) => {
      const row = await this.handOvers.insert(tx, {
        fromUserId: dto.fromUserId,
        toUserId: dto.toUserId ?? null,
        spread: dto.spread ?? null,
        include: dto.include ?? [...HAND_OVER_KINDS],
        requestedBy: principal.id,
        requestId,
      });
      await this.audit.record(tx, principal, requestId, {
        action: 'sales.hand_over_requested',
        entityType: 'reassignment',
        entityId: row.id,
        after: toReassignmentDto(row),
      });
      await this.outbox.record(tx, HandOverEvents.requested, row.id, { reassignmentId: row.id });
      return toReassignmentDto(row);
    });
  }

  async get(id: string): Promise<ReassignmentDto> {
    const row = await this.handOvers.find(id);
    if (!row) throw new NotFound('Reassignment', id);
    return toReassignmentDto(row);
  }
}

/** Queues the hand-over's one job once its request committed (job id per hand-over). */
@Injectable()
export class HandOverStarter implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    @InjectQueue(QueueName.Sales) private readonly queue: Queue<HandOverJob>,
  ) {}

  onModuleInit(): void {
    this.handlers.subscribe(SalesSubscribers.startHandOver, async (event) => {
      const { reassignmentId } = event.payload;
      await this.queue.add(
        'hand-over',
        { kind: 'hand-over', reassignmentId },
        { jobId: `hand-over.${reassignmentId}` },
      );
    });
  }
}

/**
 * Moves a departing salesperson's book in slices of HANDOVER_SLICE_SIZE, one short transaction each
 * (customers through the customers module, which owns them; leads, open opportunities and unsent quotes
 * here), each slice committing its moves, history rows, events and progress together — so no write
 * waits on its locks for longer than one slice, and a job killed in the middle resumes where the last
 * slice committed (what is still the departing salesperson's). Ends with one `sales.book_reassigned`.
 */
@Injectable()
export class HandOverBook {
  constructor(
    private readonly handOvers: HandOverRepository,
    private readonly customers: CustomersService,
    private readonly spreading: SpreadOverRules,
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async execute(job: Job<HandOverJob>): Promise<string> {
    const reassignment = await this.handOvers.find(job.data.reassignmentId);
    if (!reassignment) return 'gone';
    if (reassignment.status === 'done') return 'already done';
    const { id, requestedBy, requestId } = reassignment;
    const kinds: HandOverKind[] = HAND_OVER_KINDS.filter((candidate) => reassignment.include.includes(candidate));
    const move = reassignment.toUserId
      ? this.toSuccessor(reassignment, reassignment.toUserId)
      : this.overRules(reassignment, await this.spreading.successors(reassignment.fromUserId, requestedBy));
    for (const kind of kinds) {
      for (;;) {
        const moved = await this.transactions.run(async (tx) => {
          const count = await move(tx, kind);
          if (count) await this.handOvers.addProgress(tx, id, kind, count);
          return count;
        });
        if (moved) await job.updateProgress((await this.handOvers.find(id))?.moved ?? {});
        if (moved === 0) break;
      }
    }
    await this.transactions.run(async (tx) => {
      const done = await this.handOvers.finish(tx, id);
      if (!done) return;
      await this.audit.record(tx, { actorType: 'user', actorId: requestedBy }, requestId ?? undefined, {
        action: 'sales.book_reassigned',
        entityType: 'reassignment',
        entityId: id,
        after: toReassignmentDto(done),
      });
      await this.outbox.record(tx, HandOverEvents.bookReassigned, id, { reassignment: toReassignmentDto(done) });
    });
    return 'done';
  }

  /** One slice to the named successor: the next records still the departing salesperson's. */
  private toSuccessor(reassignment: ReassignmentRow, toUserId: string): SliceMove {
    const { id: reassignmentId, fromUserId, requestedBy, requestId } = reassignment;
    const limit = this.config.HANDOVER_SLICE_SIZE;
    return async (tx, kind) => {
      if (kind !== 'customers')
        return this.handOvers.moveSlice(tx, kind, {
          fromUserId,
          toUserId,
          limit,
          reassignmentId,
          changedBy: requestedBy,
        });
      const ids = await this.customers.handOverSlice(tx, {
        fromUserId,
        toUserId,
        limit,
        reassignmentId,
        actorId: requestedBy,
        requestId,
      });
      await this.handOvers.recordCustomersMoved(
        tx,
        ids.map((customerId) => ({ id: customerId, toUserId })),
        { fromUserId, reassignmentId, changedBy: requestedBy },
      );
      return ids.length;
    };
  }

  /**
   * One slice spread over the rules' salespeople: customers and leads by the rules, opportunities and
   * quotes to their customer's owner when that owner may take them (else by the rules, as the customer).
   */
  private overRules(reassignment: ReassignmentRow, successors: string[]): SliceMove {
    const { id: reassignmentId, fromUserId, requestedBy, requestId } = reassignment;
    const limit = this.config.HANDOVER_SLICE_SIZE;
    const eligible = new Set(successors);
    if (!successors.length)
      throw new UnrecoverableError(`hand-over ${reassignmentId}: the rules name nobody who may take the book`);
    return async (tx, kind) => {
      if (kind === 'customers') {
        const book = await this.customers.handOverCandidates(tx, fromUserId, limit);
        const owners = await this.spreading.owners(
          tx,
          book.map((customer) => ({ region: customer.region, industry: customer.industry, source: null })),
          successors,
        );
        const moved = await this.customers.handOverEach(
          tx,
          book.map((customer, index) => ({ id: customer.id, toUserId: owners[index] })),
          { fromUserId, reassignmentId, actorId: requestedBy, requestId },
        );
        await this.handOvers.recordCustomersMoved(tx, moved, { fromUserId, reassignmentId, changedBy: requestedBy });
        return moved.length;
      }
      const records = await this.handOvers.candidates(tx, kind, fromUserId, limit);
      if (!records.length) return 0;
      let traits = records.map(({ region, industry, source }) => ({ region, industry, source }));
      const followed = new Map<string, string>();
      if (kind !== 'leads') {
        const customers = await this.customers.owners(records.flatMap((record) => record.customerId ?? []));
        records.forEach((record, index) => {
          const customer = record.customerId ? customers.get(record.customerId) : undefined;
          if (customer?.ownerId && eligible.has(customer.ownerId)) followed.set(record.id, customer.ownerId);
          traits[index] = { region: customer?.region ?? null, industry: customer?.industry ?? null, source: null };
        });
      }
      const byRules = records.filter((record) => !followed.has(record.id));
      traits = traits.filter((_, index) => !followed.has(records[index].id));
      const owners = await this.spreading.owners(tx, traits, successors);
      byRules.forEach((record, index) => followed.set(record.id, owners[index]));
      return this.handOvers.moveEach(
        tx,
        kind,
        records.map((record) => ({ id: record.id, toUserId: followed.get(record.id)! })),
        { fromUserId, reassignmentId, changedBy: requestedBy },
      );
    };
  }
}

/** Moves one slice of a kind of record inside `tx`; returns how many moved (none: that part of the book is done). */
type SliceMove = (tx: Tx, kind: HandOverKind) => Promise<number>;
