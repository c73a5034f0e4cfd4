import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { actorOf, Principal } from '../auth/principal.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
  fields?: string[];
}

/** Who did it, when the change is made later on their behalf (a worker acting on their request's event). */
export interface AuditActor {
  actorType: string;
  actorId: string | null;
}

/** Writes audit rows in the caller's transaction: a change and its audit row commit together. */
@Injectable()
export class AuditService {
  async record(
    tx: Tx,
    principal: Principal | AuditActor | null,
    requestId: string | undefined,
    ...entries: AuditEntry[]
  ): Promise<void> {
    await this.recordAll(
      tx,
      entries.map((entry) => ({ ...entry, actor: principal, requestId })),
    );
  }

  /** Rows of different actors and requests (changes made together for several callers), in one statement. */
  async recordAll(
    tx: Tx,
    entries: (AuditEntry & { actor: Principal | AuditActor | null; requestId: string | undefined })[],
  ): Promise<void> {
    if (!entries.length) return;
    const values: unknown[] = [];
    const rows = entries.map((entry, index) => {
      const actor = !entry.actor
        ? { actorType: 'system', actorId: null }
        : 'actorType' in entry.actor
          ? entry.actor
          : actorOf(entry.actor);
      values.push(
        actor.actorType,
        actor.actorId,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.fields ?? null,
        entry.requestId ?? null,
      );
      const base = index * 9;
      return `(${Array.from({ length: 9 }, (_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    await tx.query(
      `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, before, after, fields, request_id) VALUES ${rows.join(', ')}`,
      values,
    );
  }
}

/**
 * The audit log's columns for a set-based statement that audits each row it changes in the same
 * statement (service requests filed or taken together): an INSERT … SELECT from `from`, each value an
 * SQL expression over its rows (`before`, `fields` are left empty).
 */
export function auditRowsInsertSql(source: {
  from: string;
  actorType: string;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string;
  after: string;
  requestId: string;
}): string {
  return `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, after, request_id)
         SELECT ${source.actorType}, ${source.actorId}, ${source.action}, ${source.entityType}, ${source.entityId}, ${source.after}, ${source.requestId} FROM ${source.from}`;
}
