import type { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import type { ComplaintSlaJob } from '../../infrastructure/queues/queue-names.js';
import type { ComplaintStatus } from './complaint-lifecycle.js';

/** Business minutes to acknowledge and to resolve a complaint. */
export interface ComplaintTargets {
  acknowledgeMinutes: number;
  resolveMinutes: number;
}

/** The targets of one severity for one tier (null: customers of any other tier, or none). */
export interface ComplaintTarget extends ComplaintTargets {
  tier: string | null;
  severity: string;
}

export const COMPLAINT_SEVERITIES = ['critical', 'high', 'normal', 'low'] as const;

/** The tier's target for the severity, or the one for any other tier (which always exists). */
export function targetFor(
  targets: readonly ComplaintTarget[],
  tier: string | null,
  severity: string,
): ComplaintTargets {
  const target =
    targets.find((candidate) => candidate.tier === tier && tier !== null && candidate.severity === severity) ??
    targets.find((candidate) => candidate.tier === null && candidate.severity === severity);
  if (!target) throw new Error(`no complaint target for severity ${severity}`);
  return { acknowledgeMinutes: target.acknowledgeMinutes, resolveMinutes: target.resolveMinutes };
}

/**
 * Both deadlines from the moment the clocks started, in business hours; the resolution clock also gets
 * the business minutes spent waiting on the customer.
 */
export function complaintDeadlines(
  start: Date,
  targets: ComplaintTargets,
  calendar: BusinessCalendar,
  pausedMinutes = 0,
): { acknowledgeBy: Date; resolveBy: Date } {
  return {
    acknowledgeBy: calendar.addMinutes(start, targets.acknowledgeMinutes),
    resolveBy: calendar.addMinutes(start, targets.resolveMinutes + pausedMinutes),
  };
}

export type ComplaintClock = ComplaintSlaJob['clock'];

/** The acknowledgement clock runs until someone acknowledges; the resolution clock until resolved, paused while waiting on the customer. */
const RUNS: Record<ComplaintClock, readonly ComplaintStatus[]> = {
  acknowledgement: ['received'],
  resolution: ['received', 'acknowledged', 'investigating'],
};

export function complaintClockRuns(status: ComplaintStatus, clock: ComplaintClock): boolean {
  return RUNS[clock].includes(status);
}

export interface ClockedComplaint {
  id: string;
  status: ComplaintStatus;
  slaStartedAt: Date;
  pausedMinutes: number;
  acknowledgeBy: Date;
  resolveBy: Date;
}

/**
 * The warning and breach moments of every running clock, to be scheduled as delayed jobs. The warning
 * comes when `warningPercent` of the clock's own target has been used, waiting on the customer not counted.
 */
export function pendingComplaintAlarms(
  complaint: ClockedComplaint,
  targets: ComplaintTargets,
  warningPercent: number,
  calendar: BusinessCalendar,
): { job: ComplaintSlaJob; at: Date }[] {
  const clocks = [
    ['acknowledgement', complaint.acknowledgeBy, targets.acknowledgeMinutes, 0],
    ['resolution', complaint.resolveBy, targets.resolveMinutes, complaint.pausedMinutes],
  ] as const;
  return clocks
    .filter(([clock]) => complaintClockRuns(complaint.status, clock))
    .flatMap(([clock, deadline, target, paused]) => {
      const base = { complaintId: complaint.id, clock, deadline: deadline.toISOString() };
      return [
        {
          job: { ...base, stage: 'warning' as const },
          at: calendar.addMinutes(complaint.slaStartedAt, (target * warningPercent) / 100 + paused),
        },
        { job: { ...base, stage: 'breach' as const }, at: deadline },
      ];
    });
}

/** One job per clock, stage and deadline: scheduling it twice is a no-op, a moved deadline is a new alarm. */
export function complaintAlarmJobId(job: ComplaintSlaJob): string {
  return `${job.complaintId}.${job.clock}.${job.stage}.${Date.parse(job.deadline)}`;
}
