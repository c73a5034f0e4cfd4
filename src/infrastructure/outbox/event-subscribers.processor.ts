import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { EventSubscriberJob, QueueName } from '../queues/queue-names.js';
import { DomainEventHandlers } from './domain-event-handlers.js';
import { EVENT_CATALOGUES, subscriberProblems, type EventCatalogue } from './event-catalogue.js';

/**
 * Runs one subscriber's handler for one event of several subscribers. A failure retries this handler
 * alone (the queue's attempts and backoff); a domain error (a business rule refusing the event) will
 * refuse it again, so it fails at once with UnrecoverableError instead of retrying eight times. The
 * worker does not start when a declared subscriber has no handler or two (subscriberProblems).
 */
@Processor(QueueName.EventSubscribers, { concurrency: 64 })
export class EventSubscribersProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly handlers: DomainEventHandlers,
    @Inject(EVENT_CATALOGUES) private readonly catalogues: readonly EventCatalogue[],
  ) {
    super();
  }

  /** After every module's onModuleInit, when all handlers have subscribed. */
  onApplicationBootstrap(): void {
    const problems = subscriberProblems(
      this.catalogues,
      this.handlers.registered().map(({ subscriber }) => subscriber),
    );
    if (problems.length)
      throw new Error(`event subscribers do not match their declarations (<module>.events.ts): ${problems.join('; ')}`);
  }

  async process(job: Job<EventSubscriberJob>): Promise<void> {
    const registration = this.handlers.handlerOf(job.data.subscriber);
    // Retried, not failed for good: a worker of another version may run this subscriber.
    if (!registration) throw new Error(`no handler for subscriber ${job.data.subscriber} in this worker`);
    await this.handlers.run(registration, job.data);
  }
}
