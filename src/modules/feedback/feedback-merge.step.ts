import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type CustomerErasure,
  CustomerMergeSteps,
  ERASED_TEXTS_SELECT,
  type ErasedRows,
  erasedRows,
  eraseTexts,
  updatedRows,
} from '../../common/customer-data/customer-merge-steps.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

/** The feedback module's part of a customer merge and export: the customer's feedback entries (suggestions, survey answers). */
@Injectable()
export class FeedbackMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'feedback',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const rows = updatedRows<{ id: string }>(
          await tx.query(`UPDATE feedback_entries SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, [
            survivorId,
            duplicateId,
          ]),
        );
        return { counts: { feedback_entries: rows.length }, undo: rows.map((row) => row.id) };
      },
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE feedback_entries SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
      erase: (tx, erasure) => erase(tx, erasure),
      exportRows: async (tx, customerId) => ({
        feedback_entries: await tx.query(`SELECT * FROM feedback_entries WHERE customer_id = $1 ORDER BY created_at`, [
          customerId,
        ]),
      }),
    });
  }
}

/** Suggestions' text and survey answers go; NPS, CSAT and tags stay for the summaries. */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  return erasedRows({
    feedback_entries: await eraseTexts(
      tx,
      `WITH old AS (
         SELECT f.id, ARRAY[f.text] || COALESCE((SELECT array_agg(a.value) FROM jsonb_each_text(f.answers) AS a), '{}') AS texts
         FROM feedback_entries f WHERE f.customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (UPDATE feedback_entries f SET text = NULL, answers = '{}' FROM old WHERE f.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds],
    ),
  });
}
