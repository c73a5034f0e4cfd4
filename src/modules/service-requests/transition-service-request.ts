import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { deadlineColumns, ServiceRequestTransitions, TransitionStep } from './service-request-transitions.js';
import type { ServiceRequestRow } from './service-requests.repository.js';
import { SlaPoliciesRepository } from './sla-policies.repository.js';

/** The lifecycle steps a caller asks for by name (dispatch has its own use case). */
export type LifecycleCommand =
  | { action: 'queue' }
  | { action: 'start' }
  | { action: 'wait' }
  | { action: 'resume' }
  | { action: 'resolve'; resolution: string }
  | { action: 'close' }
  | { action: 'reopen'; reason: string };

/**
 * A request moves on in its lifecycle (service-request-lifecycle.ts says from where): held for triage
 * it joins the queue; work starts (the first response); it waits on the customer (the resolution clock
 * stops) and resumes (the wait moves the resolution deadline); it is resolved, closed, or reopened
 * with fresh clocks.
 */
@Injectable()
export class TransitionServiceRequest {
  constructor(
    private readonly transitions: ServiceRequestTransitions,
    private readonly policies: SlaPoliciesRepository,
    private readonly config: AppConfig,
  ) {}

  execute(id: string, command: LifecycleCommand, principal: Principal): Promise<ServiceRequestRow> {
    return this.transitions.apply(id, principal, this.step(command));
  }

  private step(command: LifecycleCommand): TransitionStep {
    switch (command.action) {
      case 'queue':
        return { action: 'queue', changes: () => ({}) };
      case 'start':
        // The first response is kept with the deadline it answered, so a reopened request still reports its first round truly.
        return {
          action: 'start',
          changes: (current) =>
            current.firstResponseAt ? {} : { first_response_at: new Date(), first_response_due: current.respondBy },
        };
      case 'wait':
        return { action: 'wait', changes: () => ({ paused_at: new Date() }) };
      case 'resume':
        return { action: 'resume', changes: (current, tx) => this.resumed(current, tx) };
      case 'resolve':
        return { action: 'resolve', changes: () => ({ resolved_at: new Date(), resolution: command.resolution }) };
      case 'close':
        return { action: 'close', changes: () => ({ closed_at: new Date() }) };
      case 'reopen':
        return {
          action: 'reopen',
          changes: (current, tx) => this.reopened(current, tx),
          eventDetails: { reason: command.reason },
        };
    }
  }

  /** Back to work: the time spent waiting on the customer (business minutes) moves the resolution deadline. */
  private async resumed(current: ServiceRequestRow, tx: Tx): Promise<Record<string, unknown>> {
    const calendar = this.config.businessCalendar;
    const pausedMinutes =
      current.pausedMinutes + Math.max(0, calendar.minutesBetween(new Date(current.pausedAt!), new Date()));
    const targets = await this.policies.targetsFor(current.tier, current.severity, tx);
    return {
      paused_at: null,
      paused_minutes: pausedMinutes,
      ...deadlineColumns(current, new Date(current.slaStartedAt), targets, pausedMinutes, calendar),
    };
  }

  /**
   * Back to the queue with fresh SLA clocks from now. The first response of the first round is kept for
   * reporting; the satisfaction score is cleared so the next resolution can be rated.
   */
  private async reopened(current: ServiceRequestRow, tx: Tx): Promise<Record<string, unknown>> {
    const targets = await this.policies.targetsFor(current.tier, current.severity, tx);
    const now = new Date();
    return {
      ...deadlineColumns(current, now, targets, 0, this.config.businessCalendar),
      sla_started_at: now,
      paused_minutes: 0,
      assigned_to: null,
      assigned_at: null,
      resolved_at: null,
      closed_at: null,
      paused_at: null,
      escalation_level: 0,
      response_warned_at: null,
      response_breached_at: null,
      resolution_warned_at: null,
      resolution_breached_at: null,
      // The customer rates the next resolution; the earlier score stays in the audit log and on the timeline.
      satisfaction_score: null,
      satisfaction_comment: null,
      reopened_count: current.reopenedCount + 1,
    };
  }
}
