import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface ProductRow {
  id: string;
  code: string;
  name: string;
  unit: string;
  listPrice: string;
  currency: string;
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  cursorAt: string;
}

const PRODUCT_SELECT = `id, code, name, unit, list_price::text AS "listPrice", currency, active, version,
  api_timestamp(created_at) AS "createdAt", api_timestamp(updated_at) AS "updatedAt", created_at::text AS "cursorAt"`;

@Injectable()
export class ProductsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Null when the code is taken. */
  async insert(
    tx: Tx,
    product: { code: string; name: string; unit: string; listPrice: string; currency: string; active: boolean },
  ): Promise<ProductRow | null> {
    const [row] = await tx.query(
      `INSERT INTO products (code, name, unit, list_price, currency, active) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (code) DO NOTHING RETURNING ${PRODUCT_SELECT}`,
      [product.code, product.name, product.unit, product.listPrice, product.currency, product.active],
    );
    return row ?? null;
  }

  async find(id: string): Promise<ProductRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${PRODUCT_SELECT} FROM products WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<ProductRow | null> {
    const [row] = await tx.query(`SELECT ${PRODUCT_SELECT} FROM products WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<ProductRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    const [rows] = await tx.query(`UPDATE products SET ${sets.join(', ')} WHERE id = $1 RETURNING ${PRODUCT_SELECT}`, [
      id,
      ...names.map((name) => columns[name]),
    ]);
    return rows[0];
  }

  list(active: boolean | undefined, after: KeysetPosition | null, limit: number): Promise<ProductRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['true'];
    if (active !== undefined) where.push(`active = ${param(active)}`);
    if (after) where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${PRODUCT_SELECT} FROM products WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  /** Of these ids, the products that are on the price list now (active). */
  async activeIds(tx: Tx, ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM products WHERE id = ANY($1::uuid[]) AND active`, [
      ids,
    ]);
    return new Set(rows.map((row) => row.id));
  }
}
