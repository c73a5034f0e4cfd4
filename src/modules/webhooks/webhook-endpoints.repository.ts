import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  secret: string;
  active: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  previous_secret_expires_at: Date | null;
  created_by_type: string;
  created_by_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Whose endpoints a caller may see: everyone's (administrators), or those one API key created. */
export type EndpointOwner = { all: true } | { createdById: string };

const COLUMNS = `id, url, description, event_types, secret, active, disabled_reason, disabled_at, previous_secret_expires_at,
  created_by_type, created_by_id, version, created_at, updated_at`;

@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    endpoint: {
      url: string;
      description: string | null;
      eventTypes: string[];
      secret: string;
      createdByType: string;
      createdById: string | null;
    },
  ): Promise<WebhookEndpointRow> {
    const [row] = await tx.query(
      `INSERT INTO webhook_endpoints (url, description, event_types, secret, created_by_type, created_by_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [
        endpoint.url,
        endpoint.description,
        endpoint.eventTypes,
        endpoint.secret,
        endpoint.createdByType,
        endpoint.createdById,
      ],
    );
    return row;
  }

  async find(
    id: string,
    owner: EndpointOwner,
    tx: Tx = this.dataSource.manager,
    lock = false,
  ): Promise<WebhookEndpointRow | null> {
    const params: unknown[] = [id];
    const [row] = await tx.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL ${ownerSql(owner, params)} ${lock ? 'FOR UPDATE' : ''}`,
      params,
    );
    return row ?? null;
  }

  list(owner: EndpointOwner, after: KeysetPosition | null, limit: number): Promise<WebhookEndpointRow[]> {
    const params: unknown[] = [limit + 1];
    const keyset = after
      ? `AND (created_at, id) > ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE deleted_at IS NULL ${ownerSql(owner, params)} ${keyset} ORDER BY created_at, id LIMIT $1`,
      params,
    );
  }

  async update(
    tx: Tx,
    id: string,
    changes: { url?: string; description?: string | null; eventTypes?: string[]; active?: boolean },
  ): Promise<WebhookEndpointRow> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    if (changes.url !== undefined) sets.push(`url = $${params.push(changes.url)}`);
    if (changes.description !== undefined) sets.push(`description = $${params.push(changes.description)}`);
    if (changes.eventTypes !== undefined) sets.push(`event_types = $${params.push(changes.eventTypes)}`);
    if (changes.active === true)
      sets.push(`active = true, disabled_reason = NULL, disabled_at = NULL, failing_since = NULL`);
    if (changes.active === false)
      sets.push(
        `active = false, disabled_reason = coalesce(disabled_reason, 'paused by the owner'), disabled_at = coalesce(disabled_at, now())`,
      );
    const [rows] = await tx.query(
      `UPDATE webhook_endpoints SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0];
  }

  /** Null while the secret replaced by the last rotation is still accepted: rotating again would drop it at once. */
  async rotateSecret(tx: Tx, id: string, secret: string, graceSeconds: number): Promise<WebhookEndpointRow | null> {
    const [rows] = await tx.query(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => $3), secret = $2,
              version = version + 1, updated_at = now()
        WHERE id = $1 AND (previous_secret_expires_at IS NULL OR previous_secret_expires_at <= now()) RETURNING ${COLUMNS}`,
      [id, secret, graceSeconds],
    );
    return rows[0] ?? null;
  }

  async softDelete(tx: Tx, id: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_endpoints SET deleted_at = now(), active = false, version = version + 1, updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** Disables an active endpoint; null when it was already disabled (so the event is emitted once). */
  async disable(tx: Tx, id: string, reason: string): Promise<WebhookEndpointRow | null> {
    const [rows] = await tx.query(
      `UPDATE webhook_endpoints SET active = false, disabled_reason = $2, disabled_at = now(), version = version + 1, updated_at = now()
        WHERE id = $1 AND active AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [id, reason],
    );
    return rows[0] ?? null;
  }

  /** Disables every live endpoint an API key created (the key is being revoked); returns them as they were. */
  async disableCreatedBy(tx: Tx, apiKeyId: string, reason: string): Promise<WebhookEndpointRow[]> {
    const [rows] = await tx.query(
      `UPDATE webhook_endpoints SET active = false, disabled_reason = $2, disabled_at = now(), version = version + 1, updated_at = now()
        WHERE created_by_type = 'api_key' AND created_by_id = $1 AND active AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [apiKeyId, reason],
    );
    return rows;
  }

  /** Notes a failed attempt; returns since when the endpoint has been failing without a success. */
  async markFailing(id: string): Promise<Date> {
    const [rows] = await this.dataSource.query(
      `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()) WHERE id = $1 RETURNING failing_since`,
      [id],
    );
    return rows[0]?.failing_since ?? new Date();
  }
}

function ownerSql(owner: EndpointOwner, params: unknown[]): string {
  return 'all' in owner ? '' : `AND created_by_id = $${params.push(owner.createdById)}`;
}
