import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MicroBatch } from '../../common/micro-batch.js';

/**
 * Reads the payloads of the events being handled, as their outbox rows hold them now (redacted, if
 * their customer was erased since they were queued): the jobs carry only the outbox id. The events
 * handled at the same moment share one statement. null when the row is gone — published longer ago
 * than OUTBOX_RETENTION_DAYS and purged.
 */
@Injectable()
export class OutboxPayloads {
  constructor(private readonly dataSource: DataSource) {}

  private readonly batch = new MicroBatch(async (outboxIds: string[]) => {
    const rows: { id: string; payload: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT id::text AS id, payload FROM outbox WHERE id = ANY($1::bigint[])`,
      [outboxIds],
    );
    const byId = new Map(rows.map((row) => [row.id, row.payload]));
    return outboxIds.map((id) => byId.get(id) ?? null);
  });

  of(outboxId: string): Promise<Record<string, unknown> | null> {
    return this.batch.call(outboxId);
  }
}

/**
 * The events of the outbox rows whose ids are the bigint[] parameter `ids` — `(id, type, occurred_at,
 * data)`, `id` the event id and `data` the payload — locked FOR KEY SHARE in id order, for a consumer
 * that copies payloads in one statement (the webhook fan-out). An erasure redacts outbox rows under
 * FOR UPDATE, also in id order: it either waits for that statement, or the statement waits for it and
 * reads the redacted payloads. Rows purged from the outbox are not there.
 */
export function lockedOutboxEventsSql(ids: string): string {
  return `SELECT event_id AS id, type, occurred_at, payload AS data FROM outbox WHERE id = ANY(${ids}::bigint[]) ORDER BY id FOR KEY SHARE`;
}
