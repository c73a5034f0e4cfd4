import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../../common/auth/principal.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  roles: Role[];
  region: string | null;
  skills: string[];
  manager_id: string | null;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  roles: Role[];
  region?: string | null;
  skills?: string[];
  managerId?: string | null;
}

const COLUMNS =
  'id, email, name, password_hash, roles, region, skills, manager_id, active, version, created_at, updated_at, created_at::text AS cursor_at';

@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
    return row ?? null;
  }

  async findById(id: string, tx: Tx = this.dataSource.manager): Promise<UserRow | null> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ?? null;
  }

  /** Whether the user reports to the manager, directly. */
  async isManagedBy(userId: string, managerId: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM users WHERE id = $1 AND manager_id = $2`, [
      userId,
      managerId,
    ]);
    return rows.length > 0;
  }

  /** The ids of the users who report directly to the manager. */
  async teamOf(managerId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(`SELECT id FROM users WHERE manager_id = $1`, [
      managerId,
    ]);
    return rows.map((row) => row.id);
  }

  /** Of these ids, the active users holding one of `roles`. */
  async activeWithRoles(ids: string[], roles: Role[], tx: Tx = this.dataSource.manager): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE id = ANY($1::uuid[]) AND active AND roles && $2::text[]`,
      [ids, roles],
    );
    return rows.map((row) => row.id);
  }

  /** Active users holding one of `roles` who have `skill` (when given) and work in `region` (or everywhere). */
  async findQualified(roles: Role[], skill: string | null, region: string | null): Promise<UserRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM users
        WHERE active AND roles && $1::text[] AND ($2::text IS NULL OR $2 = ANY(skills)) AND ($3::text IS NULL OR region IS NULL OR region = $3)
        ORDER BY name, id`,
      [roles, skill, region],
    );
  }

  async count(): Promise<number> {
    const [{ count }] = await this.dataSource.query(`SELECT count(*)::int AS count FROM users`);
    return count;
  }

  async list(limit: number, after: { at: string; id: string } | null, role?: Role): Promise<UserRow[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (role) where.push(`$${params.push(role)} = ANY(roles)`);
    if (after)
      where.push(`(created_at, id) > ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM users ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT $1`,
      params,
    );
  }

  /** Inserts unless the e-mail is taken; returns null then. */
  async insert(tx: Tx, user: NewUser): Promise<UserRow | null> {
    const [row] = await tx.query(
      `INSERT INTO users (email, name, password_hash, roles, region, skills, manager_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [
        user.email,
        user.name,
        user.passwordHash,
        user.roles,
        user.region ?? null,
        user.skills ?? [],
        user.managerId ?? null,
      ],
    );
    return row ?? null;
  }

  async update(tx: Tx, id: string, changes: Record<string, unknown>): Promise<UserRow> {
    const columns = Object.keys(changes);
    const sets = columns.map((column, index) => `${column} = $${index + 2}`);
    const [rows] = await tx.query(
      `UPDATE users SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, ...columns.map((column) => changes[column])],
    );
    return rows[0];
  }

  async lockById(tx: Tx, id: string): Promise<UserRow | null> {
    const [row] = await tx.query(`SELECT ${COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }
}
