import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { hasRole, type Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { Forbidden, NotFound, Unprocessable } from '../../common/errors/domain-errors.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
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
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
  ) {}

  async execute(dto: ReassignDto, principal: Principal, requestId: string): Promise<ReassignmentDto> {
    if (dto.fromUserId === dto.toUserId)
      throw new Unprocessable('A book is handed over to someone else.', [
        { field: 'toUserId', message: 'must differ from fromUserId' },
      ]);
    if (!(await this.users.exists(dto.fromUserId)))
      throw new Unprocessable('The departing user does not exist.', [
        { field: 'fromUserId', message: 'no user has this id' },
      ]);
    if (!(await this.users.activeWithRoles([dto.toUserId], [...LEAD_OWNER_ROLES])).length)
      throw new Unprocessable('The book goes to an active salesperson or manager.', [
        { field: 'toUserId', message: 'not an active salesperson or manager' },
      ]);
    if (!hasRole(principal, 'admin')) {
      const team = new Set([principal.id, ...(await this.users.teamOf(principal.id))]);
      if (!team.has(dto.fromUserId) || !team.has(dto.toUserId))
        throw new Forbidden('A manager hands over books within their team.');
    }
    return this.transactions.run(async (tx) => {
      const row = await this.handOvers.insert(tx, {
        fromUserId: dto.fromUserId,
        toUserId: dto.toUserId,
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
    private readonly transactions: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async execute(job: Job<HandOverJob>): Promise<string> {
    const reassignment = await this.handOvers.find(job.data.reassignmentId);
    if (!reassignment) return 'gone';
    if (reassignment.status === 'done') return 'already done';
    const { id, fromUserId, toUserId, requestedBy, requestId } = reassignment;
    const limit = this.config.HANDOVER_SLICE_SIZE;
    const kinds: HandOverKind[] = HAND_OVER_KINDS.filter((candidate) => reassignment.include.includes(candidate));
    for (const kind of kinds) {
      for (;;) {
        const moved = await this.transactions.run(async (tx) => {
          let count: number;
          if (kind === 'customers') {
            const ids = await this.customers.handOverSlice(tx, {
              fromUserId,
              toUserId,
              limit,
              reassignmentId: id,
              actorId: requestedBy,
              requestId,
            });
            await this.handOvers.recordCustomersMoved(tx, ids, {
              fromUserId,
              toUserId,
              reassignmentId: id,
              changedBy: requestedBy,
            });
            count = ids.length;
          } else {
            count = await this.handOvers.moveSlice(tx, kind, {
              fromUserId,
              toUserId,
              limit,
              reassignmentId: id,
              changedBy: requestedBy,
            });
          }
          if (count) await this.handOvers.addProgress(tx, id, kind, count);
          return count;
        });
        if (moved) await job.updateProgress((await this.handOvers.find(id))?.moved ?? {});
        if (moved < limit) break;
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
}
