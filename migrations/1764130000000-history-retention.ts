import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The hourly purges walk the oldest webhook events first. */
export class HistoryRetention1764130000000 implements MigrationInterface {
  name = 'HistoryRetention1764130000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX webhook_events_created_idx ON webhook_events (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS webhook_events_created_idx`);
  }
}
