import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { CustomFieldType } from './customer-fields.js';

export interface CustomFieldRow {
  id: string;
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
  required: boolean;
  maxLength: number | null;
  active: boolean;
  version: number;
}

const COLUMNS = 'id, key, label, type, options, required, max_length AS "maxLength", active, version';

@Injectable()
export class CustomFieldsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(tx: Tx = this.dataSource.manager): Promise<CustomFieldRow[]> {
    return tx.query(`SELECT ${COLUMNS} FROM custom_field_definitions ORDER BY key`);
  }

  /** One page of the definitions in key order (limit + 1 rows: the extra one tells whether more follow). */
  page(afterKey: string | null, limit: number): Promise<CustomFieldRow[]> {
    const params: unknown[] = [limit + 1];
    const keyset = afterKey === null ? '' : `WHERE key > $${params.push(afterKey)}`;
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM custom_field_definitions ${keyset} ORDER BY key LIMIT $1`,
      params,
    );
  }

  async insert(tx: Tx, field: Omit<CustomFieldRow, 'id' | 'version' | 'active'>): Promise<CustomFieldRow | null> {
    const [row] = await tx.query(
      `INSERT INTO custom_field_definitions (key, label, type, options, required, max_length) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (key) DO NOTHING RETURNING ${COLUMNS}`,
      [field.key, field.label, field.type, field.options, field.required, field.maxLength],
    );
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<CustomFieldRow | null> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM custom_field_definitions WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async update(tx: Tx, id: string, field: CustomFieldRow): Promise<CustomFieldRow> {
    const [rows] = await tx.query(
      `UPDATE custom_field_definitions SET label = $2, options = $3, required = $4, max_length = $5, active = $6,
              version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, field.label, field.options, field.required, field.maxLength, field.active],
    );
    return rows[0];
  }
}
