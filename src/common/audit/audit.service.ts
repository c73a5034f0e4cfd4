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

/** Writes audit rows in the caller's transaction: a change and its audit row commit together. */
@Injectable()
export class AuditService {
  async record(tx: Tx, principal: Principal | null, requestId: string | undefined, ...entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    const actor = principal ? actorOf(principal) : { actorType: 'system', actorId: null };
    const values: unknown[] = [];
    const rows = entries.map((entry, index) => {
      values.push(
        actor.actorType,
        actor.actorId,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.fields ?? null,
        requestId ?? null,
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
