import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { DomainEventJob, EventSubscriberJob, QueueName } from '../queues/queue-names.js';
import { DomainEventHandlers } from './domain-event-handlers.js';
import { subscriberJobsOf } from './subscriber-jobs.js';

/**
 * Runs the events of one subscriber (or none): the relay queues such an event as one job on
 * domain-events (job id = event id), and that job is its subscriber's job — a flood of events whose
 * only subscriber is the webhook fan-out (points earned, customers created) costs one job per event. An event of several
 * subscribers goes from the relay straight to the event-subscribers queue, one job per subscriber.
 * Such an event can still arrive here — queued by a relay of an older version, or published before a
 * second subscriber was declared — and then becomes its subscriber jobs here, as it did before.
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
      await this.subscriberJobs.addBulk(subscriberJobsOf(job.data, subscribers, job.opts.priority));
    }
    return { subscribers };
  }
}
