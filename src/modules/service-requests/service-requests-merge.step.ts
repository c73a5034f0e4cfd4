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

/** The service-requests module's part of a customer merge: the duplicate's requests (with their SLA clocks) move. */
@Injectable()
export class ServiceRequestsMergeStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.register({
      module: 'service-requests',
      moveToSurvivor: async (tx, { survivorId, duplicateId }) => {
        const rows = updatedRows<{ id: string }>(
          await tx.query(`UPDATE service_requests SET customer_id = $1 WHERE customer_id = $2 RETURNING id`, [
            survivorId,
            duplicateId,
          ]),
        );
        return { counts: { service_requests: rows.length }, undo: rows.map((row) => row.id) };
      },
      exportRows: async (tx, customerId) => ({
        service_requests: await tx.query(`SELECT * FROM service_requests WHERE customer_id = $1 ORDER BY created_at`, [
          customerId,
        ]),
      }),
      erase: (tx, erasure) => erase(tx, erasure),
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE service_requests SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
    });
  }
}

/** Subjects, descriptions, addresses, resolutions and satisfaction comments go; types, severities, SLA clocks and scores stay for the reports. */
async function erase(tx: Tx, { customerIds }: CustomerErasure): Promise<ErasedRows> {
  return erasedRows({
    service_requests: await eraseTexts(
      tx,
      `WITH old AS (
         SELECT id, ARRAY[subject, description, address, resolution, satisfaction_comment] AS texts
         FROM service_requests WHERE customer_id = ANY($1::uuid[]) FOR UPDATE),
       done AS (
         UPDATE service_requests s SET subject = $2, description = NULL, address = NULL, resolution = NULL,
           satisfaction_comment = NULL, updated_at = now()
         FROM old WHERE s.id = old.id)
       ${ERASED_TEXTS_SELECT}`,
      [customerIds, ERASED_TEXT],
    ),
  });
}
