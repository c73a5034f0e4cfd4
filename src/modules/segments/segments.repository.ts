import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { customerIdsWhereSql } from '../customers/customers.sql.js';
import { segmentConditionSql, type SegmentFilter } from './segment-filter.js';

export interface SegmentRow {
  id: string;
  name: string;
  description: string | null;
  filter: SegmentFilter;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

const SEGMENT_SELECT = `id, name, description, filter, version, created_at AS "createdAt", updated_at AS "updatedAt", created_at::text AS "cursorAt"`;

@Injectable()
export class SegmentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    segment: { name: string; description: string | null; filter: SegmentFilter; createdBy: string | null },
  ): Promise<SegmentRow> {
    const [row] = await tx.query(
      `INSERT INTO segments (name, description, filter, created_by) VALUES ($1, $2, $3, $4) RETURNING ${SEGMENT_SELECT}`,
      [segment.name, segment.description, JSON.stringify(segment.filter), segment.createdBy],
    );
    return row;
  }

  async update(
    tx: Tx,
    id: string,
    columns: { name?: string; description?: string | null; filter?: SegmentFilter },
  ): Promise<SegmentRow> {
    const values: unknown[] = [id];
    const sets = ['version = version + 1', 'updated_at = now()'];
    if (columns.name !== undefined) sets.push(`name = $${values.push(columns.name)}`);
    if (columns.description !== undefined) sets.push(`description = $${values.push(columns.description)}`);
    if (columns.filter !== undefined) sets.push(`filter = $${values.push(JSON.stringify(columns.filter))}`);
    const [rows] = await tx.query(
      `UPDATE segments SET ${sets.join(', ')} WHERE id = $1 RETURNING ${SEGMENT_SELECT}`,
      values,
    );
    return rows[0];
  }

  async delete(tx: Tx, id: string): Promise<boolean> {
    const [, count] = await tx.query(`DELETE FROM segments WHERE id = $1`, [id]);
    return count > 0;
  }

  async findById(id: string, tx: Tx = this.dataSource.manager): Promise<SegmentRow | null> {
    const [row] = await tx.query(`SELECT ${SEGMENT_SELECT} FROM segments WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<SegmentRow | null> {
    const [row] = await tx.query(`SELECT ${SEGMENT_SELECT} FROM segments WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async list(after: KeysetPosition | null, limit: number): Promise<SegmentRow[]> {
    const params: unknown[] = [];
    const where = after
      ? `WHERE (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${SEGMENT_SELECT} FROM segments ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }

  /** How many customers the filter selects now. */
  async count(filter: SegmentFilter): Promise<number> {
    const params: unknown[] = [];
    const condition = segmentConditionSql(filter, 'c', (value) => `$${params.push(value)}`);
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM (${customerIdsWhereSql(condition)}) s`,
      params,
    );
    return row.count;
  }
}
