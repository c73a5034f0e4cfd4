import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction-runner.js';

export interface DomainEvent {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
}

/** Records events in the caller's transaction, so an event exists exactly when its change committed. */
@Injectable()
export class OutboxWriter {
  async record(tx: Tx, ...events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    const values: unknown[] = [];
    const rows = events.map((event, index) => {
      values.push(event.type, event.aggregateType, event.aggregateId, JSON.stringify(event.payload));
      const base = index * 4;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb)`;
    });
    await tx.query(`INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ${rows.join(', ')}`, values);
  }
}
