import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction-runner.js';

/**
 * Ordinary events are relayed first; `bulk` is for floods a batch job makes (a full tier
 * recalculation's tier changes), so they never hold up a purchase's events behind them.
 */
export type OutboxLane = 'default' | 'bulk';

export interface DomainEvent {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  lane?: OutboxLane;
}

/** Records events in the caller's transaction, so an event exists exactly when its change committed. */
@Injectable()
export class OutboxWriter {
  async record(tx: Tx, ...events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    const values: unknown[] = [];
    const rows = events.map((event, index) => {
      values.push(event.type, event.aggregateType, event.aggregateId, JSON.stringify(event.payload), event.lane ?? 'default');
      const base = index * 5;
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}::jsonb, $${base + 5})`;
    });
    await tx.query(`INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane) VALUES ${rows.join(', ')}`, values);
  }
}
