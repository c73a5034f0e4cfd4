import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { actorOf } from '../../common/auth/principal.js';
import { StaleVersion } from '../../common/errors/domain-errors.js';
import { Tx, TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { assertMayAct } from './complaint-access.js';
import { ComplaintAction, nextComplaintStatus } from './complaint-lifecycle.js';
import type { ComplaintChange } from './complaints.events.js';
import { ComplaintRow, ComplaintsRepository } from './complaints.repository.js';
import { ComplaintsService } from './complaints.service.js';

/** One step of a complaint's lifecycle, as the use cases describe it. */
export interface ComplaintStep {
  action: ComplaintAction;
  /** The columns the step sets besides the status; it may refuse by throwing. */
  changes: (current: ComplaintRow, tx: Tx) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Merged into the event's payload and the timeline entry's details. */
  eventDetails?: Record<string, unknown>;
  /** The version the caller saw (If-Match): a complaint changed since is 412. */
  expectedVersion?: number;
  /** assign: to whom (an agent may only take it themselves). */
  assigneeId?: string;
}

const EVENT_OF = {
  acknowledge: 'acknowledged',
  investigate: 'investigation_started',
  wait: 'waiting_on_customer',
  resume: 'resumed',
  resolve: 'resolved',
  close: 'closed',
  reopen: 'reopened',
  assign: 'assigned',
  escalate: 'escalated',
} as const satisfies Record<ComplaintAction, ComplaintChange>;

/**
 * How every step is applied: the complaint locked as the caller may see it, the version and the
 * caller's right checked, the status moved by the lifecycle rules, and the columns, event, timeline
 * entry, audit row and open problem written in one statement.
 */
@Injectable()
export class ComplaintTransitions {
  constructor(
    private readonly complaints: ComplaintsRepository,
    private readonly reads: ComplaintsService,
    private readonly transactions: TransactionRunner,
  ) {}

  apply(id: string, principal: Principal, requestId: string | null, step: ComplaintStep): Promise<ComplaintRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.reads.visible(principal, id, await this.complaints.lock(tx, id));
      if (step.expectedVersion !== undefined && step.expectedVersion !== current.version)
        throw new StaleVersion('The complaint', step.expectedVersion, current.version);
      assertMayAct(step.action, principal, step.assigneeId);
      const status = nextComplaintStatus(current.status, step.action);
      return this.complaints.update(
        tx,
        id,
        { status, ...(await step.changes(current, tx)) },
        { change: EVENT_OF[step.action], details: step.eventDetails, actor: { ...actorOf(principal), requestId } },
      );
    });
  }
}
