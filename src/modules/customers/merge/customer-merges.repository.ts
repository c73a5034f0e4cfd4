import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type MovedRows, updatedRows } from '../../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../../infrastructure/database/transaction-runner.js';
import { survivorSql } from '../customers.sql.js';

export interface CustomerMergeRow {
  id: string;
  survivorId: string;
  duplicateId: string;
  fieldChoices: Record<string, 'survivor' | 'duplicate'>;
  survivorBefore: Record<string, unknown>;
  duplicateSnapshot: Record<string, unknown>;
  moved: Record<string, MovedRows>;
  actorType: string;
  actorId: string | null;
  mergedAt: Date;
  undoUntil: Date;
  undoneAt: Date | null;
}

const MERGE_SELECT = `id, survivor_id AS "survivorId", duplicate_id AS "duplicateId", field_choices AS "fieldChoices",
  survivor_before AS "survivorBefore", duplicate_snapshot AS "duplicateSnapshot", moved, actor_type AS "actorType",
  actor_id AS "actorId", merged_at AS "mergedAt", undo_until AS "undoUntil", undone_at AS "undoneAt"`;

/** The consents of the duplicate before a merge, and the survivor's it tightened, to put back on an undo. */
interface ConsentUndo {
  duplicate: {
    channel: string;
    opted_in: boolean;
    source: string | null;
    updated_by: string | null;
    updated_at: string;
  }[];
  survivor: {
    channel: string;
    opted_in: boolean;
    source: string | null;
    updated_by: string | null;
    updated_at: string;
  }[];
  survivorOptOut: boolean;
  duplicateOptOut: boolean;
}

/** The merge log, and the customers module's own customer-linked rows moved by a merge. */
@Injectable()
export class CustomerMergesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    row: Pick<
      CustomerMergeRow,
      'survivorId' | 'duplicateId' | 'fieldChoices' | 'survivorBefore' | 'duplicateSnapshot' | 'actorType' | 'actorId'
    >,
    undoDays: number,
  ): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO customer_merges (survivor_id, duplicate_id, field_choices, survivor_before, duplicate_snapshot, actor_type, actor_id, undo_until)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, now() + make_interval(days => $8)) RETURNING id`,
      [
        row.survivorId,
        row.duplicateId,
        JSON.stringify(row.fieldChoices),
        JSON.stringify(row.survivorBefore),
        JSON.stringify(row.duplicateSnapshot),
        row.actorType,
        row.actorId,
        undoDays,
      ],
    );
    return id;
  }

  async recordMoved(tx: Tx, mergeId: string, moved: Record<string, MovedRows>): Promise<void> {
    await tx.query(`UPDATE customer_merges SET moved = $2::jsonb WHERE id = $1`, [mergeId, JSON.stringify(moved)]);
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<CustomerMergeRow | null> {
    const [row] = await tx.query(`SELECT ${MERGE_SELECT} FROM customer_merges WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<CustomerMergeRow | null> {
    const [row] = await tx.query(`SELECT ${MERGE_SELECT} FROM customer_merges WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** The merge, not undone, that took this duplicate (a retried merge answers with it). */
  async activeOfDuplicate(duplicateId: string, tx: Tx = this.dataSource.manager): Promise<CustomerMergeRow | null> {
    const [row] = await tx.query(
      `SELECT ${MERGE_SELECT} FROM customer_merges WHERE duplicate_id = $1 AND undone_at IS NULL`,
      [duplicateId],
    );
    return row ?? null;
  }

  async listOfSurvivor(survivorId: string): Promise<CustomerMergeRow[]> {
    return this.dataSource.query(
      `SELECT ${MERGE_SELECT} FROM customer_merges WHERE survivor_id = $1 ORDER BY merged_at DESC LIMIT 100`,
      [survivorId],
    );
  }

  async markUndone(tx: Tx, id: string, by: string): Promise<void> {
    await tx.query(`UPDATE customer_merges SET undone_at = now(), undone_by = $2 WHERE id = $1`, [id, by]);
  }

  /** Where a merged customer went: the survivor of its last merge, followed to the end of a chain. */
  async survivorOf(customerId: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT ${survivorSql('$1::uuid')} AS id`, [customerId]);
    return row?.id ?? null;
  }

  /** Both customers, locked in id order (two merges of the same pair cannot deadlock). */
  async lockPair(tx: Tx, ids: [string, string]): Promise<void> {
    await tx.query(`SELECT id FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  async markMerged(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await tx.query(
      `UPDATE customers SET deleted_at = now(), merged_into_id = $2, version = version + 1, updated_at = now() WHERE id = $1`,
      [duplicateId, survivorId],
    );
  }

  async unmarkMerged(tx: Tx, duplicateId: string): Promise<void> {
    await tx.query(
      `UPDATE customers SET deleted_at = NULL, merged_into_id = NULL, version = version + 1, updated_at = now() WHERE id = $1`,
      [duplicateId],
    );
  }

  /**
   * The customers module's part of a merge: purchases, interactions and timeline entries move; a
   * consent both have keeps the stricter answer (opted out wins), one only the duplicate has moves;
   * the marketing opt-out is kept if either had it.
   */
  async moveOwnRows(tx: Tx, survivorId: string, duplicateId: string): Promise<MovedRows> {
    const ids = async (sql: string) =>
      updatedRows<{ id: string }>(await tx.query(sql, [survivorId, duplicateId])).map((row) => String(row.id));
    const purchases = await ids(`UPDATE purchases SET customer_id = $1 WHERE customer_id = $2 RETURNING id`);
    const interactions = await ids(`UPDATE interactions SET customer_id = $1 WHERE customer_id = $2 RETURNING id`);
    const timeline = await ids(
      `UPDATE customer_timeline_entries SET customer_id = $1 WHERE customer_id = $2 RETURNING id`,
    );
    const consentUndo: ConsentUndo = {
      duplicate: await tx.query(
        `SELECT channel, opted_in, source, updated_by, updated_at FROM customer_consents WHERE customer_id = $1`,
        [duplicateId],
      ),
      survivor: await tx.query(
        `SELECT channel, opted_in, source, updated_by, updated_at FROM customer_consents WHERE customer_id = $1`,
        [survivorId],
      ),
      ...(
        await tx.query(
          `SELECT bool_or(marketing_opt_out) FILTER (WHERE id = $1) AS "survivorOptOut",
                  bool_or(marketing_opt_out) FILTER (WHERE id = $2) AS "duplicateOptOut"
           FROM customers WHERE id IN ($1, $2)`,
          [survivorId, duplicateId],
        )
      )[0],
    };
    await tx.query(
      `INSERT INTO customer_consents AS s (customer_id, channel, opted_in, source, updated_by, updated_at)
       SELECT $1, channel, opted_in, source, updated_by, updated_at FROM customer_consents WHERE customer_id = $2
       ON CONFLICT (customer_id, channel) DO UPDATE
         SET opted_in = s.opted_in AND EXCLUDED.opted_in,
             source = CASE WHEN s.opted_in AND NOT EXCLUDED.opted_in THEN EXCLUDED.source ELSE s.source END,
             updated_at = now()`,
      [survivorId, duplicateId],
    );
    await tx.query(`DELETE FROM customer_consents WHERE customer_id = $1`, [duplicateId]);
    await tx.query(`UPDATE customers SET marketing_opt_out = marketing_opt_out OR $2 WHERE id = $1`, [
      survivorId,
      consentUndo.duplicateOptOut,
    ]);
    return {
      counts: {
        purchases: purchases.length,
        interactions: interactions.length,
        customer_timeline_entries: timeline.length,
        customer_consents: consentUndo.duplicate.length,
      },
      undo: { purchases, interactions, timeline, consents: consentUndo },
    };
  }

  /** The customers module's rows about a customer, for a personal-data export (search grams left out). */
  async exportOwnRows(tx: Tx, customerId: string): Promise<Record<string, unknown[]>> {
    const one = (sql: string) => tx.query<unknown[]>(sql, [customerId]);
    return {
      customers: await one(`SELECT to_jsonb(c) - 'search_grams' AS row FROM customers c WHERE id = $1`).then((rows) =>
        (rows as { row: unknown }[]).map((r) => r.row),
      ),
      purchases: await one(`SELECT * FROM purchases WHERE customer_id = $1 ORDER BY purchased_at`),
      customer_purchase_months: await one(
        `SELECT * FROM customer_purchase_months WHERE customer_id = $1 ORDER BY month`,
      ),
      interactions: await one(`SELECT * FROM interactions WHERE customer_id = $1 ORDER BY occurred_at`),
      customer_consents: await one(`SELECT * FROM customer_consents WHERE customer_id = $1 ORDER BY channel`),
      customer_timeline_entries: await one(
        `SELECT * FROM customer_timeline_entries WHERE customer_id = $1 ORDER BY occurred_at, id`,
      ),
      customer_merges: await one(
        `SELECT * FROM customer_merges WHERE survivor_id = $1 OR duplicate_id = $1 ORDER BY merged_at`,
      ),
      customer_legal_holds: await one(`SELECT * FROM customer_legal_holds WHERE customer_id = $1 ORDER BY set_at`),
      customer_erasures: await one(`SELECT * FROM customer_erasures WHERE customer_id = $1`),
    };
  }

  async moveOwnRowsBack(tx: Tx, survivorId: string, duplicateId: string, undo: unknown): Promise<void> {
    const moved = undo as { purchases: string[]; interactions: string[]; timeline: string[]; consents: ConsentUndo };
    await tx.query(`UPDATE purchases SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [moved.purchases, duplicateId]);
    await tx.query(`UPDATE interactions SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [
      moved.interactions,
      duplicateId,
    ]);
    await tx.query(`UPDATE customer_timeline_entries SET customer_id = $2 WHERE id = ANY($1::bigint[])`, [
      moved.timeline,
      duplicateId,
    ]);
    // Consents as they were before the merge, on both sides: channels the merge added to the survivor go.
    await tx.query(`DELETE FROM customer_consents WHERE customer_id = ANY($1::uuid[])`, [[survivorId, duplicateId]]);
    for (const [customerId, rows] of [
      [survivorId, moved.consents.survivor],
      [duplicateId, moved.consents.duplicate],
    ] as const)
      await tx.query(
        `INSERT INTO customer_consents (customer_id, channel, opted_in, source, updated_by, updated_at)
         SELECT $1, channel, opted_in, source, updated_by, updated_at
         FROM jsonb_to_recordset($2::jsonb) AS r(channel text, opted_in boolean, source text, updated_by uuid, updated_at timestamptz)`,
        [customerId, JSON.stringify(rows)],
      );
    await tx.query(`UPDATE customers SET marketing_opt_out = $2 WHERE id = $1`, [
      survivorId,
      moved.consents.survivorOptOut,
    ]);
  }
}
