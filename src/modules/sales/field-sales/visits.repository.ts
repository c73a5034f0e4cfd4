import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryPrepared } from '../../../infrastructure/database/prepared-statement.js';
import type { Tx } from '../../../infrastructure/database/transaction-runner.js';
import { timelineEntriesInsertSql } from '../../customers/customers.sql.js';
import type { OwnerScope } from '../sales-access.js';
import { ownerScopeSql } from '../sales.sql.js';
import { ENTRY_SELECT, type EntryRow } from './work-plans.repository.js';

/** The stop of a salesperson's day nearest to the place asked about (`GET /sales/nearby`). */
export interface NearbyRow {
  salespersonId: string;
  distanceMeters: number;
  source: 'planned_visit' | 'check_in';
  entryId: string;
  customerId: string | null;
  placeAddress: string | null;
  lat: number;
  lng: number;
  startsAt: string | null;
  endsAt: string | null;
  at: string | null;
  /** The day's timed entries of their approved plan. */
  busy: { startsAt: string; endsAt: string }[];
}

/** A visit's facts for plan versus actual, check-in day and time read in the sales time zone. */
export interface VisitFactsRow {
  ownerId: string;
  weekStart: string;
  day: string;
  planned: boolean;
  status: 'planned' | 'checked_in' | 'done' | 'skipped';
  checkedInDay: string | null;
  checkedInTime: string | null;
  endsAt: string | null;
}

@Injectable()
export class VisitsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(id: string): Promise<EntryRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${ENTRY_SELECT} FROM work_plan_entries WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<EntryRow | null> {
    const [row] = await tx.query(
      `SELECT ${ENTRY_SELECT} FROM work_plan_entries WHERE id = $1 AND kind = 'visit' FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  async checkIn(tx: Tx, id: string, at: { lat: number; lng: number }): Promise<EntryRow> {
    const [rows] = await tx.query(
      `UPDATE work_plan_entries SET status = 'checked_in', checked_in_at = now(), check_in_lat = $2, check_in_lng = $3
        WHERE id = $1 RETURNING ${ENTRY_SELECT}`,
      [id, at.lat, at.lng],
    );
    return rows[0];
  }

  /**
   * Checks the visit out with its outcome, and puts the outcome on the customer's timeline (kind `visit`)
   * in the same statement, through the customers module's fragment.
   */
  async checkOut(
    tx: Tx,
    id: string,
    at: { lat: number; lng: number },
    outcome: Record<string, unknown>,
  ): Promise<EntryRow> {
    const [row] = await tx.query(
      `WITH done AS (
         UPDATE work_plan_entries SET status = 'done', checked_out_at = now(), check_out_lat = $2, check_out_lng = $3,
                outcome = $4::jsonb
          WHERE id = $1 RETURNING *
       ),
       entry AS (${timelineEntriesInsertSql({
         from: 'done',
         kind: 'visit',
         customerId: 'customer_id',
         summary: `'拜访：' || coalesce(purpose, '') || ' — ' || (outcome ->> 'notes')`,
         details: `jsonb_build_object('visitId', id, 'ownerId', owner_id, 'planned', planned, 'purpose', purpose,
                     'checkedInAt', api_timestamp(checked_in_at), 'checkedOutAt', api_timestamp(checked_out_at), 'outcome', outcome)`,
       })})
       SELECT ${ENTRY_SELECT} FROM done`,
      [id, at.lat, at.lng, JSON.stringify(outcome)],
    );
    return row;
  }

  async skip(tx: Tx, id: string, reason: string): Promise<EntryRow> {
    const [rows] = await tx.query(
      `UPDATE work_plan_entries SET status = 'skipped', skip_reason = $2 WHERE id = $1 RETURNING ${ENTRY_SELECT}`,
      [id, reason],
    );
    return rows[0];
  }

  /** A visit nobody planned, checked in on the spot (no plan; it counts as unplanned in plan versus actual). */
  async insertUnplanned(
    tx: Tx,
    visit: {
      ownerId: string;
      day: string;
      customerId: string;
      lat: number;
      lng: number;
      placeAddress: string | null;
      purpose: string | null;
    },
  ): Promise<EntryRow> {
    const [row] = await tx.query(
      `INSERT INTO work_plan_entries (owner_id, day, position, kind, planned, customer_id, place_address, lat, lng, purpose,
                                      status, checked_in_at, check_in_lat, check_in_lng)
       VALUES ($1, $2, 0, 'visit', false, $3, $4, $5, $6, $7, 'checked_in', now(), $5, $6) RETURNING ${ENTRY_SELECT}`,
      [visit.ownerId, visit.day, visit.customerId, visit.placeAddress, visit.lat, visit.lng, visit.purpose],
    );
    return row;
  }

  /** Where the customer was last visited (or planned to be): the place a dispatch or a nearby search goes to. */
  async lastPlaceOf(customerId: string): Promise<{ lat: number; lng: number; placeAddress: string | null } | null> {
    const [row] = await this.dataSource.query(
      `SELECT lat, lng, place_address AS "placeAddress" FROM work_plan_entries
        WHERE customer_id = $1 AND kind = 'visit' ORDER BY day DESC, created_at DESC LIMIT 1`,
      [customerId],
    );
    return row ?? null;
  }

  /**
   * The salespeople whose day passes within `radiusMeters` of the point, nearest first, each with their
   * nearest stop: the visits of the day that are approved or dispatched, and the day's check-ins; only
   * `owners`' when given (a manager's team). Each half is one walk of
   * its GiST index over (day, ll_to_earth(…)) — `earth_box` is the radius's bounding cube, the index's
   * `@>` filter — and earth_distance then keeps the points truly within the radius (the box's corners
   * are not). Cost grows with the visits of that day inside the box, not with the table. Prepared: its
   * planning cost half its execution (the generic plan walks the same two GiST indexes).
   */
  nearby(
    point: { lat: number; lng: number },
    day: string,
    radiusMeters: number,
    limit: number,
    owners: string[] | null,
  ): Promise<NearbyRow[]> {
    return queryPrepared(this.dataSource, 'sales.nearby', NEARBY_SQL, [
      point.lat,
      point.lng,
      day,
      radiusMeters,
      limit,
      owners,
    ]);
  }

  /** The owners' entries of the day that are approved or dispatched, in order: for their free time windows and trips. */
  dayEntries(ownerIds: string[], day: string): Promise<EntryRow[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_SELECT} FROM work_plan_entries e
        WHERE owner_id = ANY($1::uuid[]) AND day = $2
          AND (work_plan_id IS NULL OR dispatched_by IS NOT NULL
               OR EXISTS (SELECT 1 FROM work_plans p WHERE p.id = e.work_plan_id AND p.status = 'approved'))
        ORDER BY owner_id, planned DESC, position, id`,
      [ownerIds, day],
    );
  }

  async latestCheckIn(ownerId: string, day: string): Promise<EntryRow | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${ENTRY_SELECT} FROM work_plan_entries WHERE owner_id = $1 AND day = $2 AND checked_in_at IS NOT NULL
        ORDER BY checked_in_at DESC LIMIT 1`,
      [ownerId, day],
    );
    return row ?? null;
  }

  /** Every visit of the days from..to (inclusive) in the caller's scope, with what plan versus actual needs. */
  visitFacts(
    from: string,
    to: string,
    scope: OwnerScope,
    ownerId: string | null,
    timeZone: string,
  ): Promise<VisitFactsRow[]> {
    const params: unknown[] = [from, to, timeZone];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = [`day BETWEEN $1 AND $2`, `kind = 'visit'`, ownerScopeSql(scope, 'owner_id', param)];
    if (ownerId) where.push(`owner_id = ${param(ownerId)}`);
    return this.dataSource.query(
      `SELECT owner_id AS "ownerId", to_char(date_trunc('week', day), 'YYYY-MM-DD') AS "weekStart", to_char(day, 'YYYY-MM-DD') AS day,
              planned, status, to_char(checked_in_at AT TIME ZONE $3, 'YYYY-MM-DD') AS "checkedInDay",
              to_char(checked_in_at AT TIME ZONE $3, 'HH24:MI') AS "checkedInTime", to_char(ends_at, 'HH24:MI') AS "endsAt"
         FROM work_plan_entries WHERE ${where.join(' AND ')}`,
      params,
    );
  }
}

/**
 * Also shown with EXPLAIN by the test that proves both GiST indexes are used. A visit dispatched into a plan
 * counts whatever the plan's review status: someone sent the salesperson there. $6: the owners to consider
 * (null: everyone's).
 */
export const NEARBY_SQL = `
  WITH stops AS (
    SELECT e.owner_id, e.id, e.customer_id, e.place_address, e.lat, e.lng, e.starts_at, e.ends_at, NULL::timestamptz AS at,
           'planned_visit' AS source, earth_distance(ll_to_earth($1::float8, $2::float8), ll_to_earth(e.lat, e.lng)) AS meters
      FROM work_plan_entries e JOIN work_plans p ON p.id = e.work_plan_id AND (p.status = 'approved' OR e.dispatched_by IS NOT NULL)
     WHERE e.kind = 'visit' AND e.day = $3::date AND earth_box(ll_to_earth($1::float8, $2::float8), $4::float8) @> ll_to_earth(e.lat, e.lng)
       AND ($6::uuid[] IS NULL OR e.owner_id = ANY($6::uuid[]))
    UNION ALL
    SELECT e.owner_id, e.id, e.customer_id, e.place_address, e.check_in_lat, e.check_in_lng, e.starts_at, e.ends_at,
           e.checked_in_at, 'check_in', earth_distance(ll_to_earth($1::float8, $2::float8), ll_to_earth(e.check_in_lat, e.check_in_lng))
      FROM work_plan_entries e
     WHERE e.checked_in_at IS NOT NULL AND e.day = $3::date AND earth_box(ll_to_earth($1::float8, $2::float8), $4::float8) @> ll_to_earth(e.check_in_lat, e.check_in_lng)
       AND ($6::uuid[] IS NULL OR e.owner_id = ANY($6::uuid[]))
  ),
  nearest AS (
    SELECT DISTINCT ON (owner_id) * FROM stops WHERE meters <= $4::float8 ORDER BY owner_id, meters, source DESC
  ),
  chosen AS (SELECT * FROM nearest ORDER BY meters, owner_id LIMIT $5)
  SELECT owner_id AS "salespersonId", round(meters::numeric, 1)::float8 AS "distanceMeters", source, id AS "entryId",
         customer_id AS "customerId", place_address AS "placeAddress", lat, lng, to_char(starts_at, 'HH24:MI') AS "startsAt",
         to_char(ends_at, 'HH24:MI') AS "endsAt", api_timestamp(at) AS at,
         -- the day's timed entries, approved or dispatched (work_plan_entries_owner_day_idx), for the free windows
         (SELECT coalesce(jsonb_agg(jsonb_build_object('startsAt', to_char(w.starts_at, 'HH24:MI'), 'endsAt', to_char(w.ends_at, 'HH24:MI'))
                                    ORDER BY w.starts_at), '[]'::jsonb)
            FROM work_plan_entries w JOIN work_plans wp ON wp.id = w.work_plan_id AND (wp.status = 'approved' OR w.dispatched_by IS NOT NULL)
           WHERE w.owner_id = chosen.owner_id AND w.day = $3::date AND w.starts_at IS NOT NULL AND w.ends_at IS NOT NULL) AS busy
    FROM chosen ORDER BY meters, owner_id`;
