import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';

export interface AuditLogFilter {
  entityType?: string;
  entityId?: string;
  actorType?: string;
  actorId?: string;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
}

export interface AuditEntryRow {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  fields: string[] | null;
  requestId: string | null;
}

/**
 * Reads the audit log, newest first by id. Filters by entity and by actor use their (…, id DESC)
 * indexes; a time range alone uses the occurred_at index.
 */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  search(query: AuditLogFilter, after: KeysetPosition | null): Promise<AuditEntryRow[]> {
    const params: unknown[] = [query.limit + 1];
    const conditions = ['true'];
    const filter = (column: string, value: string | undefined, cast = '') => {
      if (value !== undefined) conditions.push(`${column} = $${params.push(value)}${cast}`);
    };
    filter('entity_type', query.entityType);
    filter('entity_id', query.entityId);
    filter('actor_type', query.actorType);
    filter('actor_id', query.actorId);
    filter('action', query.action);
    if (query.from) conditions.push(`occurred_at >= $${params.push(query.from)}::timestamptz`);
    if (query.to) conditions.push(`occurred_at < $${params.push(query.to)}::timestamptz`);
    if (after) conditions.push(`id < $${params.push(after.id)}::bigint`);
    return this.dataSource.query(
      `SELECT id::text, occurred_at AS "occurredAt", actor_type AS "actorType", actor_id AS "actorId", action, entity_type AS "entityType",
              entity_id AS "entityId", before, after, fields, request_id AS "requestId"
         FROM audit_log WHERE ${conditions.join(' AND ')} ORDER BY id DESC LIMIT $1`,
      params,
    );
  }
}
