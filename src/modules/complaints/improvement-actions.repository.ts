import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { timelineEntriesInsertSql } from '../customers/customers.sql.js';
import { OPEN_ACTION_STATUSES, type ActionStatus } from './improvement-action-lifecycle.js';
import { ImprovementActionEvents } from './improvement-actions.events.js';

export interface ImprovementActionRow {
  id: string;
  number: string;
  rootCause: string;
  title: string;
  description: string | null;
  ownerId: string;
  dueOn: string;
  status: ActionStatus;
  round: number;
  changeSummary: string | null;
  completedAt: string | null;
  verifiedAt: string | null;
  verdictNote: string | null;
  complaintIds: string[];
  version: number;
  createdAt: string;
  updatedAt: string;
  /** created_at as Postgres prints it, for the keyset cursor. */
  cursorAt: string;
}

export interface ReportBackRow {
  round: number;
  customerId: string;
  complaintIds: string[];
  reportedAt: string;
}

const ACTION_SELECT = `a.id, a.number, a.root_cause AS "rootCause", a.title, a.description, a.owner_id AS "ownerId",
  to_char(a.due_on, 'YYYY-MM-DD') AS "dueOn", a.status, a.round, a.change_summary AS "changeSummary",
  api_timestamp(a.completed_at) AS "completedAt", api_timestamp(a.verified_at) AS "verifiedAt", a.verdict_note AS "verdictNote",
  ARRAY(SELECT l.complaint_id::text FROM improvement_action_complaints l WHERE l.action_id = a.id ORDER BY l.linked_at, l.complaint_id) AS "complaintIds",
  a.version, api_timestamp(a.created_at) AS "createdAt", api_timestamp(a.updated_at) AS "updatedAt", a.created_at::text AS "cursorAt"`;

const OPEN = `ARRAY[${OPEN_ACTION_STATUSES.map((status) => `'${status}'`).join(', ')}]::text[]`;

export interface NewImprovementAction {
  rootCause: string;
  title: string;
  description: string | null;
  ownerId: string;
  dueOn: string;
  createdByType: string;
  createdById: string | null;
}

/** Improvement actions (R-P4), the complaints linked to them and the report-backs to their customers. */
@Injectable()
export class ImprovementActionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, action: NewImprovementAction): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO improvement_actions (root_cause, title, description, owner_id, due_on, created_by_type, created_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        action.rootCause,
        action.title,
        action.description,
        action.ownerId,
        action.dueOn,
        action.createdByType,
        action.createdById,
      ],
    );
    return id;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ImprovementActionRow | null> {
    const [row] = await tx.query(`SELECT ${ACTION_SELECT} FROM improvement_actions a WHERE a.id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<ImprovementActionRow | null> {
    const [row] = await tx.query(`SELECT ${ACTION_SELECT} FROM improvement_actions a WHERE a.id = $1 FOR UPDATE OF a`, [
      id,
    ]);
    return row ?? null;
  }

  /** Sets the columns (none: only a new version, e.g. after linking complaints). */
  async update(tx: Tx, id: string, changes: Record<string, unknown>): Promise<void> {
    const columns = Object.keys(changes);
    await tx.query(
      `UPDATE improvement_actions SET ${[...columns.map((column, index) => `${column} = $${index + 2}`), 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1`,
      [id, ...columns.map((column) => changes[column])],
    );
  }

  /** Links the complaints (those that exist); returns the ids newly linked. */
  async link(tx: Tx, actionId: string, complaintIds: string[], linkedBy: 'hand' | 'root_cause'): Promise<string[]> {
    const rows: { complaintId: string }[] = await tx.query(
      `INSERT INTO improvement_action_complaints (action_id, complaint_id, linked_by)
       SELECT $1, c.id, $3 FROM complaints c WHERE c.id = ANY($2::uuid[])
       ON CONFLICT DO NOTHING RETURNING complaint_id AS "complaintId"`,
      [actionId, complaintIds, linkedBy],
    );
    return rows.map((row) => row.complaintId);
  }

  /** Which of these ids are complaints. */
  async existingComplaints(ids: string[], tx: Tx = this.dataSource.manager): Promise<Set<string>> {
    const rows: { id: string }[] = await tx.query(`SELECT id FROM complaints WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Links a complaint just resolved with `rootCause` to every open action of that root cause (open, in
   * progress, or found ineffective): the later complaints an action must answer too. Returns the actions.
   */
  async linkToOpenActions(tx: Tx, complaintId: string, rootCause: string): Promise<string[]> {
    const rows: { actionId: string }[] = await tx.query(
      `INSERT INTO improvement_action_complaints (action_id, complaint_id, linked_by)
       SELECT id, $1, 'root_cause' FROM improvement_actions WHERE root_cause = $2 AND status = ANY(${OPEN})
       ON CONFLICT DO NOTHING RETURNING action_id AS "actionId"`,
      [complaintId, rootCause],
    );
    return rows.map((row) => row.actionId);
  }

  /**
   * The report-back of a completion, set-based in one statement: one row per customer of the linked
   * complaints (however many they filed) not yet told in this round, each with its
   * `improvement_action.reported_back` event and an entry on the customer's timeline. The primary key
   * (action, round, customer) makes it once per customer even if the completion were repeated.
   */
  async reportBack(
    tx: Tx,
    action: { id: string; round: number; summary: string; title: string; rootCause: string },
  ): Promise<{ customerId: string; complaintIds: string[] }[]> {
    return tx.query(
      `WITH linked AS (
         SELECT c.customer_id, array_agg(c.id ORDER BY c.received_at, c.id) AS complaint_ids
           FROM improvement_action_complaints l JOIN complaints c ON c.id = l.complaint_id
          WHERE l.action_id = $1
          GROUP BY c.customer_id
       ),
       reported AS (
         INSERT INTO improvement_action_report_backs (action_id, round, customer_id, complaint_ids)
         SELECT $1, $2, customer_id, complaint_ids FROM linked
         ON CONFLICT DO NOTHING
         RETURNING customer_id, complaint_ids
       ),
       event AS (${outboxInsertSql(ImprovementActionEvents.reportedBack, {
         from: 'reported',
         aggregateId: '$1::uuid',
         payload: {
           actionId: '$1::uuid',
           customerId: 'customer_id',
           complaintIds: 'to_jsonb(complaint_ids)',
           summary: '$3::text',
           title: '$4::text',
           rootCause: '$5::text',
           round: '$2::int',
         },
       })}),
       entry AS (${timelineEntriesInsertSql({
         from: 'reported',
         kind: 'improvement_action',
         customerId: 'customer_id',
         summary: `'已改进：' || $4::text`,
         details: `jsonb_build_object('actionId', $1::uuid, 'change', 'reported_back', 'round', $2::int, 'complaintIds', to_jsonb(complaint_ids), 'summary', $3::text)`,
       })})
       SELECT customer_id AS "customerId", complaint_ids::text[] AS "complaintIds" FROM reported ORDER BY customer_id`,
      [action.id, action.round, action.summary, action.title, action.rootCause],
    );
  }

  reportBacks(actionId: string): Promise<ReportBackRow[]> {
    return this.dataSource.query(
      `SELECT round, customer_id AS "customerId", complaint_ids::text[] AS "complaintIds", api_timestamp(reported_at) AS "reportedAt"
         FROM improvement_action_report_backs WHERE action_id = $1 ORDER BY round, customer_id`,
      [actionId],
    );
  }

  /** Complaints of the root cause received in the `weeks` weeks before `at` and in those after it (R-P4 verification). */
  async recurrence(rootCause: string, at: string, weeks: number): Promise<{ before: number; after: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE received_at < $2::timestamptz)::int AS before,
              count(*) FILTER (WHERE received_at >= $2::timestamptz)::int AS after
         FROM complaints
        WHERE root_cause = $1 AND received_at >= $2::timestamptz - make_interval(weeks => $3)
          AND received_at < $2::timestamptz + make_interval(weeks => $3)`,
      [rootCause, at, weeks],
    );
    return row;
  }

  list(
    filter: { status?: string; rootCause?: string; ownerId?: string },
    after: KeysetPosition | null,
    limit: number,
  ): Promise<ImprovementActionRow[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.status) where.push(`a.status = $${params.push(filter.status)}`);
    if (filter.rootCause) where.push(`a.root_cause = $${params.push(filter.rootCause)}`);
    if (filter.ownerId) where.push(`a.owner_id = $${params.push(filter.ownerId)}`);
    if (after)
      where.push(`(a.created_at, a.id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${ACTION_SELECT} FROM improvement_actions a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY a.created_at DESC, a.id DESC LIMIT $1`,
      params,
    );
  }
}
