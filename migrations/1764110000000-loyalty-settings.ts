import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The loyalty programme's settings (earn rate, expiry, birthday reward): one versioned row. The
 * migration creates the table only; the row is created from the LOYALTY_* environment variables the
 * first time the application reads it, so those variables are the initial defaults.
 */
export class LoyaltySettings1764110000000 implements MigrationInterface {
  name = 'LoyaltySettings1764110000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE loyalty_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        points_per_unit integer NOT NULL CHECK (points_per_unit BETWEEN 0 AND 1000),
        points_expire_months integer NOT NULL CHECK (points_expire_months BETWEEN 1 AND 240),
        birthday_points integer NOT NULL CHECK (birthday_points BETWEEN 0 AND 1000000),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS loyalty_settings`);
  }
}
