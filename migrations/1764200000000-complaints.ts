import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The category taxonomy complaints start with (R-P1); administrators add, rename and retire categories. */
const CATEGORIES: [code: string, label: string][] = [
  ['product_quality', '产品质量'],
  ['delivery', '物流配送'],
  ['installation', '安装调试'],
  ['staff_attitude', '服务态度'],
  ['billing', '账单收费'],
  ['after_sales', '售后维修'],
  ['other', '其他'],
];

/** Two levels (R-P3): a group and its causes, e.g. 产品设计 / 散热不足. */
const ROOT_CAUSES: [code: string, label: string, parent: string | null][] = [
  ['product_design', '产品设计', null],
  ['product_design.heat_dissipation', '散热不足', 'product_design'],
  ['product_design.fragile_parts', '零件易损', 'product_design'],
  ['manufacturing', '生产制造', null],
  ['manufacturing.assembly_defect', '装配缺陷', 'manufacturing'],
  ['logistics', '物流', null],
  ['logistics.late_delivery', '配送延误', 'logistics'],
  ['logistics.damaged_in_transit', '运输损坏', 'logistics'],
  ['service', '服务', null],
  ['service.untrained_staff', '人员培训不足', 'service'],
  ['service.unclear_policy', '政策说明不清', 'service'],
  ['billing', '计费', null],
  ['billing.wrong_invoice', '发票错误', 'billing'],
];

const SEVERITIES = ['critical', 'high', 'normal', 'low'];

/**
 * Complaints (R-P1…P3, R-P5): the taxonomies, the targets per severity and tier, the settings of the
 * escalation chain, the complaints with their clocks, and the customers' open problems read model.
 */
export class Complaints1764200000000 implements MigrationInterface {
  name = 'Complaints1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE complaint_categories (
        code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
        label text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`INSERT INTO complaint_categories (code, label) SELECT * FROM unnest($1::text[], $2::text[])`, [
      CATEGORIES.map(([code]) => code),
      CATEGORIES.map(([, label]) => label),
    ]);
    await db.query(`
      CREATE TABLE complaint_root_causes (
        code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_.]*$'),
        parent_code text REFERENCES complaint_root_causes(code),
        label text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `INSERT INTO complaint_root_causes (code, label, parent_code) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      [ROOT_CAUSES.map(([code]) => code), ROOT_CAUSES.map(([, label]) => label), ROOT_CAUSES.map(([, , p]) => p)],
    );

    // Targets in business minutes per tier (null: any other tier) and severity; the seeds' IBM rule by default.
    await db.query(`
      CREATE TABLE complaint_targets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tier text,
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'normal', 'low')),
        acknowledge_minutes integer NOT NULL CHECK (acknowledge_minutes > 0),
        resolve_minutes integer NOT NULL CHECK (resolve_minutes >= acknowledge_minutes),
        version integer NOT NULL DEFAULT 1
      )`);
    await db.query(
      `CREATE UNIQUE INDEX complaint_targets_tier_severity_key ON complaint_targets (coalesce(tier, ''), severity)`,
    );
    await db.query(
      `INSERT INTO complaint_targets (tier, severity, acknowledge_minutes, resolve_minutes) SELECT NULL, s, 120, 1440 FROM unnest($1::text[]) s`,
      [SEVERITIES],
    );
    // One row: the warning share and the top of the escalation chain (assignee → their manager → director).
    await db.query(`
      CREATE TABLE complaint_settings (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        warning_percent integer NOT NULL DEFAULT 80 CHECK (warning_percent BETWEEN 1 AND 99),
        director_id uuid REFERENCES users(id),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`INSERT INTO complaint_settings DEFAULT VALUES`);

    await db.query(`CREATE SEQUENCE complaint_number_seq`);
    await db.query(`
      CREATE TABLE complaints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL UNIQUE DEFAULT 'CP-' || lpad(nextval('complaint_number_seq')::text, 7, '0'),
        customer_id uuid NOT NULL REFERENCES customers(id),
        channel text NOT NULL CHECK (channel IN ('hotline', 'feedback_platform', 'email', 'social_media', 'in_person', 'web', 'api')),
        category text NOT NULL REFERENCES complaint_categories(code),
        severity text NOT NULL CHECK (severity IN ('critical', 'high', 'normal', 'low')),
        subject text NOT NULL,
        description text,
        purchase_id uuid REFERENCES purchases(id),
        service_request_id uuid REFERENCES service_requests(id),
        product text,
        region text,
        tier text,
        status text NOT NULL CHECK (status IN ('received', 'acknowledged', 'investigating', 'waiting_on_customer', 'resolved', 'closed')),
        received_at timestamptz NOT NULL,
        sla_started_at timestamptz NOT NULL,
        acknowledge_by timestamptz NOT NULL,
        resolve_by timestamptz NOT NULL,
        acknowledged_at timestamptz,
        acknowledge_due timestamptz,
        acknowledge_minutes double precision,
        assigned_to uuid REFERENCES users(id),
        escalation_level integer NOT NULL DEFAULT 0,
        escalated_to uuid REFERENCES users(id),
        paused_at timestamptz,
        paused_minutes double precision NOT NULL DEFAULT 0,
        root_cause text REFERENCES complaint_root_causes(code),
        five_whys text[] NOT NULL DEFAULT '{}',
        resolution text,
        resolved_at timestamptz,
        resolution_minutes double precision,
        closed_at timestamptz,
        reopened_count integer NOT NULL DEFAULT 0,
        acknowledge_warned_at timestamptz,
        acknowledge_breached_at timestamptz,
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
    await db.query(`CREATE INDEX complaints_created_idx ON complaints (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX complaints_customer_idx ON complaints (customer_id, created_at DESC)`);
    await db.query(`CREATE INDEX complaints_received_idx ON complaints (received_at)`);
    await db.query(
      `CREATE INDEX complaints_assignee_idx ON complaints (assigned_to, status) WHERE assigned_to IS NOT NULL`,
    );

    // R-P5: one row per open problem of a customer. The primary key leads with the customer, so asking
    // for one customer is a primary-key range read, and "customers with no open problem" over a whole
    // audience is one anti-join probing this index (customerHasOpenProblemSql).
    await db.query(`
      CREATE TABLE customer_open_problems (
        customer_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('complaint', 'overdue_service_request')),
        source_id uuid NOT NULL,
        since timestamptz NOT NULL,
        PRIMARY KEY (customer_id, kind, source_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'customer_open_problems',
      'complaints',
      'complaint_settings',
      'complaint_targets',
      'complaint_root_causes',
      'complaint_categories',
    ])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP SEQUENCE IF EXISTS complaint_number_seq`);
  }
}
