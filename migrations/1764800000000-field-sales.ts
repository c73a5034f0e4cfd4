import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Field sales (R-SP4, R-SP5): weekly work plans, their entries (visits and the other kinds of day), and
 * the reminders sent about missing plans. Geometry through contrib's `earthdistance` (over `cube`), not
 * PostGIS: the embedded mode's PostgreSQL ships contrib only (README, "Field sales").
 */
export class FieldSales1764800000000 implements MigrationInterface {
  name = 'FieldSales1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS cube`);
    await db.query(`CREATE EXTENSION IF NOT EXISTS earthdistance`);
    // A GiST index over (day, point): btree_gist gives the date column a GiST operator class.
    await db.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await db.query(`
      CREATE TABLE work_plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL,
        week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'submitted', 'changes_requested', 'resubmitted', 'approved')),
        review_comment text,
        submitted_at timestamptz,
        reviewed_at timestamptz,
        reviewed_by uuid,
        version integer NOT NULL DEFAULT 1,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (owner_id, week_start)
      )`);
    await db.query(`CREATE INDEX work_plans_week_idx ON work_plans (week_start, status)`);
    await db.query(`CREATE INDEX work_plans_list_idx ON work_plans (created_at DESC, id DESC)`);
    // A visit is an entry of kind 'visit'; an unplanned visit (checked in without a plan) has no plan.
    await db.query(`
      CREATE TABLE work_plan_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        work_plan_id uuid REFERENCES work_plans (id) ON DELETE CASCADE,
        owner_id uuid NOT NULL,
        day date NOT NULL,
        position integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('visit', 'office', 'order_follow_up', 'training', 'other')),
        planned boolean NOT NULL DEFAULT true,
        starts_at time,
        ends_at time,
        customer_id uuid,
        place_address text,
        lat double precision CHECK (lat BETWEEN -90 AND 90),
        lng double precision CHECK (lng BETWEEN -180 AND 180),
        purpose text,
        related_type text CHECK (related_type IN ('opportunity', 'service_request', 'complaint')),
        related_id uuid,
        status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'checked_in', 'done', 'skipped')),
        checked_in_at timestamptz,
        check_in_lat double precision CHECK (check_in_lat BETWEEN -90 AND 90),
        check_in_lng double precision CHECK (check_in_lng BETWEEN -180 AND 180),
        checked_out_at timestamptz,
        check_out_lat double precision,
        check_out_lng double precision,
        outcome jsonb,
        skip_reason text,
        dispatched_by uuid,
        dispatch_info jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind <> 'visit' OR (customer_id IS NOT NULL AND lat IS NOT NULL AND lng IS NOT NULL)),
        CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at),
        CHECK (planned OR work_plan_id IS NULL)
      )`);
    await db.query(`CREATE INDEX work_plan_entries_plan_idx ON work_plan_entries (work_plan_id, day, position)`);
    await db.query(`CREATE INDEX work_plan_entries_owner_day_idx ON work_plan_entries (owner_id, day)`);
    await db.query(
      `CREATE INDEX work_plan_entries_customer_idx ON work_plan_entries (customer_id, day DESC) WHERE kind = 'visit'`,
    );
    // "Who is near here on this day?": one GiST walk over the day's points inside the radius's bounding
    // cube (earth_box), planned places and check-ins each with their own partial index.
    await db.query(
      `CREATE INDEX work_plan_entries_place_gist ON work_plan_entries USING gist (day, ll_to_earth(lat, lng)) WHERE kind = 'visit'`,
    );
    await db.query(
      `CREATE INDEX work_plan_entries_check_in_gist ON work_plan_entries
         USING gist (day, ll_to_earth(check_in_lat, check_in_lng)) WHERE checked_in_at IS NOT NULL`,
    );
    // One row per reminder sent (the key makes the Friday reminder and the Monday escalation once per owner and week).
    await db.query(`
      CREATE TABLE work_plan_reminders (
        owner_id uuid NOT NULL,
        week_start date NOT NULL,
        kind text NOT NULL CHECK (kind IN ('reminder', 'escalation')),
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner_id, week_start, kind)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE work_plan_reminders`);
    await db.query(`DROP TABLE work_plan_entries`);
    await db.query(`DROP TABLE work_plans`);
  }
}
