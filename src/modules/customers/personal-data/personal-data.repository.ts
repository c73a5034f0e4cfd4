import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  type CustomerErasure,
  ERASED_TEXT,
  ERASED_TEXTS_SELECT,
  type ErasedRows,
  erasedRows,
  eraseTexts,
  updatedRows,
} from '../../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../../infrastructure/database/transaction-runner.js';

export interface CustomerErasureRow {
  customerId: string;
  ground: string;
  reference: string | null;
  mergedIds: string[];
  erased: Record<string, Record<string, number>>;
  actorType: string;
  actorId: string | null;
  erasedAt: Date;
}

export interface LegalHoldRow {
  id: string;
  customerId: string;
  reason: string;
  setByType: string;
  setById: string | null;
  setAt: Date;
  releasedAt: Date | null;
  releasedByType: string | null;
  releasedById: string | null;
}

const ERASURE_SELECT = `customer_id AS "customerId", ground, reference, merged_ids AS "mergedIds", erased,
  actor_type AS "actorType", actor_id AS "actorId", erased_at AS "erasedAt"`;
const HOLD_SELECT = `id, customer_id AS "customerId", reason, set_by_type AS "setByType", set_by_id AS "setById",
  set_at AS "setAt", released_at AS "releasedAt", released_by_type AS "releasedByType", released_by_id AS "releasedById"`;

/** Erasure records, legal holds, and the customers module's own rows of an erased customer. */
@Injectable()
export class PersonalDataRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The customer row whatever its state (deleted, merged, erased), locked. */
  async lockAnyCustomer(
    tx: Tx,
    id: string,
  ): Promise<{ id: string; mergedIntoId: string | null; erasedAt: Date | null } | null> {
    const [row] = await tx.query(
      `SELECT id, merged_into_id AS "mergedIntoId", erased_at AS "erasedAt" FROM customers WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  /** Every customer merged into this one, directly or down a chain: the same person under older ids. */
  async mergedInto(tx: Tx, id: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `WITH RECURSIVE merged AS (
         SELECT id, 1 AS depth FROM customers WHERE merged_into_id = $1
         UNION ALL
         SELECT c.id, merged.depth + 1 FROM customers c JOIN merged ON c.merged_into_id = merged.id WHERE merged.depth < 20
       )
       SELECT id FROM merged ORDER BY id`,
      [id],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The contacts that identify the person wherever a copy of them went (an event, an audit row, a lead
   * before its conversion): phones, mobiles, faxes and e-mails, now and in the merge snapshots.
   */
  async contactsOf(tx: Tx, ids: string[]): Promise<string[]> {
    const rows: { value: string }[] = await tx.query(
      `SELECT DISTINCT value FROM (
         SELECT unnest(ARRAY[phone, mobile, fax, email]) AS value FROM customers WHERE id = ANY($1::uuid[])
         UNION ALL
         SELECT s ->> key FROM customer_merges m, LATERAL (VALUES (m.survivor_before), (m.duplicate_snapshot)) AS v(s),
           unnest(ARRAY['phone', 'mobile', 'fax', 'email']) AS key
         WHERE m.survivor_id = ANY($1::uuid[]) OR m.duplicate_id = ANY($1::uuid[])
       ) contacts WHERE value IS NOT NULL AND value <> ''`,
      [ids],
    );
    return rows.map((row) => row.value);
  }

  async erasureOf(customerId: string, tx: Tx = this.dataSource.manager): Promise<CustomerErasureRow | null> {
    const [row] = await tx.query(`SELECT ${ERASURE_SELECT} FROM customer_erasures WHERE customer_id = $1`, [
      customerId,
    ]);
    return row ?? null;
  }

  async insertErasure(
    tx: Tx,
    row: Omit<CustomerErasureRow, 'erasedAt'> & { requestId: string | null },
  ): Promise<CustomerErasureRow> {
    const [inserted] = await tx.query(
      `INSERT INTO customer_erasures (customer_id, ground, reference, merged_ids, erased, actor_type, actor_id, request_id)
       VALUES ($1, $2, $3, $4::uuid[], $5::jsonb, $6, $7, $8) RETURNING ${ERASURE_SELECT}`,
      [
        row.customerId,
        row.ground,
        row.reference,
        row.mergedIds,
        JSON.stringify(row.erased),
        row.actorType,
        row.actorId,
        row.requestId,
      ],
    );
    return inserted;
  }

  async openHold(customerId: string, tx: Tx = this.dataSource.manager): Promise<LegalHoldRow | null> {
    const [row] = await tx.query(
      `SELECT ${HOLD_SELECT} FROM customer_legal_holds WHERE customer_id = $1 AND released_at IS NULL`,
      [customerId],
    );
    return row ?? null;
  }

  /** Sets a hold unless one is open; answers the open one either way (and whether it is new). */
  async setHold(
    tx: Tx,
    hold: { customerId: string; reason: string; actorType: string; actorId: string | null },
  ): Promise<{ hold: LegalHoldRow; created: boolean }> {
    const [inserted] = await tx.query(
      `INSERT INTO customer_legal_holds (customer_id, reason, set_by_type, set_by_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id) WHERE released_at IS NULL DO NOTHING RETURNING ${HOLD_SELECT}`,
      [hold.customerId, hold.reason, hold.actorType, hold.actorId],
    );
    if (inserted) return { hold: inserted, created: true };
    return { hold: (await this.openHold(hold.customerId, tx))!, created: false };
  }

  async releaseHold(
    tx: Tx,
    customerId: string,
    actor: { actorType: string; actorId: string | null },
  ): Promise<LegalHoldRow | null> {
    const [row] = updatedRows<LegalHoldRow>(
      await tx.query(
        `UPDATE customer_legal_holds SET released_at = now(), released_by_type = $2, released_by_id = $3
         WHERE customer_id = $1 AND released_at IS NULL RETURNING ${HOLD_SELECT}`,
        [customerId, actor.actorType, actor.actorId],
      ),
    );
    return row ?? null;
  }

  /**
   * The customers module's part of an erasure. The customer row stays as an anonymised tombstone — its
   * number, kind, registration date, level, region, industry, stage and owner (what the reports group
   * by), soft-deleted so that search, lists, segments and outreach no longer find it — with every
   * personal field, contact and custom field gone (the search grams, generated from them, follow). Purchases keep product, amount,
   * method and dates for the books (their notes go); interactions keep channel, direction and time;
   * timeline entries keep kind and time; consents go; merge logs lose their snapshots and can no longer
   * be undone.
   */
  async eraseOwnRows(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
    const customers = await eraseTexts(
      tx,
      `WITH old AS (
         SELECT c.id, ARRAY[name, home_address, company_name, company_address, job_title, website, postcode, native_place,
             hobbies, favourite_sport, most_admired_person, favourite_pastime, favourite_book, religion, motto, notes]
           || COALESCE((SELECT array_agg(f.value) FROM jsonb_each_text(c.custom_fields) AS f), '{}')
           || COALESCE((SELECT array_agg(j.value) FROM jsonb_each_text(c.life_journey) AS j), '{}') AS texts
         FROM customers c WHERE c.id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE customers c SET name = $2, gender = NULL, birth_date = NULL, zodiac = NULL, native_place = NULL,
           education = NULL, home_address = NULL, company_name = NULL, company_founded_on = NULL, job_title = NULL,
           company_address = NULL, postcode = NULL, phone = NULL, fax = NULL, mobile = NULL, website = NULL, email = NULL,
           hobbies = NULL, favourite_sport = NULL, most_admired_person = NULL, favourite_pastime = NULL,
           favourite_book = NULL, smoker = NULL, drinker = NULL, religion = NULL, motto = NULL, notes = NULL,
           life_journey = '{}', custom_fields = '{}', marketing_opt_out = true,
           deleted_at = COALESCE(c.deleted_at, now()), erased_at = now(), version = c.version + 1, updated_at = now()
         FROM old WHERE c.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds, ERASED_TEXT],
    );
    const purchases = await eraseTexts(
      tx,
      `WITH old AS (
         SELECT id, ARRAY[notes, refund_reason] AS texts FROM purchases
         WHERE customer_id = ANY($1::uuid[]) AND (notes IS NOT NULL OR refund_reason IS NOT NULL) FOR UPDATE),
       done AS (UPDATE purchases p SET notes = NULL, refund_reason = NULL FROM old WHERE p.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds],
    );
    const interactions = await eraseTexts(
      tx,
      `WITH old AS (
         SELECT i.id, ARRAY[i.subject, i.summary]
           || COALESCE((SELECT array_agg(c ->> 'description') FROM jsonb_array_elements(i.commitments) AS c), '{}') AS texts
         FROM interactions i WHERE i.customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (UPDATE interactions i SET subject = NULL, summary = $2, commitments = '[]' FROM old WHERE i.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds, ERASED_TEXT],
    );
    const timeline = await eraseTexts(
      tx,
      `WITH old AS (SELECT id, ARRAY[summary] AS texts FROM customer_timeline_entries WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (UPDATE customer_timeline_entries t SET summary = $2, details = '{}' FROM old WHERE t.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds, ERASED_TEXT],
    );
    const consents = updatedRows<unknown>(
      await tx.query(`DELETE FROM customer_consents WHERE customer_id = ANY($1::uuid[]) RETURNING channel`, [
        customerIds,
      ]),
    );
    const merges = updatedRows<unknown>(
      await tx.query(
        `UPDATE customer_merges SET survivor_before = '{}', duplicate_snapshot = '{}', undo_until = LEAST(undo_until, now())
         WHERE survivor_id = ANY($1::uuid[]) OR duplicate_id = ANY($1::uuid[]) RETURNING id`,
        [customerIds],
      ),
    );
    // Timeline summaries are derived from the rows above (a purchase's product, an interaction's summary):
    // they are erased, not searched for elsewhere, so a product name cannot erase other customers' text.
    return erasedRows({
      customers,
      purchases,
      interactions,
      customer_timeline_entries: { rows: timeline.rows, values: [] },
      customer_consents: { rows: consents.length, values: [] },
      customer_merges: { rows: merges.length, values: [] },
    });
  }
}
