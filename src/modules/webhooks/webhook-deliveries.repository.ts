import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { DeliveryStatus, WebhookAttemptDto, WebhookDeliveryDto } from './dto/webhook.dto.js';

/** A delivery due to be sent: its identity in BullMQ is "<id>-<generation>". */
export interface QueuedDelivery {
  id: string;
  generation: number;
}

/** Everything one attempt needs, read in one statement. */
export interface DeliveryToSend {
  id: string;
  status: DeliveryStatus;
  generation: number;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  data: unknown;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  endpoint_usable: boolean;
}

export interface AttemptRecord {
  deliveryId: string;
  endpointId: string;
  statusCode: number | null;
  latencyMs: number;
  succeeded: boolean;
  responseExcerpt: string | null;
  error: string | null;
  /** The delivery's status after this attempt: pending while retries remain. */
  status: DeliveryStatus;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  occurred_at: Date;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  attempt_log: { attempted_at: string; status_code: number | null; latency_ms: number; succeeded: boolean; response_excerpt: string | null; error: string | null }[];
}

// Endpoints subscribed to a type: exactly, by a `prefix.*` pattern, or by `*`. starts_with rather than
// LIKE, whose `_` wildcard would match inside names such as service_request.
const SUBSCRIBED = `deleted_at IS NULL AND ($1 = ANY(event_types) OR '*' = ANY(event_types)
  OR EXISTS (SELECT 1 FROM unnest(event_types) pattern WHERE right(pattern, 2) = '.*' AND starts_with($1, left(pattern, -1))))`;

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records one delivery per subscribed endpoint (skipped for disabled ones, so a replay can send it
   * later) and returns the deliveries still to send. Rerunning it for the same event creates nothing
   * new and returns the same pending deliveries, so their jobs (same ids) are not queued twice.
   */
  async fanOut(event: { id: string; type: string; occurredAt: string; data: unknown }): Promise<QueuedDelivery[]> {
    const subscribed: { id: string; active: boolean }[] = await this.dataSource.query(`SELECT id, active FROM webhook_endpoints WHERE ${SUBSCRIBED}`, [event.type]);
    if (!subscribed.length) return [];
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO webhook_events (id, type, occurred_at, data) VALUES ($2, $1, $3, $4::jsonb) ON CONFLICT (id) DO NOTHING`, [
        event.type, event.id, event.occurredAt, JSON.stringify(event.data),
      ]);
      // The second SELECT sees what an earlier run committed; the INSERT returns only what this one adds.
      return tx.query(
        `WITH added AS (
           INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, occurred_at, status)
           SELECT id, $2, $1, $3, CASE WHEN active THEN 'pending' ELSE 'skipped' END FROM webhook_endpoints WHERE id = ANY($4::uuid[])
           ON CONFLICT (endpoint_id, event_id) DO NOTHING
           RETURNING id, generation, status)
         SELECT id, generation FROM added WHERE status = 'pending'
         UNION ALL
         SELECT id, generation FROM webhook_deliveries WHERE event_id = $2 AND status = 'pending'`,
        [event.type, event.id, event.occurredAt, subscribed.map((endpoint) => endpoint.id)],
      );
    });
  }

  /** A test event and its one delivery, to the one endpoint. */
  async createTestDelivery(tx: Tx, endpointId: string, event: { id: string; type: string; data: unknown }): Promise<QueuedDelivery> {
    await tx.query(`INSERT INTO webhook_events (id, type, occurred_at, data) VALUES ($1, $2, now(), $3::jsonb)`, [event.id, event.type, JSON.stringify(event.data)]);
    const [row] = await tx.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, occurred_at, status) VALUES ($1, $2, $3, now(), 'pending') RETURNING id, generation`,
      [endpointId, event.id, event.type],
    );
    return row;
  }

  async findToSend(deliveryId: string): Promise<DeliveryToSend | null> {
    const [row] = await this.dataSource.query(
      `SELECT d.id, d.status, d.generation, d.event_id, d.event_type, d.occurred_at, ev.data,
              ep.id AS endpoint_id, ep.url, ep.secret,
              CASE WHEN ep.previous_secret_expires_at > now() THEN ep.previous_secret END AS previous_secret,
              (ep.active AND ep.deleted_at IS NULL) AS endpoint_usable
         FROM webhook_deliveries d
         JOIN webhook_events ev ON ev.id = d.event_id
         JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    return row ?? null;
  }

  /** The attempt's log row, the delivery's new state, and on success the end of the endpoint's failing spell: one round trip. */
  async recordAttempt(attempt: AttemptRecord): Promise<void> {
    await this.dataSource.query(
      `WITH logged AS (
         INSERT INTO webhook_delivery_attempts (delivery_id, status_code, latency_ms, succeeded, response_excerpt, error) VALUES ($1, $2, $3, $4, $5, $6)
       ), recovered AS (
         UPDATE webhook_endpoints SET failing_since = NULL WHERE $4 AND id = $8 AND failing_since IS NOT NULL
       )
       UPDATE webhook_deliveries SET attempts = attempts + 1, status = $7, last_status_code = $2, last_error = $6, last_attempt_at = now(),
              delivered_at = CASE WHEN $4 THEN now() ELSE delivered_at END
        WHERE id = $1`,
      [attempt.deliveryId, attempt.statusCode, attempt.latencyMs, attempt.succeeded, attempt.responseExcerpt, attempt.error, attempt.status, attempt.endpointId],
    );
  }

  async markFailed(deliveryId: string, reason: string): Promise<void> {
    await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = $2 WHERE id = $1 AND status = 'pending'`, [deliveryId, reason]);
  }

  async list(endpointId: string, status: DeliveryStatus | undefined, after: KeysetPosition | null, limit: number): Promise<DeliveryRow[]> {
    const params: unknown[] = [endpointId, limit + 1];
    const filters = [status ? `AND d.status = $${params.push(status)}` : '', after ? `AND (d.created_at, d.id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)` : ''];
    return this.dataSource.query(
      `SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.occurred_at, d.status, d.attempts, d.last_status_code, d.last_error, d.delivered_at, d.created_at,
              coalesce((SELECT jsonb_agg(jsonb_build_object('attempted_at', a.attempted_at, 'status_code', a.status_code, 'latency_ms', a.latency_ms,
                         'succeeded', a.succeeded, 'response_excerpt', a.response_excerpt, 'error', a.error) ORDER BY a.id)
                        FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempt_log
         FROM webhook_deliveries d
        WHERE d.endpoint_id = $1 ${filters.join(' ')}
        ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
      params,
    );
  }

  /** Queues one delivery again (a new generation, so a new job); null when it is not the endpoint owner's. */
  async replayOne(tx: Tx, deliveryId: string, endpointIds: string[] | 'all'): Promise<QueuedDelivery | null> {
    const params: unknown[] = [deliveryId];
    const owned = endpointIds === 'all' ? '' : `AND endpoint_id = ANY($${params.push(endpointIds)}::uuid[])`;
    const [rows] = await tx.query(
      `UPDATE webhook_deliveries SET status = 'pending', generation = generation + 1 WHERE id = $1 ${owned} RETURNING id, generation`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Queues again every delivery to the endpoint of an event that occurred in [from, to); at most `limit`. */
  async replayRange(tx: Tx, endpointId: string, from: string, to: string, limit: number): Promise<QueuedDelivery[] | 'too many'> {
    const [{ count }] = await tx.query(
      `SELECT count(*)::int AS count FROM webhook_deliveries WHERE endpoint_id = $1 AND occurred_at >= $2 AND occurred_at < $3`,
      [endpointId, from, to],
    );
    if (count > limit) return 'too many';
    const [rows] = await tx.query(
      `UPDATE webhook_deliveries SET status = 'pending', generation = generation + 1
        WHERE endpoint_id = $1 AND occurred_at >= $2 AND occurred_at < $3 RETURNING id, generation`,
      [endpointId, from, to],
    );
    return rows;
  }

  async endpointOf(deliveryId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT endpoint_id FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
    return row?.endpoint_id ?? null;
  }
}

export function toDeliveryDto(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    webhookId: row.event_id,
    eventType: row.event_type,
    occurredAt: row.occurred_at.toISOString(),
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    attemptLog: row.attempt_log.map(
      (attempt): WebhookAttemptDto => ({
        attemptedAt: new Date(attempt.attempted_at).toISOString(),
        statusCode: attempt.status_code,
        latencyMs: attempt.latency_ms,
        succeeded: attempt.succeeded,
        responseExcerpt: attempt.response_excerpt,
        error: attempt.error,
      }),
    ),
  };
}
