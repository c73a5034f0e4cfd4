import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';

export interface NotificationRow {
  id: string;
  kind: string;
  title: string;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, unknown>;
  actorId: string | null;
  readAt: string | null;
  createdAt: string;
  cursorAt: string;
}

export interface NewNotification {
  userId: string;
  kind: string;
  title: string;
  subjectType?: string | null;
  subjectId?: string | null;
  details?: Record<string, unknown>;
  actorId?: string | null;
}

const SELECT = `id, kind, title, subject_type AS "subjectType", subject_id AS "subjectId", details, actor_id AS "actorId",
  api_timestamp(read_at) AS "readAt", api_timestamp(created_at) AS "createdAt", created_at::text AS "cursorAt"`;

@Injectable()
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, notices: NewNotification[]): Promise<void> {
    if (!notices.length) return;
    await tx.query(
      `INSERT INTO notifications (user_id, kind, title, subject_type, subject_id, details, actor_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::jsonb[], $7::uuid[])`,
      [
        notices.map((notice) => notice.userId),
        notices.map((notice) => notice.kind),
        notices.map((notice) => notice.title),
        notices.map((notice) => notice.subjectType ?? null),
        notices.map((notice) => notice.subjectId ?? null),
        notices.map((notice) => JSON.stringify(notice.details ?? {})),
        notices.map((notice) => notice.actorId ?? null),
      ],
    );
  }

  /** Newest first through notifications_user_idx (or its unread twin). */
  list(
    userId: string,
    status: 'read' | 'unread' | undefined,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<NotificationRow[]> {
    const params: unknown[] = [userId, limit + 1];
    const where = ['user_id = $1'];
    if (status === 'unread') where.push('read_at IS NULL');
    if (status === 'read') where.push('read_at IS NOT NULL');
    if (after) {
      params.push(after.at, after.id);
      where.push(`(created_at, id) < ($3::timestamptz, $4::uuid)`);
    }
    return this.dataSource.query(
      `SELECT ${SELECT} FROM notifications WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
  }

  unreadCount(userId: string): Promise<number> {
    return this.dataSource
      .query(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL`, [userId])
      .then(([row]) => row.n);
  }

  /** Marks the user's own notice read (keeping the first reading time) or unread; null when it is not theirs. */
  async mark(userId: string, id: string, read: boolean): Promise<NotificationRow | null> {
    const [rows] = await this.dataSource.query(
      `UPDATE notifications SET read_at = CASE WHEN $3 THEN coalesce(read_at, now()) ELSE NULL END
        WHERE id = $1 AND user_id = $2 RETURNING ${SELECT}`,
      [id, userId, read],
    );
    return rows[0] ?? null;
  }
}
