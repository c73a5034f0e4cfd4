import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../../common/pagination/cursor.js';
import type { Tx } from '../../../infrastructure/database/transaction-runner.js';
import type { OwnerScope } from '../sales-access.js';
import { ownerScopeSql } from '../sales.sql.js';
import type { WorkPlanStatus } from './work-plan-lifecycle.js';

export interface WorkPlanRow {
  id: string;
  ownerId: string;
  weekStart: string;
  status: WorkPlanStatus;
  reviewComment: string | null;
  submittedAt: string | null;
  reviewedAt: string | null;
  reviewedBy: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  cursorAt: string;
}

/** An entry (a visit or another kind of day) as ENTRY_SELECT reads it: days and times in the API's form. */
export interface EntryRow {
  id: string;
  workPlanId: string | null;
  ownerId: string;
  day: string;
  position: number;
  kind: string;
  planned: boolean;
  startsAt: string | null;
  endsAt: string | null;
  customerId: string | null;
  placeAddress: string | null;
  lat: number | null;
  lng: number | null;
  purpose: string | null;
  relatedType: string | null;
  relatedId: string | null;
  status: 'planned' | 'checked_in' | 'done' | 'skipped';
  checkedInAt: string | null;
  checkInLat: number | null;
  checkInLng: number | null;
  checkedOutAt: string | null;
  checkOutLat: number | null;
  checkOutLng: number | null;
  outcome: Record<string, unknown> | null;
  skipReason: string | null;
  dispatchedBy: string | null;
  dispatchInfo: Record<string, unknown> | null;
}

/** What an entry is, as a plan's request gives it (the id of an existing entry, or none for a new one). */
export interface EntryValues {
  id?: string;
  day: string;
  position: number;
  kind: string;
  startsAt: string | null;
  endsAt: string | null;
  customerId: string | null;
  placeAddress: string | null;
  lat: number | null;
  lng: number | null;
  purpose: string | null;
  relatedType: string | null;
  relatedId: string | null;
}

export const PLAN_SELECT = `id, owner_id AS "ownerId", to_char(week_start, 'YYYY-MM-DD') AS "weekStart", status,
  review_comment AS "reviewComment", api_timestamp(submitted_at) AS "submittedAt", api_timestamp(reviewed_at) AS "reviewedAt",
  reviewed_by AS "reviewedBy", version, api_timestamp(created_at) AS "createdAt", api_timestamp(updated_at) AS "updatedAt",
  created_at::text AS "cursorAt"`;

/** Column names only (no table alias), so it reads the table and a data-modifying CTE over it alike. */
export const ENTRY_SELECT = `id, work_plan_id AS "workPlanId", owner_id AS "ownerId", to_char(day, 'YYYY-MM-DD') AS day, position,
  kind, planned, to_char(starts_at, 'HH24:MI') AS "startsAt", to_char(ends_at, 'HH24:MI') AS "endsAt", customer_id AS "customerId",
  place_address AS "placeAddress", lat, lng, purpose, related_type AS "relatedType", related_id AS "relatedId", status,
  api_timestamp(checked_in_at) AS "checkedInAt", check_in_lat AS "checkInLat", check_in_lng AS "checkInLng",
  api_timestamp(checked_out_at) AS "checkedOutAt", check_out_lat AS "checkOutLat", check_out_lng AS "checkOutLng", outcome,
  skip_reason AS "skipReason", dispatched_by AS "dispatchedBy", dispatch_info AS "dispatchInfo"`;

@Injectable()
export class WorkPlansRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The new plan, or null when the owner already has one for the week (one plan per salesperson and week). */
  async insert(
    tx: Tx,
    plan: { ownerId: string; weekStart: string; status: WorkPlanStatus; createdBy: string },
  ): Promise<WorkPlanRow | null> {
    const [row] = await tx.query(
      `INSERT INTO work_plans (owner_id, week_start, status, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner_id, week_start) DO NOTHING RETURNING ${PLAN_SELECT}`,
      [plan.ownerId, plan.weekStart, plan.status, plan.createdBy],
    );
    return row ?? null;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<WorkPlanRow | null> {
    const [row] = await tx.query(`SELECT ${PLAN_SELECT} FROM work_plans WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<WorkPlanRow | null> {
    const [row] = await tx.query(`SELECT ${PLAN_SELECT} FROM work_plans WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  async lockOfWeek(tx: Tx, ownerId: string, weekStart: string): Promise<WorkPlanRow | null> {
    const [row] = await tx.query(
      `SELECT ${PLAN_SELECT} FROM work_plans WHERE owner_id = $1 AND week_start = $2 FOR UPDATE`,
      [ownerId, weekStart],
    );
    return row ?? null;
  }

  /** Applies the columns and bumps the version: every change of the plan or its entries goes through here. */
  async update(tx: Tx, id: string, columns: Record<string, unknown> = {}): Promise<WorkPlanRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    const [rows] = await tx.query(`UPDATE work_plans SET ${sets.join(', ')} WHERE id = $1 RETURNING ${PLAN_SELECT}`, [
      id,
      ...names.map((name) => columns[name]),
    ]);
    return rows[0];
  }

  entries(planId: string, tx: Tx = this.dataSource.manager): Promise<EntryRow[]> {
    return tx.query(
      `SELECT ${ENTRY_SELECT} FROM work_plan_entries WHERE work_plan_id = $1 ORDER BY day, position, id`,
      [planId],
    );
  }

  /**
   * Makes the plan's entries exactly `entries` in one statement each way: the missing ones deleted, the
   * others upserted by id (a new entry gets a fresh id). The caller has checked that every given id is
   * one of this plan's.
   */
  async replaceEntries(tx: Tx, plan: { id: string; ownerId: string }, entries: EntryValues[]): Promise<void> {
    await tx.query(`DELETE FROM work_plan_entries WHERE work_plan_id = $1 AND NOT (id = ANY($2::uuid[]))`, [
      plan.id,
      entries.flatMap((entry) => (entry.id ? [entry.id] : [])),
    ]);
    if (!entries.length) return;
    await tx.query(
      `INSERT INTO work_plan_entries (id, work_plan_id, owner_id, day, position, kind, starts_at, ends_at, customer_id,
                                      place_address, lat, lng, purpose, related_type, related_id)
       SELECT coalesce(e.id, gen_random_uuid()), $1, $2, e.day, e.position, e.kind, e."startsAt", e."endsAt", e."customerId",
              e."placeAddress", e.lat, e.lng, e.purpose, e."relatedType", e."relatedId"
         FROM jsonb_to_recordset($3::jsonb) AS e(id uuid, day date, position int, kind text, "startsAt" time, "endsAt" time,
              "customerId" uuid, "placeAddress" text, lat float8, lng float8, purpose text, "relatedType" text, "relatedId" uuid)
       ON CONFLICT (id) DO UPDATE SET day = EXCLUDED.day, position = EXCLUDED.position, kind = EXCLUDED.kind,
              starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, customer_id = EXCLUDED.customer_id,
              place_address = EXCLUDED.place_address, lat = EXCLUDED.lat, lng = EXCLUDED.lng, purpose = EXCLUDED.purpose,
              related_type = EXCLUDED.related_type, related_id = EXCLUDED.related_id`,
      [plan.id, plan.ownerId, JSON.stringify(entries)],
    );
  }

  /**
   * Inserts one entry at `position` in its day's order (null: last), moving the later ones down; the
   * dispatched visit's details go with it.
   */
  async insertEntryAt(
    tx: Tx,
    plan: { id: string; ownerId: string },
    entry: Omit<EntryValues, 'position' | 'id'>,
    position: number | null,
    dispatch: { by: string; info: Record<string, unknown> } | null = null,
  ): Promise<EntryRow> {
    const [{ at }] = await tx.query(
      `SELECT least(coalesce($3::int, count(*)::int), count(*)::int) AS at FROM work_plan_entries WHERE work_plan_id = $1 AND day = $2`,
      [plan.id, entry.day, position],
    );
    // Positions are re-numbered densely from 0 (an earlier edit may have left gaps).
    await tx.query(
      `UPDATE work_plan_entries e SET position = r.rank + (r.rank >= $3)::int
         FROM (SELECT id, (row_number() OVER (ORDER BY position, id) - 1)::int AS rank
                 FROM work_plan_entries WHERE work_plan_id = $1 AND day = $2) r
        WHERE e.id = r.id`,
      [plan.id, entry.day, at],
    );
    const [row] = await tx.query(
      `INSERT INTO work_plan_entries (work_plan_id, owner_id, day, position, kind, starts_at, ends_at, customer_id, place_address,
                                      lat, lng, purpose, related_type, related_id, dispatched_by, dispatch_info)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ${ENTRY_SELECT}`,
      [
        plan.id,
        plan.ownerId,
        entry.day,
        at,
        entry.kind,
        entry.startsAt,
        entry.endsAt,
        entry.customerId,
        entry.placeAddress,
        entry.lat,
        entry.lng,
        entry.purpose,
        entry.relatedType,
        entry.relatedId,
        dispatch?.by ?? null,
        dispatch ? JSON.stringify(dispatch.info) : null,
      ],
    );
    return row;
  }

  list(
    filters: { ownerId?: string; weekStart?: string; status?: string },
    scope: OwnerScope,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<WorkPlanRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = [ownerScopeSql(scope, 'owner_id', param)];
    if (filters.ownerId) where.push(`owner_id = ${param(filters.ownerId)}`);
    if (filters.weekStart) where.push(`week_start = ${param(filters.weekStart)}`);
    if (filters.status) where.push(`status = ${param(filters.status)}`);
    if (after) where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${PLAN_SELECT} FROM work_plans WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  entriesOfPlans(planIds: string[]): Promise<EntryRow[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_SELECT} FROM work_plan_entries WHERE work_plan_id = ANY($1::uuid[]) ORDER BY day, position, id`,
      [planIds],
    );
  }

  /** Of the owners, those with a plan for the week that has been submitted at least once (not a draft). */
  async ownersWithSubmittedPlan(ownerIds: string[], weekStart: string): Promise<Set<string>> {
    const rows: { ownerId: string }[] = await this.dataSource.query(
      `SELECT owner_id AS "ownerId" FROM work_plans WHERE week_start = $1 AND owner_id = ANY($2::uuid[]) AND status <> 'draft'`,
      [weekStart, ownerIds],
    );
    return new Set(rows.map((row) => row.ownerId));
  }

  /** Records the reminders about to be sent; returns the owners not reminded of this (week, kind) before. */
  async claimReminders(
    tx: Tx,
    ownerIds: string[],
    weekStart: string,
    kind: 'reminder' | 'escalation',
  ): Promise<string[]> {
    const rows: { ownerId: string }[] = await tx.query(
      `INSERT INTO work_plan_reminders (owner_id, week_start, kind) SELECT unnest($1::uuid[]), $2, $3
       ON CONFLICT DO NOTHING RETURNING owner_id AS "ownerId"`,
      [ownerIds, weekStart, kind],
    );
    return rows.map((row) => row.ownerId);
  }
}
