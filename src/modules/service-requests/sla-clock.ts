import type { ServiceSlaJob } from '../../infrastructure/queues/queue-names.js';
import type { BusinessCalendar } from './business-calendar.js';
import { warningTime } from './service-priority.js';
import type { ServiceRequestStatus } from './service-request-lifecycle.js';

/** The response clock runs until someone starts work; the resolution clock until resolved, paused while waiting on the customer. */
const RESPONSE_RUNS: readonly ServiceRequestStatus[] = ['new', 'queued', 'assigned'];
const RESOLUTION_RUNS: readonly ServiceRequestStatus[] = ['new', 'queued', 'assigned', 'in_progress'];

export interface ClockedRequest {
  id: string;
  status: ServiceRequestStatus;
  slaStartedAt: Date;
  respondBy: Date;
  resolveBy: Date;
}

export function clockRuns(status: ServiceRequestStatus, clock: ServiceSlaJob['clock']): boolean {
  return (clock === 'response' ? RESPONSE_RUNS : RESOLUTION_RUNS).includes(status);
}

/** The warning and breach moments of every clock that is running, to be scheduled as delayed jobs. */
export function pendingAlarms(request: ClockedRequest, warningPercent: number, calendar: BusinessCalendar): { job: ServiceSlaJob; at: Date }[] {
  const alarms: { job: ServiceSlaJob; at: Date }[] = [];
  for (const [clock, deadline] of [['response', request.respondBy], ['resolution', request.resolveBy]] as const) {
    if (!clockRuns(request.status, clock)) continue;
    const base = { requestId: request.id, clock, deadline: deadline.toISOString() };
    alarms.push({ job: { ...base, stage: 'warning' }, at: warningTime(request.slaStartedAt, deadline, warningPercent, calendar) });
    alarms.push({ job: { ...base, stage: 'breach' }, at: deadline });
  }
  return alarms;
}

/** One job per clock, stage and deadline: scheduling the same alarm twice is a no-op, a moved deadline is a new alarm. */
export function alarmJobId(job: ServiceSlaJob): string {
  return `${job.requestId}.${job.clock}.${job.stage}.${Date.parse(job.deadline)}`;
}
