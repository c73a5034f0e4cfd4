import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log-in attempt windows and queue markers when the queues run on Postgres (QUEUE_BACKEND=postgres,
 * the embedded mode) instead of Redis. A window has an expiry; a marker has none. Unused (and empty)
 * when the queues run on Redis.
 */
export class CoordinationKeys1764600000000 implements MigrationInterface {
  name = 'CoordinationKeys1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE coordination_keys (
      key text PRIMARY KEY,
      value text,
      count integer NOT NULL DEFAULT 0,
      expires_at timestamptz
    )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE coordination_keys`);
  }
}
