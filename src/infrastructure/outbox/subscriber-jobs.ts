import type { JobsOptions } from 'bullmq';
import { type DomainEventJob, type EventSubscriberJob, subscriberJobId } from '../queues/queue-names.js';

export interface SubscriberJob {
  name: string;
  data: EventSubscriberJob;
  opts: JobsOptions;
}

/**
 * The jobs of one event's subscribers on the event-subscribers queue: one per subscriber, job id
 * `<event id>.<subscriber>` (so a second publish of the event adds nothing), at the event's priority
 * (bulk events stay behind ordinary ones). The relay adds them when it publishes an event of several
 * subscribers; the domain-events processor still does for such events queued by an older relay.
 */
export function subscriberJobsOf(
  event: DomainEventJob,
  subscribers: readonly string[],
  priority: number | undefined,
): SubscriberJob[] {
  return subscribers.map((subscriber) => ({
    name: `${event.type} → ${subscriber}`,
    data: { ...event, subscriber },
    opts: { jobId: subscriberJobId(event.eventId, subscriber), ...(priority ? { priority } : {}) },
  }));
}
