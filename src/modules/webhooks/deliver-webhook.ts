import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { AppConfig } from '../../infrastructure/config/app-config.js';
import type { WebhookDeliveryJob } from '../../infrastructure/queues/queue-names.js';
import { EndpointSlots } from './endpoint-slots.js';
import { retryDelayMs } from './retry-schedule.js';
import { DeliveryToSend, WebhookDeliveriesRepository } from './webhook-deliveries.repository.js';
import { WebhookEndpointHealth } from './webhook-endpoint-health.js';
import { SendResult, WebhookSender } from './webhook-sender.js';
import { signatureHeader } from './webhook-signature.js';

// Consecutive failed attempts after which an endpoint is served one attempt at a time.
const TRIP_AFTER_FAILURES = 3;

export type DeliveryOutcome = 'delivered' | 'obsolete' | 'endpoint disabled' | 'endpoint gone';

/** A failed attempt that BullMQ should retry (or, after the last one, keep in the failed set). */
/** A failed attempt; `retryAfterMs` is the wait the partner asked for, which the backoff honours. */
export class DeliveryAttemptFailed extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/**
 * One attempt at one delivery: sign, send, log the attempt, and decide. 2xx is delivered; 410 Gone
 * disables the endpoint; anything else (another status, a refused or timed-out connection) is retried
 * by BullMQ on the webhook backoff until the attempts run out.
 */
@Injectable()
export class DeliverWebhook {
  // Per process: however slow one endpoint is, it holds at most this many of the worker's slots.
  private readonly slots: EndpointSlots;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly sender: WebhookSender,
    private readonly health: WebhookEndpointHealth,
    private readonly config: AppConfig,
  ) {
    this.slots = new EndpointSlots({
      perEndpoint: config.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
      tripAfterFailures: TRIP_AFTER_FAILURES,
      failingTotal: Math.max(1, Math.floor(config.WEBHOOK_DELIVERY_CONCURRENCY / 4)),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    });
  }

  async execute(job: Job<WebhookDeliveryJob>, token?: string): Promise<DeliveryOutcome> {
    const delivery = await this.deliveries.findToSend(job.data.deliveryId);
    // Replayed since (a newer generation has its own job), or gone.
    if (!delivery || delivery.generation !== job.data.generation) return 'obsolete';
    // Only an operator re-runs the job of a delivery that ran out of attempts (retry from /admin/queues or Bull Board): send it again.
    if (delivery.status === 'failed' && !(await this.deliveries.reopenFailed(delivery.id, delivery.generation)))
      return 'obsolete';
    // Delivered already (a job that ran twice), or skipped.
    if (delivery.status !== 'pending' && delivery.status !== 'failed') return 'obsolete';
    if (!delivery.endpoint_usable) {
      await this.deliveries.markFailed(delivery.id, delivery.generation, 'the endpoint is disabled');
      return 'endpoint disabled';
    }
    const lease = this.slots.tryAcquire(delivery.endpoint_id);
    if ('parkUntil' in lease) return this.park(job, lease.parkUntil, token);
    const started = Date.now();
    let result: SendResult | undefined;
    try {
      result = await this.send(delivery);
    } finally {
      this.slots.release(lease, { succeeded: isSuccess(result), latencyMs: result?.latencyMs ?? Date.now() - started });
    }
    const succeeded = isSuccess(result);
    const gone = result.statusCode === 410;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.deliveries.recordAttempt({
      deliveryId: delivery.id,
      generation: delivery.generation,
      endpointId: delivery.endpoint_id,
      ...result,
      succeeded,
      status: succeeded ? 'succeeded' : gone || lastAttempt ? 'failed' : 'pending',
      retryInMs:
        succeeded || gone || lastAttempt
          ? null
          : Math.max(
              retryDelayMs(job.attemptsMade + 1, this.config.WEBHOOK_RETRY_BASE_DELAY_MS, () => 1),
              result.retryAfterMs ?? 0,
            ),
    });
    if (succeeded) return 'delivered';
    if (gone) {
      await this.health.disable(delivery.endpoint_id, 'the endpoint answered 410 Gone');
      return 'endpoint gone';
    }
    await this.health.noteFailure(delivery.endpoint_id);
    throw new DeliveryAttemptFailed(
      result.error ?? `the endpoint answered ${result.statusCode}`,
      result.retryAfterMs ?? null,
    );
  }

  private async send(delivery: DeliveryToSend): Promise<SendResult> {
    const body = JSON.stringify({
      id: delivery.event_id,
      type: delivery.event_type,
      occurredAt: delivery.occurred_at.toISOString(),
      data: delivery.data,
    });
    const timestamp = Math.floor(Date.now() / 1_000);
    const secrets = delivery.previous_secret ? [delivery.secret, delivery.previous_secret] : [delivery.secret];
    const headers = {
      'webhook-id': delivery.event_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(secrets, delivery.event_id, timestamp, body),
    };
    return this.sender.send({ url: delivery.url, headers, body });
  }

  /** The endpoint has all the attempts in flight it may have: put the job back (not counted as an attempt) and free this worker slot. */
  private async park(job: Job<WebhookDeliveryJob>, until: number, token?: string): Promise<never> {
    await job.moveToDelayed(until, token);
    throw new DelayedError();
  }
}

function isSuccess(result: SendResult | undefined): boolean {
  return result?.statusCode != null && result.statusCode >= 200 && result.statusCode < 300;
}
