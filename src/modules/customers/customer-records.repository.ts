import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition, WithCursor } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { customerMessageTimelineSql } from '../outreach/outreach-timeline.sql.js';

export type { WithCursor };

export interface PurchaseRow {
  id: string;
  customerId: string;
  purchasedAt: Date;
  product: string;
  quantity: number;
  amount: { amount: string; currency: string };
  paymentMethod: string;
  channel: string | null;
  notes: string | null;
  refundedAt: Date | null;
  createdAt: Date;
}

export interface Commitment {
  description: string;
  dueOn?: string;
  status: 'open' | 'kept' | 'broken';
  /** When it was marked kept or broken, and by whom (a user id; null for an API key). */
  settledAt?: string;
  settledBy?: string | null;
}

export interface InteractionRow {
  id: string;
  customerId: string;
  channel: string;
  direction: string;
  occurredAt: Date;
  staffId: string | null;
  subject: string | null;
  summary: string;
  commitments: Commitment[];
  createdAt: Date;
}

export interface ConsentRow {
  channel: string;
  optedIn: boolean;
  source: string | null;
  updatedAt: Date;
}

export interface TimelineEntryRow {
  kind: string;
  id: string;
  at: Date;
  summary: string;
  details: Record<string, unknown>;
}

export const PURCHASE_SELECT = `id, customer_id AS "customerId", purchased_at AS "purchasedAt", product, quantity,
  json_build_object('amount', amount::text, 'currency', currency) AS amount, payment_method AS "paymentMethod",
  channel, notes, refunded_at AS "refundedAt", created_at AS "createdAt", purchased_at::text AS "cursorAt"`;

export const INSERT_PURCHASE = `INSERT INTO purchases (customer_id, purchased_at, product, quantity, amount, currency, payment_method, channel, notes, recorded_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${PURCHASE_SELECT}`;

const INTERACTION_SELECT = `id, customer_id AS "customerId", channel, direction, occurred_at AS "occurredAt", staff_id AS "staffId",
  subject, summary, commitments, created_at AS "createdAt", occurred_at::text AS "cursorAt"`;

export interface NewPurchase {
  customerId: string;
  purchasedAt: string;
  product: string;
  quantity: number;
  amount: string;
  currency: string;
  paymentMethod: string;
  channel: string | null;
  notes: string | null;
  recordedBy: string | null;
}

export interface NewInteraction {
  customerId: string;
  channel: string;
  direction: string;
  occurredAt: string;
  staffId: string | null;
  subject: string | null;
  summary: string;
  commitments: Commitment[];
}

/** Purchases, interactions, consents and the timeline that merges them. */
@Injectable()
export class CustomerRecordsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertPurchase(tx: Tx, purchase: NewPurchase): Promise<PurchaseRow> {
    const [row] = await tx.query(INSERT_PURCHASE, [
      purchase.customerId,
      purchase.purchasedAt,
      purchase.product,
      purchase.quantity,
      purchase.amount,
      purchase.currency,
      purchase.paymentMethod,
      purchase.channel,
      purchase.notes,
      purchase.recordedBy,
    ]);
    return withoutCursor(row);
  }

  async listPurchases(
    customerId: string,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<WithCursor<PurchaseRow>[]> {
    const params: unknown[] = [customerId, limit + 1];
    const keyset = after ? `AND (purchased_at, id) < ($3::timestamptz, $4::uuid)` : '';
    if (after) params.push(after.at, after.id);
    return this.dataSource.query(
      `SELECT ${PURCHASE_SELECT} FROM purchases WHERE customer_id = $1 ${keyset} ORDER BY purchased_at DESC, id DESC LIMIT $2`,
      params,
    );
  }

  async isRefunded(id: string, tx: Tx = this.dataSource.manager): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM purchases WHERE id = $1 AND refunded_at IS NOT NULL`, [id]);
    return rows.length > 0;
  }

  async lockPurchase(tx: Tx, id: string): Promise<PurchaseRow | null> {
    const [row] = await tx.query(`SELECT ${PURCHASE_SELECT} FROM purchases WHERE id = $1 FOR UPDATE`, [id]);
    return row ? withoutCursor(row) : null;
  }

  async markRefunded(tx: Tx, id: string, reason: string | null): Promise<PurchaseRow> {
    const [rows] = await tx.query(
      `UPDATE purchases SET refunded_at = now(), refund_reason = $2 WHERE id = $1 RETURNING ${PURCHASE_SELECT}`,
      [id, reason],
    );
    return withoutCursor(rows[0]);
  }

  async insertInteraction(tx: Tx, interaction: NewInteraction): Promise<InteractionRow> {
    const [row] = await tx.query(
      `INSERT INTO interactions (customer_id, channel, direction, occurred_at, staff_id, subject, summary, commitments)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING ${INTERACTION_SELECT}`,
      [
        interaction.customerId,
        interaction.channel,
        interaction.direction,
        interaction.occurredAt,
        interaction.staffId,
        interaction.subject,
        interaction.summary,
        JSON.stringify(interaction.commitments),
      ],
    );
    return withoutCursor(row);
  }

  async lockInteraction(tx: Tx, customerId: string, id: string): Promise<InteractionRow | null> {
    const [row] = await tx.query(
      `SELECT ${INTERACTION_SELECT} FROM interactions WHERE id = $1 AND customer_id = $2 FOR UPDATE`,
      [id, customerId],
    );
    return row ? withoutCursor(row) : null;
  }

  async replaceCommitments(tx: Tx, id: string, commitments: Commitment[]): Promise<InteractionRow> {
    const [rows] = await tx.query(
      `UPDATE interactions SET commitments = $2::jsonb WHERE id = $1 RETURNING ${INTERACTION_SELECT}`,
      [id, JSON.stringify(commitments)],
    );
    return withoutCursor(rows[0]);
  }

  async listInteractions(
    customerId: string,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<WithCursor<InteractionRow>[]> {
    const params: unknown[] = [customerId, limit + 1];
    const keyset = after ? `AND (occurred_at, id) < ($3::timestamptz, $4::uuid)` : '';
    if (after) params.push(after.at, after.id);
    return this.dataSource.query(
      `SELECT ${INTERACTION_SELECT} FROM interactions WHERE customer_id = $1 ${keyset} ORDER BY occurred_at DESC, id DESC LIMIT $2`,
      params,
    );
  }

  /** Whose purchase it is and of what, or null when there is none with this id. */
  async purchaseFacts(purchaseId: string): Promise<{ customerId: string; product: string } | null> {
    const [row] = await this.dataSource.query(
      `SELECT customer_id AS "customerId", product FROM purchases WHERE id = $1`,
      [purchaseId],
    );
    return row ?? null;
  }

  async customerOfPurchase(id: string, tx: Tx = this.dataSource.manager): Promise<string | null> {
    const [row] = await tx.query(`SELECT customer_id AS "customerId" FROM purchases WHERE id = $1`, [id]);
    return row?.customerId ?? null;
  }

  async purchaseBelongsTo(purchaseId: string, customerId: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM purchases WHERE id = $1 AND customer_id = $2`, [
      purchaseId,
      customerId,
    ]);
    return rows.length > 0;
  }

  async upsertConsent(
    tx: Tx,
    customerId: string,
    channel: string,
    optedIn: boolean,
    source: string | null,
    by: string | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO customer_consents (customer_id, channel, opted_in, source, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (customer_id, channel) DO UPDATE SET opted_in = EXCLUDED.opted_in, source = EXCLUDED.source,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [customerId, channel, optedIn, source, by],
    );
  }

  listConsents(customerId: string, tx: Tx = this.dataSource.manager): Promise<ConsentRow[]> {
    return tx.query(
      `SELECT channel, opted_in AS "optedIn", source, updated_at AS "updatedAt" FROM customer_consents WHERE customer_id = $1 ORDER BY channel`,
      [customerId],
    );
  }

  /**
   * Everything recorded about a customer, newest first: purchases and refunds, interactions, the
   * profile and consent changes from the audit log (field names only, never the values), the entries
   * other modules append, and the outreach messages (their owner's fragment). Each branch
   * reads its own (customer, time) index, and the merge keeps only limit + 1 rows.
   */
  async timeline(
    customerId: string,
    kind: string | undefined,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<WithCursor<TimelineEntryRow>[]> {
    const params: unknown[] = [customerId, limit + 1];
    const keyset = (at: string, id: string) => (after ? `AND (${at}, ${id}) < ($3::timestamptz, $4::text)` : '');
    const auditBranch = (entryKind: string, actions: string) =>
      `SELECT '${entryKind}' AS kind, 'audit-' || id::text AS id, occurred_at AS at, replace(action, 'customer.', '') AS summary,
          jsonb_build_object('actorType', actor_type, 'actorId', actor_id, 'fields', fields) AS details
        FROM audit_log WHERE entity_type = 'customer' AND entity_id = $1::text AND action IN (${actions}) ${keyset('occurred_at', `'audit-' || id::text`)}`;
    if (after) params.push(after.at, after.id);
    const branches: Record<string, string> = {
      purchase: `SELECT 'purchase' AS kind, id::text AS id, purchased_at AS at, product || ' · ' || amount::text || ' ' || currency AS summary,
          jsonb_build_object('product', product, 'quantity', quantity, 'amount', jsonb_build_object('amount', amount::text, 'currency', currency),
            'paymentMethod', payment_method, 'channel', channel) AS details
        FROM purchases WHERE customer_id = $1 ${keyset('purchased_at', 'id::text')}`,
      refund: `SELECT 'refund' AS kind, 'refund-' || id::text AS id, refunded_at AS at, 'refund: ' || product AS summary,
          jsonb_build_object('purchaseId', id, 'reason', refund_reason) AS details
        FROM purchases WHERE customer_id = $1 AND refunded_at IS NOT NULL ${keyset('refunded_at', `'refund-' || id::text`)}`,
      interaction: `SELECT 'interaction' AS kind, id::text AS id, occurred_at AS at, channel || ' (' || direction || '): ' || left(summary, 200) AS summary,
          jsonb_build_object('channel', channel, 'direction', direction, 'staffId', staff_id, 'subject', subject, 'commitments', commitments) AS details
        FROM interactions WHERE customer_id = $1 ${keyset('occurred_at', 'id::text')}`,
      ...Object.fromEntries(
        ENTRY_KINDS.map((entryKind) => [
          entryKind,
          `SELECT kind, 'entry-' || id::text AS id, occurred_at AS at, summary, details
            FROM customer_timeline_entries WHERE customer_id = $1 AND kind = '${entryKind}' ${keyset('occurred_at', `'entry-' || id::text`)}`,
        ]),
      ),
      // Outreach messages are read from the messages themselves, through the outreach module's fragment.
      message: `SELECT * FROM (${customerMessageTimelineSql('$1')}) message WHERE true ${keyset('message.at', 'message.id')}`,
      profile: auditBranch('profile', `'customer.created', 'customer.updated'`),
      consent: auditBranch('consent', `'customer.consents_updated'`),
    };
    const selected = kind === undefined ? Object.values(branches) : [branches[kind]];
    return this.dataSource.query(
      `SELECT kind, id, at, summary, details, at::text AS "cursorAt" FROM (
         ${selected.map((branch) => `(${branch} ORDER BY 3 DESC, 2 DESC LIMIT $2)`).join(' UNION ALL ')}
       ) merged ORDER BY at DESC, id DESC LIMIT $2`,
      params,
    );
  }
}

/** Kinds other modules append to customer_timeline_entries (timelineEntriesInsertSql), each read on its own index range. */
const ENTRY_KINDS = ['service_request', 'complaint', 'improvement_action', 'visit'];

function withoutCursor<T>(row: WithCursor<T>): T {
  const { cursorAt: _, ...rest } = row;
  return rest as T;
}
