import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueuedDelivery } from './webhook-deliveries.repository.js';
import { SUBSCRIBED } from './webhook-subscriptions.js';

/** An outbox event the recovery sweep has checked; `missing` when a subscribed endpoint has no delivery of it. */
export interface CheckedOutboxEvent {
  outbox_id: string;
  id: string;
  type: string;
  occurred_at: Date;
  missing: boolean;
}

/**
 * What the recovery sweep reads: the outbox events after its watermark that may have reached no
 * subscribed endpoint, and the pending deliveries whose job may be lost.
 */
@Injectable()
export class WebhookRecoveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The outbox events after the sweep's watermark that were published more than `graceSeconds` ago,
   * in id order and stopping at the first that was not (so the watermark never passes an event still
   * on its way), each flagged when an endpoint that subscribed before it occurred has no delivery of it.
   */
  uncheckedEvents(graceSeconds: number, limit: number): Promise<CheckedOutboxEvent[]> {
    return this.dataSource.query(
      `WITH batch AS (
         SELECT o.id, o.event_id, o.type, o.occurred_at, o.payload, o.published_at FROM outbox o
          WHERE o.id > (SELECT checked_outbox_id FROM webhook_fan_out_progress) ORDER BY o.id LIMIT $2
       ), ready AS (
         SELECT * FROM batch WHERE id < coalesce((SELECT min(id) FROM batch WHERE published_at IS NULL OR published_at > now() - make_interval(secs => $1)), 9223372036854775807)
       )
       SELECT r.id::text AS outbox_id, r.event_id AS id, r.type, r.occurred_at,
              EXISTS (SELECT 1 FROM webhook_endpoints endpoint
                       WHERE ${SUBSCRIBED('endpoint', 'r.type', 'r.payload')} AND endpoint.created_at <= r.occurred_at
                         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = endpoint.id AND d.event_id = r.event_id)) AS missing
         FROM ready r ORDER BY r.id`,
      [graceSeconds, limit],
    );
  }

  async markEventsChecked(throughOutboxId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_fan_out_progress SET checked_outbox_id = greatest(checked_outbox_id, $1::bigint)`,
      [throughOutboxId],
    );
  }

  /** Pending deliveries whose next attempt is overdue by more than the grace period, most overdue first. */
  overdue(graceSeconds: number, limit: number): Promise<QueuedDelivery[]> {
    return this.dataSource.query(
      `SELECT id, generation FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1)
        ORDER BY next_attempt_at LIMIT $2`,
      [graceSeconds, limit],
    );
  }

  /** The sweep has seen to these (re-queued them, or found their job alive): look again only after another grace period. */
  async postpone(deliveries: QueuedDelivery[], seconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2) WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
      [deliveries.map((delivery) => delivery.id), seconds],
    );
  }
}
