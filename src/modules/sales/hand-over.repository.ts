import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { OPEN_LEAD_STATUSES } from './lead-lifecycle.js';
import { LeadEvents, OpportunityEvents, QuoteEvents, type ReassignmentView } from './sales.events.js';

export const HAND_OVER_KINDS = ['customers', 'leads', 'opportunities', 'quotes'] as const;
export type HandOverKind = (typeof HAND_OVER_KINDS)[number];
export const HAND_OVER_SPREADS = ['assignment_rules'] as const;
export type HandOverSpread = (typeof HAND_OVER_SPREADS)[number];

/** A record of the departing salesperson's, with what decides its new owner when the book is spread. */
export interface HandOverCandidate {
  id: string;
  /** Leads: what assignment rules match on. */
  region: string | null;
  industry: string | null;
  source: string | null;
  /** Opportunities and quotes: the customer whose new owner they follow. */
  customerId: string | null;
}

export interface ReassignmentRow extends ReassignmentView {
  requestedBy: string | null;
  requestId: string | null;
}

const REASSIGNMENT_SELECT = `id, from_user_id AS "fromUserId", to_user_id AS "toUserId", spread, include, status, moved,
  requested_by AS "requestedBy", request_id AS "requestId", api_timestamp(created_at) AS "createdAt",
  api_timestamp(finished_at) AS "finishedAt"`;

const bind = { fromUserId: '$1::text', toUserId: 'to_user_id::text', reassignmentId: '$4::text' };

/** Each of this module's records a hand-over moves: which rows are still the departing salesperson's, and its event. */
const OWN_SLICES: Record<
  Exclude<HandOverKind, 'customers'>,
  { table: string; entity: string; open: string; events: string }
> = {
  leads: {
    table: 'leads',
    entity: 'lead',
    open: `status IN (${OPEN_LEAD_STATUSES.map((status) => `'${status}'`).join(', ')})`,
    events: outboxInsertSql(LeadEvents.ownerChanged, {
      from: 'moved',
      aggregateId: 'id',
      payload: { leadId: 'id', ...bind },
      lane: 'bulk',
    }),
  },
  opportunities: {
    table: 'opportunities',
    entity: 'opportunity',
    open: `status = 'open'`,
    events: outboxInsertSql(OpportunityEvents.ownerChanged, {
      from: 'moved',
      aggregateId: 'id',
      payload: { opportunityId: 'id', ...bind },
      lane: 'bulk',
    }),
  },
  quotes: {
    table: 'quotes',
    entity: 'quote',
    open: `status IN ('pending_approval', 'approved', 'rejected')`,
    events: outboxInsertSql(QuoteEvents.ownerChanged, {
      from: 'moved',
      aggregateId: 'id',
      payload: { quoteId: 'id', ...bind },
      lane: 'bulk',
    }),
  },
};

/** The ownership history row of each record in `moved` (id, to_user_id); $1 the departing owner, $4 the hand-over, $5 who asked. */
function historySql(entity: string): string {
  return `history AS (
         INSERT INTO ownership_history (entity_type, entity_id, from_user_id, to_user_id, reassignment_id, changed_by)
         SELECT '${entity}', id, $1, to_user_id, $4, $5 FROM moved
       )`;
}

@Injectable()
export class HandOverRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    request: {
      fromUserId: string;
      toUserId: string | null;
      spread: HandOverSpread | null;
      include: string[];
      requestedBy: string;
      requestId: string;
    },
  ): Promise<ReassignmentRow> {
    const [row] = await tx.query(
      `INSERT INTO reassignments (from_user_id, to_user_id, spread, include, requested_by, request_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING ${REASSIGNMENT_SELECT}`,
      [request.fromUserId, request.toUserId, request.spread, request.include, request.requestedBy, request.requestId],
    );
    return row;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ReassignmentRow | null> {
    const [row] = await tx.query(`SELECT ${REASSIGNMENT_SELECT} FROM reassignments WHERE id = $1`, [id]);
    return row ?? null;
  }

  /**
   * Moves up to `limit` of the departing salesperson's open leads, open opportunities or unsent quotes
   * to the successor in one statement: owner and version, an ownership history row and an
   * `*.owner_changed` event each. Returns how many moved.
   */
  async moveSlice(
    tx: Tx,
    kind: Exclude<HandOverKind, 'customers'>,
    slice: { fromUserId: string; toUserId: string; limit: number; reassignmentId: string; changedBy: string | null },
  ): Promise<number> {
    const { table, entity, open, events } = OWN_SLICES[kind];
    const [row] = await tx.query(
      `WITH moved AS (
         UPDATE ${table} SET owner_id = $2, version = version + 1, updated_at = now()
          WHERE id IN (SELECT id FROM ${table} WHERE owner_id = $1 AND ${open} LIMIT $3 FOR NO KEY UPDATE)
         RETURNING id, owner_id AS to_user_id
       ), ${historySql(entity)}, events AS (${events})
       SELECT count(*)::int AS moved FROM moved`,
      [slice.fromUserId, slice.toUserId, slice.limit, slice.reassignmentId, slice.changedBy],
    );
    return row.moved;
  }

  /** Up to `limit` of the departing salesperson's open records of this kind, locked, with what decides their new owners. */
  candidates(
    tx: Tx,
    kind: Exclude<HandOverKind, 'customers'>,
    fromUserId: string,
    limit: number,
  ): Promise<HandOverCandidate[]> {
    const { table, open } = OWN_SLICES[kind];
    const traits =
      kind === 'leads'
        ? `region, industry, source, NULL::uuid AS "customerId"`
        : `NULL::text AS region, NULL::text AS industry, NULL::text AS source, customer_id AS "customerId"`;
    return tx.query(
      `SELECT id, ${traits} FROM ${table} WHERE owner_id = $1 AND ${open} ORDER BY id LIMIT $2 FOR NO KEY UPDATE`,
      [fromUserId, limit],
    );
  }

  /** Moves each of these records (still the departing salesperson's) to its own new owner, as `moveSlice` does. */
  async moveEach(
    tx: Tx,
    kind: Exclude<HandOverKind, 'customers'>,
    moves: readonly { id: string; toUserId: string }[],
    slice: { fromUserId: string; reassignmentId: string; changedBy: string | null },
  ): Promise<number> {
    const { table, entity, open, events } = OWN_SLICES[kind];
    const [row] = await tx.query(
      `WITH moved AS (
         UPDATE ${table} SET owner_id = move.to_user_id, version = version + 1, updated_at = now()
           FROM unnest($2::uuid[], $3::uuid[]) AS move(id, to_user_id)
          WHERE ${table}.id = move.id AND ${table}.owner_id = $1 AND ${open}
         RETURNING ${table}.id, move.to_user_id
       ), ${historySql(entity)}, events AS (${events})
       SELECT count(*)::int AS moved FROM moved`,
      [
        slice.fromUserId,
        moves.map((move) => move.id),
        moves.map((move) => move.toUserId),
        slice.reassignmentId,
        slice.changedBy,
      ],
    );
    return row.moved;
  }

  /** Ownership history rows for customers moved by the customers module in the same transaction. */
  async recordCustomersMoved(
    tx: Tx,
    moves: readonly { id: string; toUserId: string }[],
    slice: { fromUserId: string; reassignmentId: string; changedBy: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ownership_history (entity_type, entity_id, from_user_id, to_user_id, reassignment_id, changed_by)
       SELECT 'customer', id, $3, to_user_id, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS moved(id, to_user_id)`,
      [
        moves.map((move) => move.id),
        moves.map((move) => move.toUserId),
        slice.fromUserId,
        slice.reassignmentId,
        slice.changedBy,
      ],
    );
  }

  /** Adds a slice's count to the progress, in the slice's transaction: progress and moves commit together. */
  async addProgress(tx: Tx, id: string, kind: HandOverKind, moved: number): Promise<void> {
    await tx.query(
      `UPDATE reassignments SET moved = jsonb_set(moved, ARRAY[$2], to_jsonb((moved->>$2)::int + $3)) WHERE id = $1`,
      [id, kind, moved],
    );
  }

  /** Marks it done; false when it already was (the job ran twice). */
  async finish(tx: Tx, id: string): Promise<ReassignmentRow | null> {
    const [rows] = await tx.query(
      `UPDATE reassignments SET status = 'done', finished_at = now() WHERE id = $1 AND status = 'running' RETURNING ${REASSIGNMENT_SELECT}`,
      [id],
    );
    return rows[0] ?? null;
  }
}
