import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerMergeSteps, updatedRows } from '../../common/customer-data/customer-merge-steps.js';

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
      moveBack: async (tx, { duplicateId }, undo) => {
        await tx.query(`UPDATE service_requests SET customer_id = $2 WHERE id = ANY($1::uuid[])`, [undo, duplicateId]);
      },
    });
  }
}
