import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import { QueueName, WebhookDeliveryJob } from '../../infrastructure/queues/queue-names.js';
import { DeliverWebhook, DeliveryAttemptFailed, DeliveryOutcome } from './deliver-webhook.js';
import { WEBHOOK_BACKOFF } from './webhook-delivery-queue.js';
import { retryDelayMs } from './retry-schedule.js';

/** Sends webhook deliveries, many at once: each waits on a partner's server, not on this CPU. */
@Processor(QueueName.WebhookDeliveries, {
  concurrency: 100,
  // A job caught active by a crashed worker is run again (the processor is idempotent); the default of 1,
  // never reset, would fail a delivery's job without running it after its second crash in three days.
  maxStalledCount: 5,
  settings: {
    // The schedule, or longer when the partner asked for it (Retry-After on a 429 or 503).
    backoffStrategy: (attemptsMade, type, error, job) =>
      type === WEBHOOK_BACKOFF
        ? Math.max(
            retryDelayMs(
              attemptsMade,
              Number(job?.opts.backoff && typeof job.opts.backoff === 'object' ? job.opts.backoff.delay : 10_000),
            ),
            error instanceof DeliveryAttemptFailed ? (error.retryAfterMs ?? 0) : 0,
          )
        : 1_000,
  },
})
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly deliver: DeliverWebhook,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WEBHOOK_DELIVERY_CONCURRENCY;
  }

  process(job: Job<WebhookDeliveryJob>, token?: string): Promise<DeliveryOutcome> {
    return this.deliver.execute(job, token);
  }
}
