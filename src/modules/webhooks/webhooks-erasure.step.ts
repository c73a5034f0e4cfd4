import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CustomerMergeSteps, updatedRows } from '../../common/customer-data/customer-merge-steps.js';
import { type PersonalDataSearch, redactPersonalData } from '../../common/customer-data/personal-data-redaction.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

/**
 * The webhooks module's copies of an erased customer's data: the events it stored for delivery (the
 * body a replay would send again) are redacted as the outbox is, and the partners' response excerpts
 * of those deliveries (a partner may echo the body) go. Delivery rows and attempts keep their ids,
 * states, codes and times — the delivery log stays whole. Partners erase their own copies on
 * `customer.erased`.
 */
@Injectable()
export class WebhooksErasureStep implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.registerCopies({ holder: 'webhooks', scrub: (tx, _erasure, search) => this.scrub(tx, search) });
  }

  async scrub(tx: Tx, search: PersonalDataSearch): Promise<Record<string, number>> {
    const rows: { id: string; data: unknown }[] = await tx.query(
      `SELECT id, data FROM webhook_events WHERE data::text ILIKE ANY($1::text[]) FOR UPDATE`,
      [search.patterns],
    );
    const changed = rows
      .map((row) => ({ id: row.id, data: redactPersonalData(row.data, search.forms), before: row.data }))
      .filter((row) => JSON.stringify(row.data) !== JSON.stringify(row.before))
      .map(({ id, data }) => ({ id, data }));
    if (changed.length)
      await tx.query(
        `UPDATE webhook_events e SET data = r.data FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, data jsonb) WHERE e.id = r.id`,
        [JSON.stringify(changed)],
      );
    const attempts = updatedRows<unknown>(
      await tx.query(
        `UPDATE webhook_delivery_attempts a SET response_excerpt = NULL
         FROM webhook_deliveries d WHERE d.id = a.delivery_id AND d.event_id = ANY($1::uuid[]) AND a.response_excerpt IS NOT NULL
         RETURNING a.id`,
        [rows.map((row) => row.id)],
      ),
    );
    return { webhook_events: changed.length, webhook_delivery_attempts: attempts.length };
  }
}
