import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DomainEventJob, QueueName } from '../queues/queue-names.js';
import { DomainEventHandlers } from './domain-event-handlers.js';

/** Delivers each published event to the handlers subscribed to its type; a failing handler fails the job so it retries. */
@Processor(QueueName.DomainEvents, { concurrency: 64 })
export class DomainEventsProcessor extends WorkerHost {
  constructor(private readonly handlers: DomainEventHandlers) {
    super();
  }

  async process(job: Job<DomainEventJob>): Promise<{ handlers: number }> {
    const handlers = this.handlers.matching(job.data.type);
    for (const { handle } of handlers) await handle(job.data);
    return { handlers: handlers.length };
  }
}
