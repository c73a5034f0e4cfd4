import type { BusinessCalendar } from '../../common/calendar/business-calendar.js';

export const SEVERITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Escalated requests come before every request that is not: one level is worth more than any wait. */
export const ESCALATION_POINTS = 100_000;

/** One row of the SLA policy set: the targets for a severity, for one tier or (tier null) for any other. */
export interface SlaPolicy extends SlaTargets {
  tier: string | null;
  severity: string;
}

export interface SlaTargets {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  warningPercent: number;
}

/** The tier's policy for the severity, or else the policy for customers of any other tier (always present). */
export function targetsIn(policies: SlaPolicy[], tier: string | null, severity: string): SlaTargets {
  const policy =
    policies.find((candidate) => candidate.severity === severity && tier !== null && candidate.tier === tier) ??
    policies.find((candidate) => candidate.severity === severity && candidate.tier === null);
  if (!policy) throw new Error(`no SLA policy for ${severity} requests of customers of any tier`);
  return {
    firstResponseMinutes: policy.firstResponseMinutes,
    resolutionMinutes: policy.resolutionMinutes,
    warningPercent: policy.warningPercent,
  };
}

export interface QueuedRequest {
  id: string;
  receivedAt: Date;
  respondBy: Date;
  escalationLevel: number;
}

/**
 * The first-response and resolution deadlines of clocks started at `start`, in business time; the
 * resolution clock does not count the minutes spent waiting on the customer.
 */
export function deadlinesFor(
  start: Date,
  targets: SlaTargets,
  calendar: BusinessCalendar,
  pausedMinutes = 0,
): { respondBy: Date; resolveBy: Date } {
  return {
    respondBy: calendar.addMinutes(start, targets.firstResponseMinutes),
    resolveBy: calendar.addMinutes(start, targets.resolutionMinutes + pausedMinutes),
  };
}

/**
 * The priority rule. A request's priority is its head start plus the business minutes it has waited:
 *   priority = (longest first-response target − this request's target) + minutes waited
 *              + ESCALATION_POINTS × escalation level.
 * The head start comes from the SLA policy of the customer's tier and the severity, so a VIP's
 * critical request starts far ahead of a low-tier question — but every waiting minute adds a point,
 * so an old low-tier request overtakes fresh VIP requests before its own deadline passes. Highest
 * priority is served first; ties go to the earlier arrival. Sorting by priority is the same as sorting
 * by first-response deadline (earliest deadline first), which is how the queue is stored and indexed.
 */
export function priorityOf(
  request: Pick<QueuedRequest, 'respondBy' | 'escalationLevel'>,
  now: Date,
  longestTargetMinutes: number,
  calendar: BusinessCalendar,
): number {
  const minutesUntilDue = calendar.minutesBetween(now, request.respondBy);
  return Math.floor(longestTargetMinutes - minutesUntilDue) + request.escalationLevel * ESCALATION_POINTS;
}

/** The serving order, as the queue index sorts it: escalated first, then earliest deadline, then arrival. */
export function compareServingOrder(a: QueuedRequest, b: QueuedRequest): number {
  return (
    b.escalationLevel - a.escalationLevel ||
    a.respondBy.getTime() - b.respondBy.getTime() ||
    a.receivedAt.getTime() - b.receivedAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
