import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook endpoints of integration partners, the events fanned out to them, each delivery and each attempt. */
export class Webhooks1764090000000 implements MigrationInterface {
  name = 'Webhooks1764090000000';

  async up(db: QueryRunner): Promise<void> {
    // The secret signs deliveries, so it is kept as is (a hash could not sign); it is shown once and never logged.
    // During a rotation the previous secret keeps signing until previous_secret_expires_at.
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        active boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        failing_since timestamptz,
        created_by_type text NOT NULL,
        created_by_id text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await db.query(
      `CREATE INDEX webhook_endpoints_live_idx ON webhook_endpoints (created_at, id) WHERE deleted_at IS NULL`,
    );

    // One row per event that matched at least one endpoint: what every delivery of it sends.
    await db.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    // (endpoint_id, event_id) is unique so a fan-out that runs twice creates nothing new. generation
    // counts replays: the BullMQ job id is "<id>-<generation>", so a replay is a new job while a rerun is not.
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id),
        event_id uuid NOT NULL REFERENCES webhook_events(id),
        event_type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped')),
        generation integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        last_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (endpoint_id, event_id)
      )`);
    await db.query(
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`,
    );
    await db.query(
      `CREATE INDEX webhook_deliveries_endpoint_occurred_idx ON webhook_deliveries (endpoint_id, occurred_at)`,
    );
    await db.query(`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`);

    await db.query(`
      CREATE TABLE webhook_delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id),
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        latency_ms integer NOT NULL,
        succeeded boolean NOT NULL,
        response_excerpt text,
        error text
      )`);
    await db.query(
      `CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['webhook_delivery_attempts', 'webhook_deliveries', 'webhook_events', 'webhook_endpoints']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
