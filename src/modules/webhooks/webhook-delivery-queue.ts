import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { QueueName, WebhookDeliveryJob } from '../../infrastructure/queues/queue-names.js';
import type { QueuedDelivery } from './webhook-deliveries.repository.js';

export const WEBHOOK_BACKOFF = 'webhook';

/** Puts deliveries on the webhook-deliveries queue, one job per delivery and generation (so a rerun adds nothing). */
@Injectable()
export class WebhookDeliveryQueue {
  constructor(
    @InjectQueue(QueueName.WebhookDeliveries) private readonly queue: Queue<WebhookDeliveryJob>,
    private readonly config: AppConfig,
  ) {}

  async enqueue(deliveries: QueuedDelivery[]): Promise<void> {
    for (let start = 0; start < deliveries.length; start += 1_000) {
      await this.queue.addBulk(
        deliveries.slice(start, start + 1_000).map((delivery) => ({
          name: 'deliver',
          data: { deliveryId: delivery.id, generation: delivery.generation },
          opts: {
            jobId: `${delivery.id}-${delivery.generation}`,
            attempts: this.config.WEBHOOK_MAX_ATTEMPTS,
            backoff: { type: WEBHOOK_BACKOFF, delay: this.config.WEBHOOK_RETRY_BASE_DELAY_MS },
            // The delivery log in Postgres is the record; keep the queue small.
            removeOnComplete: { age: 3_600, count: 1_000 },
          },
        })),
      );
    }
  }
}
