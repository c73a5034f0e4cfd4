import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the webhook recovery sweep needs: when each pending delivery's next attempt is due (a pending
 * delivery long overdue has lost its BullMQ job), and how far through the outbox it has checked that
 * every event was fanned out.
 */
export class WebhookDeliveryRecovery1764120000000 implements MigrationInterface {
  name = 'WebhookDeliveryRecovery1764120000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now()`);
    await db.query(
      `UPDATE webhook_deliveries SET next_attempt_at = coalesce(last_attempt_at, created_at) WHERE status = 'pending'`,
    );
    await db.query(
      `CREATE INDEX webhook_deliveries_pending_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    // One row: outbox events up to this id have been checked. Events published before this migration were fanned out already.
    await db.query(
      `CREATE TABLE webhook_fan_out_progress (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), checked_outbox_id bigint NOT NULL)`,
    );
    await db.query(`INSERT INTO webhook_fan_out_progress (checked_outbox_id) SELECT coalesce(max(id), 0) FROM outbox`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS webhook_fan_out_progress`);
    await db.query(`DROP INDEX IF EXISTS webhook_deliveries_pending_due_idx`);
    await db.query(`ALTER TABLE webhook_deliveries DROP COLUMN IF EXISTS next_attempt_at`);
  }
}
