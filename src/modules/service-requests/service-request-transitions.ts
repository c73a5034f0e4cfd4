import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { StaleVersion } from '../../common/errors/domain-errors.js';
import type { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import { Tx, TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { assertMayAct, visibleTo } from './service-request-access.js';
import { LifecycleAction, nextStatus } from './service-request-lifecycle.js';
import { ServiceRequestRow, ServiceRequestsRepository } from './service-requests.repository.js';
import type { ServiceRequestChange } from './service-requests.events.js';
import { deadlinesFor, type SlaTargets } from './service-priority.js';

/** One step of a request's lifecycle, as the use cases describe it. */
export interface TransitionStep {
  /** The action, or how to tell it from the request as it is (dispatching a request in progress hands it over). */
  action: LifecycleAction | ((current: ServiceRequestRow) => LifecycleAction);
  /** The columns the step sets besides the status; it may refuse by throwing. */
  changes: (current: ServiceRequestRow, tx: Tx) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Merged into the event's payload. */
  eventDetails?: Record<string, unknown>;
  /** The version the caller saw (If-Match): a request changed since is 412. */
  expectedVersion?: number;
}

/** The event each action records: `service_request.<change>`. */
const EVENT_OF = {
  queue: 'queued',
  assign: 'assigned',
  hand_over: 'reassigned',
  start: 'started',
  wait: 'waiting_on_customer',
  resume: 'resumed',
  resolve: 'resolved',
  close: 'closed',
  reopen: 'reopened',
} as const satisfies Record<LifecycleAction, ServiceRequestChange>;

/**
 * How every lifecycle step is applied: the request locked as the caller may see it, the version and
 * the caller's right to act checked, the status moved by the lifecycle rules, the columns and the
 * event written in one statement.
 */
@Injectable()
export class ServiceRequestTransitions {
  constructor(
    private readonly requests: ServiceRequestsRepository,
    private readonly transactions: TransactionRunner,
  ) {}

  apply(id: string, principal: Principal, step: TransitionStep): Promise<ServiceRequestRow> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockVisible(tx, id, principal);
      if (step.expectedVersion !== undefined && step.expectedVersion !== current.version) {
        throw new StaleVersion('The service request', step.expectedVersion, current.version);
      }
      const action = typeof step.action === 'function' ? step.action(current) : step.action;
      assertMayAct(current, action, principal);
      const status = nextStatus(current.status, action);
      return this.requests.update(
        tx,
        id,
        { status, ...(await step.changes(current, tx)) },
        { change: EVENT_OF[action], details: step.eventDetails ?? {} },
      );
    });
  }

  async lockVisible(tx: Tx, id: string, principal: Principal): Promise<ServiceRequestRow> {
    return visibleTo(principal, id, await this.requests.lock(tx, id));
  }
}

/**
 * Deadlines counted from `start`: the resolution clock also gets the time spent waiting on the
 * customer. A clock whose deadline moves into the future may warn and breach again.
 */
export function deadlineColumns(
  current: ServiceRequestRow,
  start: Date,
  targets: SlaTargets,
  pausedMinutes: number,
  calendar: BusinessCalendar,
): Record<string, unknown> {
  const { respondBy, resolveBy } = deadlinesFor(start, targets, calendar, pausedMinutes);
  const now = Date.now();
  const columns: Record<string, unknown> = { respond_by: respondBy, resolve_by: resolveBy };
  if (respondBy.getTime() !== Date.parse(current.respondBy) && respondBy.getTime() > now)
    Object.assign(columns, { response_warned_at: null, response_breached_at: null });
  if (resolveBy.getTime() !== Date.parse(current.resolveBy) && resolveBy.getTime() > now)
    Object.assign(columns, { resolution_warned_at: null, resolution_breached_at: null });
  return columns;
}
