import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns to a saved segment (R-O3, R-O4): the content and schedule, the cost beside the budget, an
 * attribution window and a control group held out. Each launch stores every member of the audience as
 * a recipient — messaged (with the gate's decision on its outreach message) or held out as control —
 * so the stats are computed from what was decided at launch, not from the segment as it is today.
 */
export class Campaigns1764700000000 implements MigrationInterface {
  name = 'Campaigns1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        segment_id uuid NOT NULL REFERENCES segments(id),
        purpose text NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('care', 'service', 'marketing')),
        channels text[] NOT NULL CHECK (cardinality(channels) > 0),
        subject text NOT NULL DEFAULT '',
        body text NOT NULL,
        scheduled_at timestamptz,
        budget numeric(14, 2) CHECK (budget >= 0),
        cost numeric(14, 2) NOT NULL DEFAULT 0 CHECK (cost >= 0),
        attribution_days integer NOT NULL DEFAULT 30 CHECK (attribution_days BETWEEN 1 AND 365),
        control_percent integer NOT NULL DEFAULT 0 CHECK (control_percent BETWEEN 0 AND 50),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'launched', 'cancelled')),
        launched_at timestamptz,
        audience integer,
        held_out integer,
        created_by uuid REFERENCES users(id),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id DESC)`);
    // The recovery of launches whose job was lost looks for scheduled campaigns that are due.
    await db.query(`CREATE INDEX campaigns_scheduled_idx ON campaigns (scheduled_at) WHERE status = 'scheduled'`);

    // One row per member of the audience at launch; message_id is null for the control group.
    await db.query(`
      CREATE TABLE campaign_recipients (
        campaign_id uuid NOT NULL REFERENCES campaigns(id),
        customer_id uuid NOT NULL REFERENCES customers(id),
        control boolean NOT NULL,
        message_id uuid REFERENCES outreach_messages(id),
        PRIMARY KEY (campaign_id, customer_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE campaign_recipients, campaigns`);
  }
}
