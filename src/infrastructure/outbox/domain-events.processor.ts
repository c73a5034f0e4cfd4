import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { DomainEventJob, EventSubscriberJob, QueueName, subscriberJobId } from '../queues/queue-names.js';
import { DomainEventHandlers } from './domain-event-handlers.js';

/**
 * The fan-out step. An event of several subscribers becomes one job per subscriber on the
 * event-subscribers queue (job id `<event id>.<subscriber>`, so a rerun adds nothing), at the event's
 * priority (bulk events stay behind ordinary ones). An event of one subscriber needs no second job: the
 * event's own job is that subscriber's job, and the handler runs here — a flood of tier changes, whose
 * only subscriber is the webhook fan-out, costs one job per event as before. The relay still queues one
 * job per event, with the event id as job id.
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
    const matching = this.handlers.matching(job.data.type);
    const subscribers = matching.map(({ subscriber }) => subscriber.name);
    if (matching.length === 1) {
      await this.handlers.run(matching[0], job.data);
    } else if (matching.length > 1) {
      const priority = job.opts.priority ? { priority: job.opts.priority } : {};
      await this.subscriberJobs.addBulk(
        subscribers.map((subscriber) => ({
          name: `${job.data.type} → ${subscriber}`,
          data: { ...job.data, subscriber },
          opts: { jobId: subscriberJobId(job.data.eventId, subscriber), ...priority },
        })),
      );
    }
    return { subscribers };
  }
}
