import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface CategoryRow {
  code: string;
  label: string;
  active: boolean;
  version: number;
}

export interface RootCauseRow extends CategoryRow {
  parentCode: string | null;
}

const CATEGORY_SELECT = `code, label, active, version`;
const ROOT_CAUSE_SELECT = `code, parent_code AS "parentCode", label, active, version`;
type Table = 'complaint_categories' | 'complaint_root_causes';

/** The two taxonomies administrators keep: complaint categories (R-P1) and the two-level root causes (R-P3). */
@Injectable()
export class ComplaintTaxonomyRepository {
  constructor(private readonly dataSource: DataSource) {}

  categories(): Promise<CategoryRow[]> {
    return this.dataSource.query(`SELECT ${CATEGORY_SELECT} FROM complaint_categories ORDER BY code`);
  }

  async category(code: string, tx: Tx = this.dataSource.manager): Promise<CategoryRow | null> {
    const [row] = await tx.query(`SELECT ${CATEGORY_SELECT} FROM complaint_categories WHERE code = $1`, [code]);
    return row ?? null;
  }

  /** Groups first, each followed by its causes. */
  rootCauses(): Promise<RootCauseRow[]> {
    return this.dataSource.query(
      `SELECT ${ROOT_CAUSE_SELECT} FROM complaint_root_causes ORDER BY coalesce(parent_code, code), parent_code NULLS FIRST, code`,
    );
  }

  async rootCause(code: string, tx: Tx = this.dataSource.manager): Promise<RootCauseRow | null> {
    const [row] = await tx.query(`SELECT ${ROOT_CAUSE_SELECT} FROM complaint_root_causes WHERE code = $1`, [code]);
    return row ?? null;
  }

  /** Inserts the entry; null when the code is taken. */
  async createCategory(tx: Tx, entry: { code: string; label: string }): Promise<CategoryRow | null> {
    const [row] = await tx.query(
      `INSERT INTO complaint_categories (code, label) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING ${CATEGORY_SELECT}`,
      [entry.code, entry.label],
    );
    return row ?? null;
  }

  async createRootCause(
    tx: Tx,
    entry: { code: string; label: string; parentCode: string | null },
  ): Promise<RootCauseRow | null> {
    const [row] = await tx.query(
      `INSERT INTO complaint_root_causes (code, label, parent_code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING ${ROOT_CAUSE_SELECT}`,
      [entry.code, entry.label, entry.parentCode],
    );
    return row ?? null;
  }

  async lock(tx: Tx, table: Table, code: string): Promise<RootCauseRow | null> {
    const [row] = await tx.query(
      `SELECT ${table === 'complaint_categories' ? `${CATEGORY_SELECT}, NULL AS "parentCode"` : ROOT_CAUSE_SELECT} FROM ${table} WHERE code = $1 FOR UPDATE`,
      [code],
    );
    return row ?? null;
  }

  async update(
    tx: Tx,
    table: Table,
    code: string,
    changes: { label?: string; active?: boolean },
  ): Promise<RootCauseRow> {
    const [[row]] = await tx.query(
      `UPDATE ${table} SET label = coalesce($2, label), active = coalesce($3, active), version = version + 1, updated_at = now()
        WHERE code = $1 RETURNING ${table === 'complaint_categories' ? `${CATEGORY_SELECT}, NULL AS "parentCode"` : ROOT_CAUSE_SELECT}`,
      [code, changes.label ?? null, changes.active ?? null],
    );
    return row;
  }
}
