import type { MigrationInterface, QueryRunner } from 'typeorm';

const SEVERITIES = ['critical', 'high', 'normal', 'low'];

/** First-response and resolution targets in minutes per tier, by severity (critical, high, normal, low). */
const DEFAULT_TARGETS: [string | null, [number, number][]][] = [
  [
    'VIP',
    [
      [60, 480],
      [120, 960],
      [240, 1_440],
      [480, 2_880],
    ],
  ],
  [
    '高',
    [
      [120, 960],
      [240, 1_440],
      [480, 2_880],
      [960, 4_320],
    ],
  ],
  [
    '中',
    [
      [240, 1_440],
      [480, 2_880],
      [960, 4_320],
      [1_440, 5_760],
    ],
  ],
  [
    '低',
    [
      [480, 2_880],
      [960, 4_320],
      [1_440, 5_760],
      [2_880, 10_080],
    ],
  ],
  // Customers without a tier yet, or in a tier added later without its own policies.
  [
    null,
    [
      [480, 2_880],
      [960, 4_320],
      [1_440, 5_760],
      [2_880, 10_080],
    ],
  ],
];

/** Service requests with their SLA clocks, SLA policies, staff tasks and the open customer timeline. */
export class ServiceRequests1764080000000 implements MigrationInterface {
  name = 'ServiceRequests1764080000000';

  async up(db: QueryRunner): Promise<void> {
    // A timestamp as the API writes it (2026-11-24T08:00:00.000Z), for JSON built inside a statement.
    await db.query(`
      CREATE FUNCTION api_timestamp(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
    await db.query(`
      CREATE TABLE sla_policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tier text,
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'normal', 'low')),
        first_response_minutes integer NOT NULL CHECK (first_response_minutes > 0),
        resolution_minutes integer NOT NULL CHECK (resolution_minutes >= first_response_minutes),
        warning_percent integer NOT NULL DEFAULT 80 CHECK (warning_percent BETWEEN 1 AND 99),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX sla_policies_tier_severity_key ON sla_policies (coalesce(tier, ''), severity)`);
    const values = DEFAULT_TARGETS.flatMap(([tier, targets]) =>
      targets.map(([respond, resolve], index) => [tier, SEVERITIES[index], respond, resolve]),
    );
    await db.query(
      `INSERT INTO sla_policies (tier, severity, first_response_minutes, resolution_minutes) VALUES
       ${values.map((_, index) => `($${index * 4 + 1}, $${index * 4 + 2}, $${index * 4 + 3}, $${index * 4 + 4})`).join(', ')}`,
      values.flat(),
    );

    await db.query(`CREATE SEQUENCE service_request_number_seq`);
    await db.query(`
      CREATE TABLE service_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL UNIQUE DEFAULT 'SR-' || lpad(nextval('service_request_number_seq')::text, 7, '0'),
        customer_id uuid NOT NULL REFERENCES customers(id),
        purchase_id uuid REFERENCES purchases(id),
        channel text NOT NULL,
        type text NOT NULL CHECK (type IN ('repair', 'maintenance', 'installation', 'inquiry')),
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'normal', 'low')),
        subject text NOT NULL,
        description text,
        required_skill text,
        region text,
        address text,
        status text NOT NULL CHECK (status IN ('new', 'queued', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')),
        tier text,
        received_at timestamptz NOT NULL,
        sla_started_at timestamptz NOT NULL,
        respond_by timestamptz NOT NULL,
        resolve_by timestamptz NOT NULL,
        escalation_level integer NOT NULL DEFAULT 0,
        assigned_to uuid REFERENCES users(id),
        assigned_at timestamptz,
        first_response_at timestamptz,
        first_response_due timestamptz,
        paused_at timestamptz,
        paused_minutes double precision NOT NULL DEFAULT 0,
        resolved_at timestamptz,
        resolution text,
        closed_at timestamptz,
        reopened_count integer NOT NULL DEFAULT 0,
        response_warned_at timestamptz,
        response_breached_at timestamptz,
        resolution_warned_at timestamptz,
        resolution_breached_at timestamptz,
        satisfaction_score integer CHECK (satisfaction_score BETWEEN 1 AND 5),
        satisfaction_comment text,
        created_by_type text NOT NULL,
        created_by_id text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The queue in serving order; `next` walks it from the front, skipping rows other agents hold.
    await db.query(
      `CREATE INDEX service_requests_queue_idx ON service_requests (escalation_level DESC, respond_by, received_at, id) WHERE status = 'queued'`,
    );
    // A queue table: rows leave the queued state all day, so vacuum and statistics must keep up.
    await db.query(
      `ALTER TABLE service_requests SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)`,
    );
    // Assigns the most urgent queued request a person is qualified for to them and returns it (no
    // row when there is none). Rows other transactions are taking are skipped, and each call is a
    // command of its own, so several calls in one statement (a batch of callers) never take the same
    // row. Sorting is switched off inside the function so the plan always walks the queue index from
    // the front: with statistics that lag a fast-growing queue, the planner would otherwise sort every
    // queued row on each call (800 ms at 100,000 instead of 0.1 ms).
    await db.query(`
      CREATE FUNCTION assign_next_service_request(person_id uuid) RETURNS SETOF service_requests
      LANGUAGE plpgsql VOLATILE SET enable_sort = off AS $$
      BEGIN
        RETURN QUERY
        UPDATE service_requests
           SET status = 'assigned', assigned_to = person_id, assigned_at = now(), version = version + 1, updated_at = now()
         WHERE id = (
           SELECT request.id
             FROM service_requests request, users person
            WHERE person.id = person_id
              AND request.status = 'queued'
              AND (request.required_skill IS NULL OR request.required_skill = ANY (person.skills))
              AND (person.region IS NULL OR request.region IS NULL OR request.region = person.region)
            ORDER BY request.escalation_level DESC, request.respond_by, request.received_at, request.id
            LIMIT 1
            FOR UPDATE OF request SKIP LOCKED)
        RETURNING *;
      END $$`);
    await db.query(
      `CREATE INDEX service_requests_assignee_idx ON service_requests (assigned_to, status) WHERE assigned_to IS NOT NULL`,
    );
    await db.query(`CREATE INDEX service_requests_customer_idx ON service_requests (customer_id, created_at DESC)`);
    await db.query(`CREATE INDEX service_requests_created_idx ON service_requests (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX service_requests_received_idx ON service_requests (received_at)`);

    // Work items for staff: SLA escalations now, care calls and follow-ups later. A task for a role's
    // pool (assignee_id NULL) is visible to everyone holding that role.
    await db.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        title text NOT NULL,
        detail text,
        assignee_id uuid REFERENCES users(id),
        assignee_role text,
        customer_id uuid REFERENCES customers(id),
        subject_type text,
        subject_id text,
        due_at timestamptz,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        completed_at timestamptz,
        completed_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (assignee_id IS NOT NULL OR assignee_role IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX tasks_assignee_idx ON tasks (assignee_id, status, created_at DESC)`);
    await db.query(
      `CREATE INDEX tasks_role_idx ON tasks (assignee_role, status, created_at DESC) WHERE assignee_id IS NULL`,
    );
    await db.query(`CREATE INDEX tasks_subject_idx ON tasks (subject_type, subject_id) WHERE subject_id IS NOT NULL`);

    // Entries other modules add to a customer's timeline (service requests now; complaints, outreach later).
    await db.query(`
      CREATE TABLE customer_timeline_entries (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id),
        kind text NOT NULL,
        summary text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX customer_timeline_entries_customer_idx ON customer_timeline_entries (customer_id, occurred_at DESC, id DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION IF EXISTS assign_next_service_request(uuid)`);
    for (const table of ['customer_timeline_entries', 'tasks', 'service_requests', 'sla_policies'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP SEQUENCE IF EXISTS service_request_number_seq`);
    await db.query(`DROP FUNCTION IF EXISTS api_timestamp(timestamptz)`);
  }
}
