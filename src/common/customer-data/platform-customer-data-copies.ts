import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { type CustomerErasure, CustomerMergeSteps } from './customer-merge-steps.js';
import { type PersonalDataSearch, redactPersonalData } from './personal-data-redaction.js';

/**
 * The platform's copies of an erased customer's data: outbox payloads (published or not — an event
 * relayed after the erasure carries the redacted payload), audit rows (who, when and what action stay;
 * the values in `before` / `after` go) and stored idempotent responses (a retried create answers the
 * redacted body, and still does not create the customer again). The rows are found by a scan of each
 * table's JSON: erasure is rare, and the alternative — an index over every payload's text — would be
 * paid on every write.
 */
@Injectable()
export class PlatformCustomerDataCopies implements OnModuleInit {
  constructor(private readonly steps: CustomerMergeSteps) {}

  onModuleInit(): void {
    this.steps.registerCopies({ holder: 'platform', scrub: (tx, erasure, search) => this.scrub(tx, erasure, search) });
  }

  async scrub(tx: Tx, erasure: CustomerErasure, search: PersonalDataSearch): Promise<Record<string, number>> {
    return {
      outbox: await this.scrubOutbox(tx, erasure, search),
      audit_log: await this.scrubAuditLog(tx, erasure, search),
      idempotency_keys: await this.scrubIdempotentResponses(tx, search),
    };
  }

  private async scrubOutbox(tx: Tx, erasure: CustomerErasure, search: PersonalDataSearch): Promise<number> {
    const rows: { id: string; payload: unknown }[] = await tx.query(
      // In id order, as lockedOutboxEventsSql locks the rows the webhook fan-out copies: no deadlock.
      `SELECT id, payload FROM outbox WHERE aggregate_id = ANY($2::text[]) OR payload::text ILIKE ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [search.patterns, erasure.customerIds],
    );
    const changed = redactedRows(rows, ['payload'], search.forms);
    if (changed.length)
      await tx.query(
        `UPDATE outbox o SET payload = r.payload FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, payload jsonb) WHERE o.id = r.id`,
        [JSON.stringify(changed)],
      );
    return changed.length;
  }

  /** The customer's own rows (a profile change names only the field) and every row whose values name it. */
  private async scrubAuditLog(tx: Tx, erasure: CustomerErasure, search: PersonalDataSearch): Promise<number> {
    const rows: { id: string; before: unknown; after: unknown }[] = await tx.query(
      `SELECT id, before, after FROM audit_log
       WHERE (entity_type = 'customer' AND entity_id = ANY($2::text[]))
          OR before::text ILIKE ANY($1::text[]) OR after::text ILIKE ANY($1::text[]) FOR UPDATE`,
      [search.patterns, erasure.customerIds],
    );
    const changed = redactedRows(rows, ['before', 'after'], search.forms);
    if (changed.length)
      await tx.query(
        `UPDATE audit_log a SET before = r.before, after = r.after
         FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, before jsonb, after jsonb) WHERE a.id = r.id`,
        [JSON.stringify(changed)],
      );
    return changed.length;
  }

  private async scrubIdempotentResponses(tx: Tx, search: PersonalDataSearch): Promise<number> {
    const rows: { principal: string; key: string; response_body: unknown }[] = await tx.query(
      `SELECT principal, key, response_body FROM idempotency_keys WHERE response_body::text ILIKE ANY($1::text[]) FOR UPDATE`,
      [search.patterns],
    );
    const changed = redactedRows(rows, ['response_body'], search.forms);
    if (changed.length)
      await tx.query(
        `UPDATE idempotency_keys k SET response_body = r.response_body
         FROM jsonb_to_recordset($1::jsonb) AS r(principal text, key text, response_body jsonb)
         WHERE k.principal = r.principal AND k.key = r.key`,
        [JSON.stringify(changed)],
      );
    return changed.length;
  }
}

/** The rows whose JSON columns change once redacted, with the redacted values. */
function redactedRows<T extends Record<string, unknown>>(rows: T[], columns: (keyof T)[], forms: string[]): T[] {
  return rows.flatMap((row) => {
    const redacted = { ...row };
    for (const column of columns) redacted[column] = redactPersonalData(row[column], forms) as T[keyof T];
    return columns.some((column) => JSON.stringify(redacted[column]) !== JSON.stringify(row[column])) ? [redacted] : [];
  });
}
