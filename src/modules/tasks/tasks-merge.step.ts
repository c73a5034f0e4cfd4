import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerMergeSteps, updatedRows } from '../../common/customer-data/customer-merge-steps.js';

/** The tasks module's part of a customer merge: tasks about the duplicate become tasks about the survivor. */
@Injectable()
export class TasksMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'tasks',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const rows = updatedRows<{ id: string }>(
          await tx.query(`UPDATE tasks SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, [
            survivorId,
            duplicateId,
          ]),
        );
        return { counts: { tasks: rows.length }, undo: rows.map((row) => row.id) };
      },
      exportRows: async (tx, customerId) => ({
        tasks: await tx.query(`SELECT * FROM tasks WHERE customer_id = $1 ORDER BY created_at`, [customerId]),
      }),
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE tasks SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
    });
  }
}
