import { Injectable } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface TimelineEntry {
  customerId: string;
  kind: 'service_request';
  summary: string;
  details: Record<string, unknown>;
  occurredAt?: Date;
}

/** How other modules add to a customer's timeline, in their own transaction. */
@Injectable()
export class CustomerTimeline {
  async record(tx: Tx, entry: TimelineEntry): Promise<void> {
    await tx.query(
      `INSERT INTO customer_timeline_entries (customer_id, kind, summary, details, occurred_at) VALUES ($1, $2, $3, $4, coalesce($5, now()))`,
      [entry.customerId, entry.kind, entry.summary, JSON.stringify(entry.details), entry.occurredAt ?? null],
    );
  }
}
