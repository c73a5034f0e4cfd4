import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A refunded purchase stays attributed (the trail) but no longer counts as its opportunity's revenue. */
export class AttributionRefunds1764800000002 implements MigrationInterface {
  name = 'AttributionRefunds1764800000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE purchase_attributions ADD COLUMN refunded_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE purchase_attributions DROP COLUMN refunded_at`);
  }
}
