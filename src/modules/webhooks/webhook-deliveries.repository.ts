import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { activeApiKeyWhoseScopesSql } from '../identity/identity.sql.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { lockedOutboxEventsSql } from '../../infrastructure/outbox/outbox-payloads.js';
import type { DeliveryStatus } from './webhook-delivery-status.js';
import { SUBSCRIBED } from './webhook-subscriptions.js';

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
  /** The generation the attempt sent: an older one's outcome is logged but does not move a replayed delivery. */
  generation: number;
  endpointId: string;
  statusCode: number | null;
  latencyMs: number;
  succeeded: boolean;
  responseExcerpt: string | null;
  error: string | null;
  /** The delivery's status after this attempt: pending while retries remain. */
  status: DeliveryStatus;
  /** While pending: the longest BullMQ may wait before the next attempt (the recovery sweep looks for jobs lost after that). */
  retryInMs: number | null;
}

/** A delivery with its attempt log, as the deliveries list reads it. */
export interface WebhookDeliveryRow {
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
  attempt_log: {
    attempted_at: string;
    status_code: number | null;
    latency_ms: number;
    succeeded: boolean;
    response_excerpt: string | null;
    error: string | null;
  }[];
}

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records, for a batch of outbox events, one delivery per subscribed endpoint (skipped for disabled
   * ones, so a replay can send it later) and returns the deliveries still to send. Rerunning it for the
   * same events creates nothing new and returns the same pending deliveries, so their jobs (same ids)
   * are not queued twice. One statement: the foreign key from deliveries to events is checked at its end.
   *
   * The event bodies are read from the outbox here (lockedOutboxEventsSql), not taken from the caller:
   * an erasure redacts the outbox rows before it scans the stored events, so either it waits for this
   * statement and then finds (and redacts) what it stored, or this statement waits for the erasure and
   * stores the redacted body. A row purged from the outbox is skipped.
   */
  async fanOut(outboxIds: string[]): Promise<QueuedDelivery[]> {
    // The last SELECT sees what an earlier run committed; the INSERT returns only what this one adds.
    return this.dataSource.query(
      `WITH input AS (
         ${lockedOutboxEventsSql('$1')}
       ), matched AS (
         SELECT input.id AS event_id, input.type, input.occurred_at, endpoint.id AS endpoint_id, endpoint.active
           FROM input JOIN webhook_endpoints endpoint ON ${SUBSCRIBED('endpoint', 'input.type', 'input.data')}
       ), recorded_events AS (
         INSERT INTO webhook_events (id, type, occurred_at, data)
         SELECT id, type, occurred_at, data FROM input WHERE id IN (SELECT event_id FROM matched)
         ON CONFLICT (id) DO NOTHING
       ), added AS (
         INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, occurred_at, status)
         SELECT endpoint_id, event_id, type, occurred_at, CASE WHEN active THEN 'pending' ELSE 'skipped' END FROM matched
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING id, generation, status
       )
       SELECT id, generation FROM added WHERE status = 'pending'
       UNION ALL
       SELECT id, generation FROM webhook_deliveries WHERE event_id IN (SELECT id FROM input) AND status = 'pending'`,
      [outboxIds],
    );
  }

  /** A test event and its one delivery, to the one endpoint. */
  async createTestDelivery(
    tx: Tx,
    endpointId: string,
    event: { id: string; type: string; data: unknown },
  ): Promise<QueuedDelivery> {
    await tx.query(`INSERT INTO webhook_events (id, type, occurred_at, data) VALUES ($1, $2, now(), $3::jsonb)`, [
      event.id,
      event.type,
      JSON.stringify(event.data),
    ]);
    const [row] = await tx.query(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, occurred_at, status) VALUES ($1, $2, $3, now(), 'pending') RETURNING id, generation`,
      [endpointId, event.id, event.type],
    );
    return row;
  }

  /** Reads the deliveries that many concurrent attempts need in one statement. */
  private readonly toSend = new MicroBatch(async (ids: string[]) => {
    const rows: DeliveryToSend[] = await this.dataSource.query(
      `SELECT d.id, d.status, d.generation, d.event_id, d.event_type, d.occurred_at, ev.data,
              ep.id AS endpoint_id, ep.url, ep.secret,
              CASE WHEN ep.previous_secret_expires_at > now() THEN ep.previous_secret END AS previous_secret,
              -- A revoked key's endpoints are disabled by the api_key.revoked subscriber a moment after the
              -- revocation; until then their queued deliveries are refused here, as they were when both happened at once.
              (ep.active AND ep.deleted_at IS NULL
               AND (ep.created_by_type <> 'api_key' OR ${activeApiKeyWhoseScopesSql('ep.created_by_id::uuid', () => 'true')})) AS endpoint_usable
         FROM webhook_deliveries d
         JOIN webhook_events ev ON ev.id = d.event_id
         JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
        WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /**
   * Logs the attempts that finished together, moves their deliveries on, and ends the failing spell
   * of endpoints that answered: one statement and one commit for the lot.
   */
  private readonly attempts = new MicroBatch(async (records: AttemptRecord[]) => {
    await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(delivery_id uuid, generation int, endpoint_id uuid, status_code int, latency_ms int, succeeded boolean,
                                                         response_excerpt text, error text, status text, retry_in_ms bigint)
       ), logged AS (
         INSERT INTO webhook_delivery_attempts (delivery_id, status_code, latency_ms, succeeded, response_excerpt, error)
         SELECT delivery_id, status_code, latency_ms, succeeded, response_excerpt, error FROM input
       ), recovered AS (
         UPDATE webhook_endpoints e SET failing_since = NULL
           FROM (SELECT DISTINCT endpoint_id FROM input WHERE succeeded) answered
          WHERE e.id = answered.endpoint_id AND e.failing_since IS NOT NULL
       )
       UPDATE webhook_deliveries d SET attempts = d.attempts + 1, status = i.status, last_status_code = i.status_code, last_error = i.error,
              last_attempt_at = now(), delivered_at = CASE WHEN i.succeeded THEN now() ELSE d.delivered_at END,
              next_attempt_at = now() + make_interval(secs => coalesce(i.retry_in_ms, 0) / 1000.0)
         FROM input i WHERE d.id = i.delivery_id AND d.generation = i.generation`,
      [
        JSON.stringify(
          records.map((record) => ({
            delivery_id: record.deliveryId,
            generation: record.generation,
            endpoint_id: record.endpointId,
            status_code: record.statusCode,
            latency_ms: record.latencyMs,
            succeeded: record.succeeded,
            response_excerpt: record.responseExcerpt,
            error: record.error,
            status: record.status,
            retry_in_ms: record.retryInMs,
          })),
        ),
      ],
    );
    return records.map(() => undefined);
  });

  findToSend(deliveryId: string): Promise<DeliveryToSend | null> {
    return this.toSend.call(deliveryId);
  }

  recordAttempt(attempt: AttemptRecord): Promise<void> {
    return this.attempts.call(attempt);
  }

  /** A failed delivery of this generation becomes pending again; false when it has moved on meanwhile. */
  async reopenFailed(deliveryId: string, generation: number): Promise<boolean> {
    const [, count] = await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now() WHERE id = $1 AND status = 'failed' AND generation = $2`,
      [deliveryId, generation],
    );
    return count === 1;
  }

  async markFailed(deliveryId: string, generation: number, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $3 WHERE id = $1 AND generation = $2 AND status = 'pending'`,
      [deliveryId, generation, reason],
    );
  }

  async list(
    endpointId: string,
    status: DeliveryStatus | undefined,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<WebhookDeliveryRow[]> {
    const params: unknown[] = [endpointId, limit + 1];
    const filters = [
      status ? `AND d.status = $${params.push(status)}` : '',
      after
        ? `AND (d.created_at, d.id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
        : '',
    ];
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
      `UPDATE webhook_deliveries SET status = 'pending', generation = generation + 1, next_attempt_at = now() WHERE id = $1 ${owned} RETURNING id, generation`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Queues again every delivery to the endpoint of an event that occurred in [from, to); at most `limit`. */
  async replayRange(
    tx: Tx,
    endpointId: string,
    from: string,
    to: string,
    limit: number,
  ): Promise<QueuedDelivery[] | 'too many'> {
    const [{ count }] = await tx.query(
      `SELECT count(*)::int AS count FROM webhook_deliveries WHERE endpoint_id = $1 AND occurred_at >= $2 AND occurred_at < $3`,
      [endpointId, from, to],
    );
    if (count > limit) return 'too many';
    const [rows] = await tx.query(
      `UPDATE webhook_deliveries SET status = 'pending', generation = generation + 1, next_attempt_at = now()
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
