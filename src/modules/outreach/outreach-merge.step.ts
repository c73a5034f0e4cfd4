import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerMergeSteps, updatedRows } from '../../common/customer-data/customer-merge-steps.js';

/**
 * The outreach module's part of a customer merge: the duplicate's messages move, so the survivor's
 * contact caps and 30-day duplicate-content rule count what either record was sent.
 */
@Injectable()
export class OutreachMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'outreach',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const rows = updatedRows<{ id: string }>(
          await tx.query(`UPDATE outreach_messages SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, [
            survivorId,
            duplicateId,
          ]),
        );
        return { counts: { outreach_messages: rows.length }, undo: rows.map((row) => row.id) };
      },
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE outreach_messages SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
    });
  }
}
