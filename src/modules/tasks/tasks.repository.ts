import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface NewTask {
  kind: string;
  title: string;
  detail?: string;
  assigneeId: string | null;
  assigneeRole?: string;
  customerId?: string;
  subjectType?: string;
  subjectId?: string;
  dueAt?: Date;
}

export interface TaskRow {
  id: string;
  kind: string;
  title: string;
  detail: string | null;
  assigneeId: string | null;
  assigneeRole: string | null;
  customerId: string | null;
  subjectType: string | null;
  subjectId: string | null;
  dueAt: Date | null;
  status: 'open' | 'done';
  completedAt: Date | null;
  createdAt: Date;
  /** created_at as Postgres prints it, exact to the microsecond, for the keyset cursor. */
  cursorAt: string;
}

export const TASK_SELECT = `id, kind, title, detail, assignee_id AS "assigneeId", assignee_role AS "assigneeRole", customer_id AS "customerId",
  subject_type AS "subjectType", subject_id AS "subjectId", due_at AS "dueAt", status, completed_at AS "completedAt", created_at AS "createdAt",
  created_at::text AS "cursorAt"`;

@Injectable()
export class TasksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, task: NewTask): Promise<string> {
    const [row] = await tx.query(
      `INSERT INTO tasks (kind, title, detail, assignee_id, assignee_role, customer_id, subject_type, subject_id, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        task.kind,
        task.title,
        task.detail ?? null,
        task.assigneeId,
        task.assigneeRole ?? null,
        task.customerId ?? null,
        task.subjectType ?? null,
        task.subjectId ?? null,
        task.dueAt ?? null,
      ],
    );
    return row.id;
  }

  /** Tasks for the user and for the pools of the roles they hold, newest first. */
  list(
    userId: string,
    roles: string[],
    status: string,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<TaskRow[]> {
    const params: unknown[] = [userId, roles, status, limit + 1];
    const keyset = after
      ? `AND (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${TASK_SELECT} FROM tasks
        WHERE status = $3 AND (assignee_id = $1 OR (assignee_id IS NULL AND assignee_role = ANY($2::text[]))) ${keyset}
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      params,
    );
  }

  async complete(id: string, userId: string, roles: string[]): Promise<TaskRow | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE tasks SET status = 'done', completed_at = now(), completed_by = $2
        WHERE id = $1 AND status = 'open' AND (assignee_id = $2 OR (assignee_id IS NULL AND assignee_role = ANY($3::text[])))
        RETURNING ${TASK_SELECT}`,
      [id, userId, roles],
    );
    return rows[0] ?? null;
  }

  async visibleTo(id: string, userId: string, roles: string[]): Promise<{ status: string } | null> {
    const [row] = await this.dataSource.query(
      `SELECT status FROM tasks WHERE id = $1 AND (assignee_id = $2 OR (assignee_id IS NULL AND assignee_role = ANY($3::text[])))`,
      [id, userId, roles],
    );
    return row ?? null;
  }
}
