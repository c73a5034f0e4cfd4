import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved segments, care rules, outreach messages with their status history, and the runs of the
 * daily scans. Every message passes the contact gate first; its decision and reason are kept on it.
 */
export class Outreach1764300000000 implements MigrationInterface {
  name = 'Outreach1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        filter jsonb NOT NULL,
        created_by uuid REFERENCES users(id),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX segments_created_idx ON segments (created_at DESC, id DESC)`);
    // Segment filters over a million customers: kind and level join the indexed filter columns, and
    // custom fields are matched by containment (custom_fields @> '{"key": value}') through a GIN index.
    for (const column of ['kind', 'level']) {
      await db.query(
        `CREATE INDEX customers_${column}_idx ON customers (${column}, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
      );
    }
    await db.query(
      `CREATE INDEX customers_custom_fields_idx ON customers USING gin (custom_fields jsonb_path_ops) WHERE deleted_at IS NULL`,
    );

    // The customer's time zone when it is one Postgres knows, else the fallback: the gate's quiet hours
    // must not fail a whole campaign launch on one mistyped custom field.
    await db.query(`
      CREATE FUNCTION outreach_time_zone(zone text, fallback text) RETURNS text LANGUAGE plpgsql STABLE AS $$
      BEGIN
        IF zone IS NULL OR zone = '' THEN RETURN fallback; END IF;
        PERFORM now() AT TIME ZONE zone;
        RETURN zone;
      EXCEPTION WHEN others THEN
        RETURN fallback;
      END $$`);

    await db.query(`
      CREATE TABLE outreach_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('birthday', 'purchase_follow_up', 'service_satisfaction', 'dormant', 'tier_upgrade', 'vip_care_call', 'manual')),
        purpose text NOT NULL CHECK (purpose IN ('care', 'service', 'marketing')),
        channels text[] NOT NULL CHECK (cardinality(channels) > 0),
        delay_days integer NOT NULL DEFAULT 0 CHECK (delay_days >= 0),
        every_days integer CHECK (every_days > 0),
        subject text NOT NULL DEFAULT '',
        body text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX outreach_rules_trigger_idx ON outreach_rules (trigger) WHERE active`);

    // One row per message the gate decided, whatever it decided: suppressed ones stay, with the reason.
    // dedupe_key makes a rule fire once per source (rule × purchase, rule × customer × day, …).
    await db.query(`
      CREATE TABLE outreach_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        rule_id uuid REFERENCES outreach_rules(id),
        campaign_id uuid,
        dedupe_key text UNIQUE,
        purpose text NOT NULL CHECK (purpose IN ('care', 'service', 'marketing')),
        channel text CHECK (channel IN ('email', 'sms', 'wechat', 'phone')),
        address text,
        subject text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        content_key text NOT NULL,
        decision text NOT NULL CHECK (decision IN ('send', 'defer', 'suppress')),
        reason text,
        status text NOT NULL CHECK (status IN ('suppressed', 'pending', 'deferred', 'queued', 'sent', 'delivered', 'failed', 'opened', 'clicked', 'responded')),
        send_at timestamptz NOT NULL,
        provider_message_id text,
        task_id uuid,
        attempts integer NOT NULL DEFAULT 0,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The gate's history reads (caps, duplicate content) per customer over the messages that count.
    await db.query(
      `CREATE INDEX outreach_messages_customer_idx ON outreach_messages (customer_id, send_at DESC) WHERE decision <> 'suppress' AND status <> 'failed'`,
    );
    await db.query(`CREATE INDEX outreach_messages_list_idx ON outreach_messages (created_at DESC, id DESC)`);
    // The dispatcher claims due messages oldest first.
    await db.query(
      `CREATE INDEX outreach_messages_due_idx ON outreach_messages (send_at) WHERE status IN ('pending', 'deferred')`,
    );
    await db.query(
      `CREATE INDEX outreach_messages_campaign_idx ON outreach_messages (campaign_id) WHERE campaign_id IS NOT NULL`,
    );

    await db.query(`
      CREATE TABLE outreach_message_events (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES outreach_messages(id),
        status text NOT NULL,
        detail text,
        report_id text,
        occurred_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX outreach_message_events_message_idx ON outreach_message_events (message_id, id)`);
    // A provider's delivery report is applied once, however often it is posted.
    await db.query(
      `CREATE UNIQUE INDEX outreach_message_events_report_key ON outreach_message_events (message_id, report_id) WHERE report_id IS NOT NULL`,
    );

    await db.query(`
      CREATE TABLE outreach_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        rule_id uuid NOT NULL REFERENCES outreach_rules(id),
        day date NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        matched integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        errors text[] NOT NULL DEFAULT '{}'
      )`);
    await db.query(`CREATE INDEX outreach_runs_started_idx ON outreach_runs (started_at DESC, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE outreach_runs, outreach_message_events, outreach_messages, outreach_rules, segments`);
    await db.query(`DROP FUNCTION outreach_time_zone`);
    await db.query(`DROP INDEX customers_kind_idx, customers_level_idx, customers_custom_fields_idx`);
  }
}
