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

interface ComplaintsUndo {
  complaints: string[];
  openProblems: { kind: string; source_id: string }[];
  reportBacks: { action_id: string; round: number }[];
}

/**
 * The complaints module's part of a customer merge: complaints, the open-problems read model (so the
 * outreach gate sees the survivor's problems) and improvement-action report-backs move. A report-back
 * the survivor already has for the same action and round stays with the duplicate (one per customer).
 */
@Injectable()
export class ComplaintsMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'complaints',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const args = [survivorId, duplicateId];
        const complaints = updatedRows<{ id: string }>(
          await tx.query(`UPDATE complaints SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, args),
        );
        const openProblems = updatedRows<ComplaintsUndo['openProblems'][number]>(
          await tx.query(
            `UPDATE customer_open_problems SET customer_id = $1 WHERE customer_id = $2 RETURNING kind, source_id`,
            args,
          ),
        );
        const reportBacks = updatedRows<ComplaintsUndo['reportBacks'][number]>(
          await tx.query(
            `UPDATE improvement_action_report_backs r SET customer_id = $1
           WHERE r.customer_id = $2 AND NOT EXISTS (
             SELECT 1 FROM improvement_action_report_backs o WHERE o.action_id = r.action_id AND o.round = r.round AND o.customer_id = $1)
           RETURNING action_id, round`,
            args,
          ),
        );
        const undo: ComplaintsUndo = { complaints: complaints.map((row) => row.id), openProblems, reportBacks };
        return {
          counts: {
            complaints: complaints.length,
            customer_open_problems: openProblems.length,
            improvement_action_report_backs: reportBacks.length,
          },
          undo,
        };
      },
      exportRows: async (tx, customerId) => ({
        complaints: await tx.query(`SELECT * FROM complaints WHERE customer_id = $1 ORDER BY created_at`, [customerId]),
        customer_open_problems: await tx.query(`SELECT * FROM customer_open_problems WHERE customer_id = $1`, [
          customerId,
        ]),
        improvement_action_report_backs: await tx.query(
          `SELECT * FROM improvement_action_report_backs WHERE customer_id = $1`,
          [customerId],
        ),
      }),
      erase: (tx, erasure) => erase(tx, erasure),
      moveBack: (tx, pair, undo) => moveBack(tx, pair.survivorId, pair.duplicateId, undo as ComplaintsUndo),
    });
  }
}

async function moveBack(tx: Tx, survivorId: string, duplicateId: string, undo: ComplaintsUndo): Promise<void> {
  await tx.query(`UPDATE complaints SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo.complaints, duplicateId]);
  await tx.query(
    `UPDATE customer_open_problems p SET customer_id = $2
     FROM jsonb_to_recordset($1::jsonb) AS u(kind text, source_id uuid)
     WHERE p.customer_id = $3 AND p.kind = u.kind AND p.source_id = u.source_id`,
    [JSON.stringify(undo.openProblems), duplicateId, survivorId],
  );
  await tx.query(
    `UPDATE improvement_action_report_backs r SET customer_id = $2
     FROM jsonb_to_recordset($1::jsonb) AS u(action_id uuid, round integer)
     WHERE r.customer_id = $3 AND r.action_id = u.action_id AND r.round = u.round`,
    [JSON.stringify(undo.reportBacks), duplicateId, survivorId],
  );
}

/**
 * A complaint keeps its category, root cause, severity, clocks and score (the Pareto of causes and the
 * service-level reports count it); its subject, description, five whys, resolution and comment go. The
 * open-problems rows go: nothing is promoted to an erased customer anyway.
 */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  const complaints = await eraseTexts(
    tx,
    `WITH old AS (
       SELECT id, ARRAY[subject, description, resolution, satisfaction_comment] || five_whys AS texts
       FROM complaints WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
     done AS (
       UPDATE complaints c SET subject = $2, description = NULL, resolution = NULL, satisfaction_comment = NULL,
         five_whys = '{}', updated_at = now()
       FROM old WHERE c.id = old.id)
     ${ERASED_TEXTS_SELECT}`,
    [customerIds, ERASED_TEXT],
  );
  const openProblems = updatedRows<unknown>(
    await tx.query(`DELETE FROM customer_open_problems WHERE customer_id = ANY($1::uuid[]) RETURNING kind`, [
      customerIds,
    ]),
  );
  return erasedRows({ complaints, customer_open_problems: { rows: openProblems.length, values: [] } });
}
