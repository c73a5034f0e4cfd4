import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { OwnerScope } from './sales-access.js';
import { ownerScopeSql } from './sales.sql.js';

/** An opportunity as OPPORTUNITY_SELECT reads it: amount as numeric text, timestamps in the API's form. */
export interface OpportunityRow {
  id: string;
  name: string;
  customerId: string;
  leadId: string | null;
  ownerId: string;
  pipelineId: string;
  stageId: string;
  amount: string;
  currency: string;
  probability: number;
  expectedCloseOn: string | null;
  products: string[];
  status: 'open' | 'won' | 'lost';
  closeReason: string | null;
  closedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  cursorAt: string;
}

export interface StageEntryRow {
  stageId: string;
  stageName: string;
  enteredAt: string;
  leftAt: string | null;
  changedBy: string | null;
}

export interface NewOpportunity {
  name: string;
  customerId: string;
  leadId: string | null;
  ownerId: string;
  pipelineId: string;
  stageId: string;
  amount: string;
  currency: string;
  probability: number;
  expectedCloseOn: string | null;
  products: string[];
}

export interface OpportunityFilters {
  status?: string;
  ownerId?: string;
  customerId?: string;
  pipelineId?: string;
}

export const OPPORTUNITY_SELECT = `id, name, customer_id AS "customerId", lead_id AS "leadId", owner_id AS "ownerId",
  pipeline_id AS "pipelineId", stage_id AS "stageId", amount::text AS amount, currency, probability,
  to_char(expected_close_on, 'YYYY-MM-DD') AS "expectedCloseOn", products, status, close_reason AS "closeReason",
  api_timestamp(closed_at) AS "closedAt", version, api_timestamp(created_at) AS "createdAt",
  api_timestamp(updated_at) AS "updatedAt", created_at::text AS "cursorAt"`;

@Injectable()
export class OpportunitiesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the opportunity and the first entry of its stage history. */
  async insert(tx: Tx, opportunity: NewOpportunity, changedBy: string | null): Promise<OpportunityRow> {
    const [row] = await tx.query(
      `INSERT INTO opportunities (name, customer_id, lead_id, owner_id, pipeline_id, stage_id, amount, currency, probability,
                                  expected_close_on, products)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${OPPORTUNITY_SELECT}`,
      [
        opportunity.name,
        opportunity.customerId,
        opportunity.leadId,
        opportunity.ownerId,
        opportunity.pipelineId,
        opportunity.stageId,
        opportunity.amount,
        opportunity.currency,
        opportunity.probability,
        opportunity.expectedCloseOn,
        opportunity.products,
      ],
    );
    await tx.query(
      `INSERT INTO opportunity_stage_history (opportunity_id, stage_id, entered_at, changed_by) VALUES ($1, $2, $3, $4)`,
      [row.id, row.stageId, row.createdAt, changedBy],
    );
    return row;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<OpportunityRow | null> {
    const [row] = await tx.query(`SELECT ${OPPORTUNITY_SELECT} FROM opportunities WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<OpportunityRow | null> {
    const [row] = await tx.query(`SELECT ${OPPORTUNITY_SELECT} FROM opportunities WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<OpportunityRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    const [rows] = await tx.query(
      `UPDATE opportunities SET ${sets.join(', ')} WHERE id = $1 RETURNING ${OPPORTUNITY_SELECT}`,
      [id, ...names.map((name) => columns[name])],
    );
    return rows[0];
  }

  /** Closes the current stage entry and opens one for the new stage, at the same instant. */
  async enterStage(tx: Tx, id: string, stageId: string, changedBy: string | null): Promise<void> {
    await tx.query(
      `WITH closed AS (
         UPDATE opportunity_stage_history SET left_at = now() WHERE opportunity_id = $1 AND left_at IS NULL RETURNING id
       )
       INSERT INTO opportunity_stage_history (opportunity_id, stage_id, entered_at, changed_by) VALUES ($1, $2, now(), $3)`,
      [id, stageId, changedBy],
    );
  }

  /** Ends the last stage entry at the moment the opportunity closed (won or lost). */
  async leaveStage(tx: Tx, id: string): Promise<void> {
    await tx.query(
      `UPDATE opportunity_stage_history SET left_at = (SELECT closed_at FROM opportunities WHERE id = $1)
        WHERE opportunity_id = $1 AND left_at IS NULL`,
      [id],
    );
  }

  stageHistory(id: string): Promise<StageEntryRow[]> {
    return this.dataSource.query(
      `SELECT h.stage_id AS "stageId", s.name AS "stageName", api_timestamp(h.entered_at) AS "enteredAt",
              api_timestamp(h.left_at) AS "leftAt", h.changed_by AS "changedBy"
         FROM opportunity_stage_history h JOIN pipeline_stages s ON s.id = h.stage_id
        WHERE h.opportunity_id = $1 ORDER BY h.id`,
      [id],
    );
  }

  list(
    filters: OpportunityFilters,
    scope: OwnerScope,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<OpportunityRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = [ownerScopeSql(scope, 'owner_id', param)];
    if (filters.status) where.push(`status = ${param(filters.status)}`);
    if (filters.ownerId) where.push(`owner_id = ${param(filters.ownerId)}`);
    if (filters.customerId) where.push(`customer_id = ${param(filters.customerId)}`);
    if (filters.pipelineId) where.push(`pipeline_id = ${param(filters.pipelineId)}`);
    if (after) where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${OPPORTUNITY_SELECT} FROM opportunities WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
  }
}
