import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerMergeSteps, updatedRows } from '../../common/customer-data/customer-merge-steps.js';

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
      exportRows: async (tx, customerId) => ({
        feedback_entries: await tx.query(`SELECT * FROM feedback_entries WHERE customer_id = $1 ORDER BY created_at`, [
          customerId,
        ]),
      }),
    });
  }
}
