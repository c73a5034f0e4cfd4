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
      erase: (tx, erasure) => erase(tx, erasure),
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE tasks SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
    });
  }
}

/** A task about the customer keeps its kind, assignee, due date and status; its title and detail go. */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  return erasedRows({
    tasks: await eraseTexts(
      tx,
      `WITH old AS (SELECT id, ARRAY[title, detail] AS texts FROM tasks WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (UPDATE tasks t SET title = $2, detail = NULL FROM old WHERE t.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds, ERASED_TEXT],
    ),
  });
}
