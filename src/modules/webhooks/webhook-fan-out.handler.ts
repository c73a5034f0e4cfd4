import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEventHandlers } from '../../infrastructure/outbox/domain-event-handlers.js';
import type { DomainEventJob } from '../../infrastructure/queues/queue-names.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookDeliveryQueue } from './webhook-delivery-queue.js';
import { WebhooksSubscribers } from './webhooks.events.js';

/**
 * Every published event becomes one delivery, and one delivery job, per subscribed endpoint. The
 * event id is the webhook-id, so partners de-duplicate on it across retries and replays. Safe to run
 * twice for one event: deliveries are unique per (endpoint, event) and job ids derive from them. The
 * body stored for delivery is read from the outbox row in the statement that stores it (see
 * WebhookDeliveriesRepository.fanOut), so an erasure's redaction reaches events still queued.
 */
@Injectable()
export class WebhookFanOutHandler implements OnModuleInit {
  constructor(
    private readonly handlers: DomainEventHandlers,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly queue: WebhookDeliveryQueue,
  ) {}

  // The events being handled at the same moment (the domain-events worker runs several) share one statement.
  private readonly batch = new MicroBatch(async (events: DomainEventJob[]) => {
    const due = await this.deliveries.fanOut(events.map((event) => event.outboxId));
    if (due.length) await this.queue.enqueue(due);
    return events.map(() => undefined);
  });

  onModuleInit(): void {
    this.handlers.subscribeByReference(WebhooksSubscribers.fanOut, (event) => this.fanOut(event));
  }

  fanOut(event: DomainEventJob): Promise<void> {
    return this.batch.call(event);
  }
}
