import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { DomainEventJob, EventSubscriberJob, QueueName, subscriberJobId } from '../queues/queue-names.js';
import { DomainEventHandlers } from './domain-event-handlers.js';

/**
 * The fan-out step: each published event becomes one job per subscriber of its type on the
 * event-subscribers queue (job id `<event id>.<subscriber>`, so a rerun adds nothing), at the event's
 * priority (bulk events stay behind ordinary ones). The relay still queues one job per event, with
 * the event id as job id; this step only reads Redis and writes Redis, so it hardly ever fails.
 */
@Processor(QueueName.DomainEvents, { concurrency: 64 })
export class DomainEventsProcessor extends WorkerHost {
  constructor(
    private readonly handlers: DomainEventHandlers,
    @InjectQueue(QueueName.EventSubscribers) private readonly subscriberJobs: Queue<EventSubscriberJob>,
  ) {
    super();
  }

  async process(job: Job<DomainEventJob>): Promise<{ subscribers: string[] }> {
    const subscribers = this.handlers.matching(job.data.type).map(({ subscriber }) => subscriber.name);
    if (subscribers.length) {
      const priority = job.opts.priority ? { priority: job.opts.priority } : {};
      await this.subscriberJobs.addBulk(subscribers.map((subscriber) => ({
        name: `${job.data.type} → ${subscriber}`,
        data: { ...job.data, subscriber },
        opts: { jobId: subscriberJobId(job.data.eventId, subscriber), ...priority },
      })));
    }
    return { subscribers };
  }
}
