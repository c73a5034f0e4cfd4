import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales (R-SP1–SP3): leads and the rules that assign them, pipelines with ordered stages, opportunities
 * with their stage history, and purchases attributed to a won opportunity.
 */
export class SalesLeadsPipelines1764400000000 implements MigrationInterface {
  name = 'SalesLeadsPipelines1764400000000';

  async up(db: QueryRunner): Promise<void> {
    // Ordered rules; an empty match list means "any". The one default rule catches what no other matches.
    // next_index is the round-robin pointer, advanced under the rule's row lock in the lead's transaction.
    await db.query(`
      CREATE TABLE lead_assignment_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        position integer NOT NULL,
        regions text[] NOT NULL DEFAULT '{}',
        industries text[] NOT NULL DEFAULT '{}',
        sources text[] NOT NULL DEFAULT '{}',
        strategy text NOT NULL CHECK (strategy IN ('round_robin', 'fewest_open')),
        salespeople uuid[] NOT NULL CHECK (cardinality(salespeople) > 0),
        is_default boolean NOT NULL DEFAULT false,
        next_index integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE UNIQUE INDEX lead_assignment_rules_default_key ON lead_assignment_rules (is_default) WHERE is_default`,
    );
    await db.query(`CREATE INDEX lead_assignment_rules_position_idx ON lead_assignment_rules (position, created_at)`);

    await db.query(`
      CREATE TABLE leads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('individual', 'organization')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        company_name text,
        phone text,
        email text,
        source text NOT NULL CHECK (source IN ('trade_show', 'website', 'referral', 'campaign', 'partner', 'other')),
        campaign_id text,
        region text,
        industry text,
        interest text,
        notes text,
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'disqualified')),
        disqualify_reason text,
        owner_id uuid,
        assignment jsonb,
        duplicates jsonb NOT NULL DEFAULT '{"customerIds": [], "leadIds": []}',
        respond_by timestamptz NOT NULL,
        contacted_at timestamptz,
        reminded_at timestamptz,
        escalated_at timestamptz,
        customer_id uuid,
        opportunity_id uuid,
        converted_at timestamptz,
        created_by_type text NOT NULL,
        created_by_id uuid,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (source <> 'campaign' OR campaign_id IS NOT NULL),
        CHECK (status <> 'disqualified' OR disqualify_reason IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX leads_created_idx ON leads (created_at DESC, id DESC)`);
    // The load a fewest-open pick reads, and the hand-over's walk over a salesperson's open leads.
    await db.query(
      `CREATE INDEX leads_open_owner_idx ON leads (owner_id, id) WHERE status IN ('new', 'contacted', 'qualified')`,
    );
    await db.query(
      `CREATE INDEX leads_open_phone_idx ON leads (phone) WHERE phone IS NOT NULL AND status IN ('new', 'contacted', 'qualified')`,
    );
    await db.query(
      `CREATE INDEX leads_open_email_idx ON leads (email) WHERE email IS NOT NULL AND status IN ('new', 'contacted', 'qualified')`,
    );

    await db.query(`
      CREATE TABLE pipelines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX pipelines_default_key ON pipelines (is_default) WHERE is_default`);
    await db.query(`
      CREATE TABLE pipeline_stages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pipeline_id uuid NOT NULL REFERENCES pipelines(id),
        position integer NOT NULL CHECK (position > 0),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        probability integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
        UNIQUE (pipeline_id, position)
      )`);
    const [pipeline] = await db.query(
      `INSERT INTO pipelines (name, is_default) VALUES ('默认销售流程', true) RETURNING id`,
    );
    await db.query(
      `INSERT INTO pipeline_stages (pipeline_id, position, name, probability)
       VALUES ($1, 1, '初步接触', 10), ($1, 2, '需求确认', 30), ($1, 3, '方案报价', 50), ($1, 4, '商务谈判', 75)`,
      [pipeline.id],
    );

    await db.query(`
      CREATE TABLE opportunities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        customer_id uuid NOT NULL,
        lead_id uuid REFERENCES leads(id),
        owner_id uuid NOT NULL,
        pipeline_id uuid NOT NULL REFERENCES pipelines(id),
        stage_id uuid NOT NULL REFERENCES pipeline_stages(id),
        amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        probability integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
        expected_close_on date,
        products text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
        close_reason text,
        closed_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'open') = (closed_at IS NULL)),
        CHECK (status <> 'lost' OR close_reason IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX opportunities_created_idx ON opportunities (created_at DESC, id DESC)`);
    // The pipeline report reads open opportunities by owner and stage; the hand-over walks an owner's open ones.
    await db.query(
      `CREATE INDEX opportunities_open_owner_idx ON opportunities (owner_id, stage_id) INCLUDE (amount, probability) WHERE status = 'open'`,
    );
    await db.query(
      `CREATE INDEX opportunities_won_customer_idx ON opportunities (customer_id, closed_at) WHERE status = 'won'`,
    );
    await db.query(`CREATE INDEX opportunities_closed_idx ON opportunities (closed_at) WHERE status <> 'open'`);
    await db.query(`CREATE INDEX opportunities_lead_idx ON opportunities (lead_id) WHERE lead_id IS NOT NULL`);
    await db.query(`
      CREATE TABLE opportunity_stage_history (
        id bigserial PRIMARY KEY,
        opportunity_id uuid NOT NULL REFERENCES opportunities(id),
        stage_id uuid NOT NULL REFERENCES pipeline_stages(id),
        entered_at timestamptz NOT NULL DEFAULT now(),
        left_at timestamptz,
        changed_by uuid
      )`);
    await db.query(
      `CREATE INDEX opportunity_stage_history_opportunity_idx ON opportunity_stage_history (opportunity_id, id)`,
    );

    // One row per purchase at most: a purchase counts for the latest won opportunity of its customer.
    await db.query(`
      CREATE TABLE purchase_attributions (
        purchase_id uuid PRIMARY KEY,
        opportunity_id uuid NOT NULL REFERENCES opportunities(id),
        customer_id uuid NOT NULL,
        amount numeric(14, 2) NOT NULL,
        currency char(3) NOT NULL,
        purchased_at timestamptz NOT NULL,
        attributed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX purchase_attributions_opportunity_idx ON purchase_attributions (opportunity_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'purchase_attributions',
      'opportunity_stage_history',
      'opportunities',
      'pipeline_stages',
      'pipelines',
      'leads',
      'lead_assignment_rules',
    ])
      await db.query(`DROP TABLE ${table}`);
  }
}
