import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CustomerErasure,
  CustomerMergeSteps,
  ERASED_TEXT,
  ERASED_TEXTS_SELECT,
  type ErasedRows,
  erasedRows,
  eraseTexts,
  updatedRows,
} from '../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

interface SalesUndo {
  leads: string[];
  opportunities: string[];
  quotes: string[];
  /** purchase_attributions are keyed by purchase. */
  attributions: string[];
  workPlanEntries: string[];
}

/** The sales module's part of a customer merge: converted leads, opportunities, quotes and purchase attributions move. */
@Injectable()
export class SalesMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'sales',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const ids = async (sql: string) =>
          updatedRows<{ id: string }>(await tx.query(sql, [survivorId, duplicateId])).map((row) => row.id);
        const undo: SalesUndo = {
          leads: await ids(`UPDATE leads SET customer_id = $1 WHERE customer_id = $2 RETURNING id`),
          opportunities: await ids(`UPDATE opportunities SET customer_id = $1 WHERE customer_id = $2 RETURNING id`),
          quotes: await ids(`UPDATE quotes SET customer_id = $1 WHERE customer_id = $2 RETURNING id`),
          attributions: await ids(
            `UPDATE purchase_attributions SET customer_id = $1 WHERE customer_id = $2 RETURNING purchase_id AS id`,
          ),
          workPlanEntries: await ids(
            `UPDATE work_plan_entries SET customer_id = $1 WHERE customer_id = $2 RETURNING id`,
          ),
        };
        return {
          counts: {
            leads: undo.leads.length,
            opportunities: undo.opportunities.length,
            quotes: undo.quotes.length,
            purchase_attributions: undo.attributions.length,
            work_plan_entries: undo.workPlanEntries.length,
          },
          undo,
        };
      },
      exportRows: async (tx, customerId) => ({
        leads: await tx.query(`SELECT * FROM leads WHERE customer_id = $1 ORDER BY created_at`, [customerId]),
        opportunities: await tx.query(`SELECT * FROM opportunities WHERE customer_id = $1 ORDER BY created_at`, [
          customerId,
        ]),
        quotes: await tx.query(`SELECT * FROM quotes WHERE customer_id = $1 ORDER BY created_at`, [customerId]),
        quote_lines: await tx.query(
          `SELECT l.* FROM quote_lines l JOIN quotes q ON q.id = l.quote_id WHERE q.customer_id = $1`,
          [customerId],
        ),
        purchase_attributions: await tx.query(`SELECT * FROM purchase_attributions WHERE customer_id = $1`, [
          customerId,
        ]),
        work_plan_entries: await tx.query(`SELECT * FROM work_plan_entries WHERE customer_id = $1 ORDER BY id`, [
          customerId,
        ]),
        ownership_history: await tx.query(
          `SELECT * FROM ownership_history WHERE entity_type = 'customer' AND entity_id = $1 ORDER BY id`,
          [customerId],
        ),
      }),
      erase: (tx, erasure) => erase(tx, erasure),
      moveBack: (tx, { duplicateId }, undo) => moveBack(tx, duplicateId, undo as SalesUndo),
    });
  }
}

async function moveBack(tx: Tx, duplicateId: string, undo: SalesUndo): Promise<void> {
  await tx.query(`UPDATE work_plan_entries SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [
    undo.workPlanEntries,
    duplicateId,
  ]);
  await tx.query(`UPDATE leads SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo.leads, duplicateId]);
  await tx.query(`UPDATE opportunities SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [
    undo.opportunities,
    duplicateId,
  ]);
  await tx.query(`UPDATE quotes SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo.quotes, duplicateId]);
  await tx.query(`UPDATE purchase_attributions SET customer_id = $2 WHERE purchase_id = ANY($1::uuid[])`, [
    undo.attributions,
    duplicateId,
  ]);
}

/**
 * Leads lose the person's name and contacts; opportunities and quotes keep amounts, stages and dates for
 * the pipeline and the books, their free text goes (a deal's name usually names the customer); a
 * visit keeps its day and state, its place only to two decimals of a degree (about a kilometre).
 */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  const args = [customerIds, ERASED_TEXT];
  return erasedRows({
    leads: await eraseTexts(
      tx,
      `WITH old AS (
         SELECT id, ARRAY[name, company_name, phone, email, interest, notes, disqualify_reason] AS texts
         FROM leads WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE leads l SET name = $2, company_name = NULL, phone = NULL, email = NULL, interest = NULL, notes = NULL,
           disqualify_reason = CASE WHEN l.disqualify_reason IS NULL THEN NULL ELSE $2 END, duplicates = '[]', updated_at = now()
         FROM old WHERE l.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      args,
    ),
    opportunities: await eraseTexts(
      tx,
      `WITH old AS (SELECT id, ARRAY[name, close_reason] AS texts FROM opportunities WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE opportunities o SET name = $2, close_reason = CASE WHEN o.close_reason IS NULL THEN NULL ELSE $2 END, updated_at = now()
         FROM old WHERE o.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      args,
    ),
    quotes: await eraseTexts(
      tx,
      `WITH old AS (SELECT id, ARRAY[notes, decision_reason] AS texts FROM quotes WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE quotes q SET notes = NULL, decision_reason = CASE WHEN q.decision_reason IS NULL THEN NULL ELSE $2 END, updated_at = now()
         FROM old WHERE q.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      args,
    ),
    work_plan_entries: await eraseTexts(
      tx,
      `WITH old AS (
         SELECT id, ARRAY[place_address, purpose, skip_reason, outcome::text, dispatch_info::text] AS texts
         FROM work_plan_entries WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE work_plan_entries w SET place_address = NULL, purpose = NULL, skip_reason = NULL, outcome = NULL, dispatch_info = NULL,
           lat = round(w.lat::numeric, 2)::float8, lng = round(w.lng::numeric, 2)::float8,
           check_in_lat = round(w.check_in_lat::numeric, 2)::float8, check_in_lng = round(w.check_in_lng::numeric, 2)::float8,
           check_out_lat = round(w.check_out_lat::numeric, 2)::float8, check_out_lng = round(w.check_out_lng::numeric, 2)::float8
         FROM old WHERE w.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds],
    ),
  });
}
