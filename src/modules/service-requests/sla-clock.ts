import type { ServiceSlaJob } from '../../infrastructure/queues/queue-names.js';
import type { BusinessCalendar } from '../../common/calendar/business-calendar.js';
import type { SlaTargets } from './service-priority.js';
import type { ServiceRequestStatus } from './service-request-lifecycle.js';

/** The response clock runs until someone starts work; the resolution clock until resolved, paused while waiting on the customer. */
const RESPONSE_RUNS: readonly ServiceRequestStatus[] = ['new', 'queued', 'assigned'];
const RESOLUTION_RUNS: readonly ServiceRequestStatus[] = ['new', 'queued', 'assigned', 'in_progress'];

export interface ClockedRequest {
  id: string;
  status: ServiceRequestStatus;
  slaStartedAt: Date;
  /** Business minutes spent waiting on the customer, which the resolution clock does not count. */
  pausedMinutes: number;
  respondBy: Date;
  resolveBy: Date;
}

export function clockRuns(status: ServiceRequestStatus, clock: ServiceSlaJob['clock']): boolean {
  return (clock === 'response' ? RESPONSE_RUNS : RESOLUTION_RUNS).includes(status);
}

/**
 * The warning and breach moments of every clock that is running, to be scheduled as delayed jobs. The
 * warning comes when `warningPercent` of the clock's own target has been used, not counting time spent
 * waiting on the customer.
 */
export function pendingAlarms(
  request: ClockedRequest,
  targets: SlaTargets,
  calendar: BusinessCalendar,
): { job: ServiceSlaJob; at: Date }[] {
  const alarms: { job: ServiceSlaJob; at: Date }[] = [];
  const clocks = [
    ['response', request.respondBy, targets.firstResponseMinutes, 0],
    ['resolution', request.resolveBy, targets.resolutionMinutes, request.pausedMinutes],
  ] as const;
  for (const [clock, deadline, target, paused] of clocks) {
    if (!clockRuns(request.status, clock)) continue;
    const base = { requestId: request.id, clock, deadline: deadline.toISOString() };
    alarms.push({
      job: { ...base, stage: 'warning' },
      at: calendar.addMinutes(request.slaStartedAt, (target * targets.warningPercent) / 100 + paused),
    });
    alarms.push({ job: { ...base, stage: 'breach' }, at: deadline });
  }
  return alarms;
}

/** One job per clock, stage and deadline: scheduling the same alarm twice is a no-op, a moved deadline is a new alarm. */
export function alarmJobId(job: ServiceSlaJob): string {
  return `${job.requestId}.${job.clock}.${job.stage}.${Date.parse(job.deadline)}`;
}
