import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { OwnerScope } from './sales-access.js';
import { ownerScopeSql } from './sales.sql.js';

export type QuoteStatus = 'pending_approval' | 'approved' | 'rejected' | 'sent' | 'superseded';

export interface QuoteLineRow {
  lineNo: number;
  productId: string;
  productCode: string;
  productName: string;
  unit: string;
  quantity: string;
  listPrice: string;
  discountPercent: string;
  unitPrice: string;
  lineTotal: string;
}

export interface QuoteRow {
  id: string;
  number: string;
  revision: number;
  supersedesId: string | null;
  opportunityId: string;
  customerId: string;
  ownerId: string;
  status: QuoteStatus;
  currency: string;
  total: string;
  maxDiscountPercent: string;
  notes: string | null;
  approvalTaskId: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  decidedAt: string | null;
  sentAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  cursorAt: string;
  lines: QuoteLineRow[];
}

export interface NewQuote {
  /** The quote's number when this is a revision; a new number otherwise. */
  number: string | null;
  revision: number;
  supersedesId: string | null;
  opportunityId: string;
  customerId: string;
  ownerId: string;
  status: QuoteStatus;
  currency: string;
  maxDiscountPercent: number;
  notes: string | null;
  createdBy: string;
  lines: { productId: string; quantity: number; discountPercent: number }[];
}

const QUOTE_SELECT = `q.id, q.number, q.revision, q.supersedes_id AS "supersedesId", q.opportunity_id AS "opportunityId",
  q.customer_id AS "customerId", q.owner_id AS "ownerId", q.status, q.currency, q.total::text AS total,
  q.max_discount_percent::text AS "maxDiscountPercent", q.notes, q.approval_task_id AS "approvalTaskId",
  q.decided_by AS "decidedBy", q.decision_reason AS "decisionReason", api_timestamp(q.decided_at) AS "decidedAt",
  api_timestamp(q.sent_at) AS "sentAt", q.version, api_timestamp(q.created_at) AS "createdAt",
  api_timestamp(q.updated_at) AS "updatedAt", q.created_at::text AS "cursorAt",
  coalesce((SELECT jsonb_agg(jsonb_build_object('lineNo', l.line_no, 'productId', l.product_id, 'productCode', l.product_code,
                       'productName', l.product_name, 'unit', l.unit, 'quantity', l.quantity::text, 'listPrice', l.list_price::text,
                       'discountPercent', l.discount_percent::text, 'unitPrice', l.unit_price::text, 'lineTotal', l.line_total::text)
                     ORDER BY l.line_no)
              FROM quote_lines l WHERE l.quote_id = q.id), '[]') AS lines`;

@Injectable()
export class QuotesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the quote and its lines priced from the price list as it is now — each line's list price,
   * unit price (list price less the discount, rounded to the cent) and total are computed here from
   * `products`, never taken from the caller — and the quote's total as the sum of its lines.
   */
  async insert(tx: Tx, quote: NewQuote): Promise<QuoteRow> {
    const [created] = await tx.query(
      `INSERT INTO quotes (number, revision, supersedes_id, opportunity_id, customer_id, owner_id, status, currency, total,
                           max_discount_percent, notes, created_by)
       VALUES (coalesce($1, 'Q' || nextval('quote_number_seq')), $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11) RETURNING id`,
      [
        quote.number,
        quote.revision,
        quote.supersedesId,
        quote.opportunityId,
        quote.customerId,
        quote.ownerId,
        quote.status,
        quote.currency,
        quote.maxDiscountPercent,
        quote.notes,
        quote.createdBy,
      ],
    );
    await tx.query(
      `WITH input AS (
         SELECT ordinality::int AS line_no, (line->>'productId')::uuid AS product_id, (line->>'quantity')::numeric AS quantity,
                (line->>'discountPercent')::numeric AS discount_percent
           FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS lines(line, ordinality)
       ), priced AS (
         SELECT i.*, p.code, p.name, p.unit, p.list_price, round(p.list_price * (100 - i.discount_percent) / 100, 2) AS unit_price
           FROM input i JOIN products p ON p.id = i.product_id
       ), lines AS (
         INSERT INTO quote_lines (quote_id, line_no, product_id, product_code, product_name, unit, quantity, list_price,
                                  discount_percent, unit_price, line_total)
         SELECT $1, line_no, product_id, code, name, unit, quantity, list_price, discount_percent, unit_price,
                round(unit_price * quantity, 2)
           FROM priced
         RETURNING line_total
       )
       UPDATE quotes SET total = (SELECT coalesce(sum(line_total), 0) FROM lines) WHERE id = $1`,
      [created.id, JSON.stringify(quote.lines)],
    );
    return (await this.find(created.id, tx))!;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<QuoteRow | null> {
    const [row] = await tx.query(`SELECT ${QUOTE_SELECT} FROM quotes q WHERE q.id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<QuoteRow | null> {
    await tx.query(`SELECT 1 FROM quotes WHERE id = $1 FOR UPDATE`, [id]);
    return this.find(id, tx);
  }

  /** Whether a later revision replaces the quote. */
  async isSuperseded(tx: Tx, id: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM quotes WHERE supersedes_id = $1 LIMIT 1`, [id]);
    return rows.length > 0;
  }

  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<QuoteRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    await tx.query(`UPDATE quotes SET ${sets.join(', ')} WHERE id = $1`, [id, ...names.map((name) => columns[name])]);
    return (await this.find(id, tx))!;
  }

  list(
    filters: { opportunityId?: string; status?: string },
    scope: OwnerScope,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<QuoteRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = [ownerScopeSql(scope, 'q.owner_id', param)];
    if (filters.opportunityId) where.push(`q.opportunity_id = ${param(filters.opportunityId)}`);
    if (filters.status) where.push(`q.status = ${param(filters.status)}`);
    if (after) where.push(`(q.created_at, q.id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${QUOTE_SELECT} FROM quotes q WHERE ${where.join(' AND ')} ORDER BY q.created_at DESC, q.id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  async discountLimits(tx: Tx = this.dataSource.manager): Promise<{ sales: number; manager: number }> {
    const rows: { role: 'sales' | 'manager'; maxPercent: string }[] = await tx.query(
      `SELECT role, max_percent::text AS "maxPercent" FROM discount_limits`,
    );
    const limits = { sales: 0, manager: 0 };
    for (const row of rows) limits[row.role] = Number(row.maxPercent);
    return limits;
  }

  async setDiscountLimits(tx: Tx, limits: { sales: number; manager: number }): Promise<void> {
    await tx.query(
      `INSERT INTO discount_limits (role, max_percent) VALUES ('sales', $1), ('manager', $2)
       ON CONFLICT (role) DO UPDATE SET max_percent = excluded.max_percent, updated_at = now()`,
      [limits.sales, limits.manager],
    );
  }
}
