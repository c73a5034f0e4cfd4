import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction-runner.js';
import type { AsRecorded, EventType } from './event-catalogue.js';

/**
 * Ordinary events are relayed first; `bulk` is for floods a batch job makes (a full tier
 * recalculation's tier changes), so they never hold up a purchase's events behind them.
 */
export type OutboxLane = 'default' | 'bulk';

/** Records events in the caller's transaction, so an event exists exactly when its change committed. */
@Injectable()
export class OutboxWriter {
  /** One event of a declared type; the payload must be that type's. */
  async record<P>(
    tx: Tx,
    type: EventType<P>,
    aggregateId: string,
    payload: NoInfer<AsRecorded<P>>,
    options: { lane?: OutboxLane } = {},
  ): Promise<void> {
    await tx.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane) VALUES ($1, $2, $3, $4::jsonb, $5)`,
      [type.name, type.aggregateType, aggregateId, JSON.stringify(payload), options.lane ?? 'default'],
    );
  }

  /** Events of one type for several aggregates, in one statement, relayed in the order given. */
  async recordAll<P>(
    tx: Tx,
    type: EventType<P>,
    events: { aggregateId: string; payload: NoInfer<AsRecorded<P>> }[],
    options: { lane?: OutboxLane } = {},
  ): Promise<void> {
    if (!events.length) return;
    await tx.query(
      `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane)
       SELECT $1, $2, event.aggregate_id, event.payload, $3
         FROM unnest($4::text[], $5::jsonb[]) WITH ORDINALITY AS event(aggregate_id, payload, ordinal)
        ORDER BY event.ordinal`,
      [
        type.name,
        type.aggregateType,
        options.lane ?? 'default',
        events.map((event) => event.aggregateId),
        events.map((event) => JSON.stringify(event.payload)),
      ],
    );
  }
}

/** SQL expressions (over the source rows) for each field of a payload. */
export type PayloadSql<P> = { [K in keyof P]: string };

type EventSource<P> = {
  from: string;
  aggregateId: string;
  payload: PayloadSql<NoInfer<P>>;
  merge?: string;
  lane?: OutboxLane;
};

/**
 * The outbox's columns, for set-based SQL that writes one event per row of a CTE in the same statement
 * as the change (a tier pass, expiry, birthday rewards, service requests filed or taken together):
 * `events AS (${outboxInsertSql(LoyaltyEvents.pointsExpired, { from: 'entries', aggregateId: 'customer_id', payload: {...} })})`.
 * The type and aggregate type come from the catalogue (as literals); the payload is built key by key
 * from `payload` (one SQL expression per field of the declared payload type), then `merge`d with a
 * jsonb expression when given (details a caller adds).
 */
export function outboxInsertSql<P>(type: EventType<P>, source: EventSource<P>): string {
  return `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane) ${eventRowsSql(type, source)}`;
}

/**
 * Events of several types in one insert, relayed in the order of `ordinal` (an SQL number over each
 * source's rows): a lead's `lead.created` before its `lead.assigned`, when both are written by the
 * statement that creates the leads. Separate INSERTs in one statement's CTEs run in no set order.
 */
export function outboxInsertInOrderSql(...events: string[]): string {
  return `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload, lane)
         SELECT type, aggregate_type, aggregate_id, payload, lane FROM (${events.join(' UNION ALL ')}) AS event ORDER BY ordinal`;
}

/** One source of `outboxInsertInOrderSql`. */
export function outboxEventsSql<P>(type: EventType<P>, source: EventSource<P> & { ordinal: string }): string {
  return eventRowsSql(type, source, `(${source.ordinal})::numeric AS ordinal, `);
}

function eventRowsSql<P>(type: EventType<P>, source: EventSource<P>, leading = ''): string {
  const fields = Object.entries(source.payload as Record<string, string>).map(
    ([key, sql]) => `'${key.replaceAll("'", "''")}', ${sql}`,
  );
  const payload = `jsonb_build_object(${fields.join(', ')})${source.merge ? ` || ${source.merge}` : ''}`;
  return `SELECT ${leading}'${type.name}' AS type, '${type.aggregateType}' AS aggregate_type,
                (${source.aggregateId})::text AS aggregate_id, ${payload} AS payload, '${source.lane ?? 'default'}' AS lane
           FROM ${source.from}`;
}
