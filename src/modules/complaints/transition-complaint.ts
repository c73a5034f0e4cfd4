import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { complaintDeadlines, targetFor } from './complaint-clock.js';
import { ComplaintTargetsRepository } from './complaint-targets.repository.js';
import { ComplaintTaxonomyRepository } from './complaint-taxonomy.repository.js';
import { ImprovementActionsRepository } from './improvement-actions.repository.js';
import { ComplaintStep, ComplaintTransitions } from './complaint-transitions.js';
import { RootCauseRequired } from './complaints-errors.js';
import type { ComplaintRow } from './complaints.repository.js';

/** The lifecycle steps a caller asks for by name (assignment and escalation have their own use cases). */
export type ComplaintCommand =
  | { action: 'acknowledge' }
  | { action: 'investigate' }
  | { action: 'wait' }
  | { action: 'resume' }
  | { action: 'resolve'; rootCause: string; resolution: string; fiveWhys?: string[] }
  | { action: 'close' }
  | { action: 'reopen'; reason: string };

/**
 * A complaint moves on (complaint-lifecycle.ts says from where): acknowledged (the acknowledgement
 * clock stops; the acknowledger takes it if nobody has), investigated, waiting on the customer (the
 * resolution clock pauses) and back, resolved with a root cause of the taxonomy and what was done,
 * closed, or reopened with a fresh resolution clock. The business minutes each clock took are kept
 * for the report.
 */
@Injectable()
export class TransitionComplaint {
  constructor(
    private readonly transitions: ComplaintTransitions,
    private readonly targets: ComplaintTargetsRepository,
    private readonly taxonomy: ComplaintTaxonomyRepository,
    private readonly actions: ImprovementActionsRepository,
    private readonly config: AppConfig,
  ) {}

  execute(id: string, command: ComplaintCommand, principal: Principal, requestId: string): Promise<ComplaintRow> {
    return this.transitions.apply(id, principal, requestId, this.step(command, principal));
  }

  private step(command: ComplaintCommand, principal: Principal): ComplaintStep {
    const calendar = this.config.businessCalendar;
    const takeIfUnassigned = (current: ComplaintRow) =>
      !current.assignedTo && principal.kind === 'user' ? { assigned_to: principal.id } : {};
    switch (command.action) {
      case 'acknowledge':
        return {
          action: 'acknowledge',
          changes: (current) => {
            const now = new Date();
            return {
              acknowledged_at: now,
              acknowledge_due: current.acknowledgeBy,
              acknowledge_minutes: Math.max(0, calendar.minutesBetween(new Date(current.receivedAt), now)),
              ...takeIfUnassigned(current),
            };
          },
        };
      case 'investigate':
        return { action: 'investigate', changes: (current) => takeIfUnassigned(current) };
      case 'wait':
        return { action: 'wait', changes: () => ({ paused_at: new Date() }) };
      case 'resume':
        return { action: 'resume', changes: (current, tx) => this.resumed(current, tx) };
      case 'resolve':
        return { action: 'resolve', changes: (current, tx) => this.resolved(current, command, tx) };
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

  private async resolved(
    current: ComplaintRow,
    command: { rootCause: string; resolution: string; fiveWhys?: string[] },
    tx: Tx,
  ): Promise<Record<string, unknown>> {
    const cause = await this.taxonomy.rootCause(command.rootCause, tx);
    const problem = !cause
      ? 'not a root cause of the taxonomy'
      : !cause.parentCode
        ? `${cause.label} is a group: name one of its causes`
        : !cause.active
          ? 'this root cause is retired'
          : null;
    if (problem)
      throw new RootCauseRequired(`A complaint is resolved with a root cause: ${problem}.`, [
        { field: 'rootCause', message: problem },
      ]);
    // A complaint of a root cause that an open improvement action is fixing is one that action answers (R-P4).
    await this.actions.linkToOpenActions(tx, current.id, command.rootCause);
    const now = new Date();
    const worked = this.config.businessCalendar.minutesBetween(new Date(current.slaStartedAt), now);
    return {
      root_cause: command.rootCause,
      five_whys: command.fiveWhys ?? [],
      resolution: command.resolution,
      resolved_at: now,
      resolution_minutes: Math.max(0, worked - current.pausedMinutes),
    };
  }

  /** Back to the investigation: the business minutes spent waiting on the customer move the resolution deadline. */
  private async resumed(current: ComplaintRow, tx: Tx): Promise<Record<string, unknown>> {
    const calendar = this.config.businessCalendar;
    const pausedMinutes =
      current.pausedMinutes + Math.max(0, calendar.minutesBetween(new Date(current.pausedAt!), new Date()));
    const targets = targetFor(await this.targets.targets(tx), current.tier, current.severity);
    const { resolveBy } = complaintDeadlines(new Date(current.slaStartedAt), targets, calendar, pausedMinutes);
    return { paused_at: null, paused_minutes: pausedMinutes, ...movedResolveBy(current, resolveBy) };
  }

  /** A fresh resolution clock from now; the acknowledgement stands. The satisfaction is cleared for the next resolution. */
  private async reopened(current: ComplaintRow, tx: Tx): Promise<Record<string, unknown>> {
    const now = new Date();
    const targets = targetFor(await this.targets.targets(tx), current.tier, current.severity);
    const { resolveBy } = complaintDeadlines(now, targets, this.config.businessCalendar);
    return {
      sla_started_at: now,
      resolve_by: resolveBy,
      paused_minutes: 0,
      paused_at: null,
      resolved_at: null,
      resolution_minutes: null,
      closed_at: null,
      resolution_warned_at: null,
      resolution_breached_at: null,
      satisfaction_score: null,
      satisfaction_comment: null,
      reopened_count: current.reopenedCount + 1,
    };
  }
}

/** A resolution deadline moved into the future may warn and breach again. */
function movedResolveBy(current: ComplaintRow, resolveBy: Date): Record<string, unknown> {
  const columns: Record<string, unknown> = { resolve_by: resolveBy };
  if (resolveBy.getTime() !== Date.parse(current.resolveBy) && resolveBy.getTime() > Date.now())
    Object.assign(columns, { resolution_warned_at: null, resolution_breached_at: null });
  return columns;
}
