import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sales (R-SP7): a hand-over may spread the book over the salespeople of the assignment rules instead of one successor. */
export class HandOverSpread1765430000000 implements MigrationInterface {
  name = 'HandOverSpread1765430000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE reassignments ALTER COLUMN to_user_id DROP NOT NULL`);
    await db.query(`ALTER TABLE reassignments ADD COLUMN spread text CHECK (spread IN ('assignment_rules'))`);
    await db.query(
      `ALTER TABLE reassignments ADD CONSTRAINT reassignments_one_destination CHECK ((to_user_id IS NULL) <> (spread IS NULL))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM reassignments WHERE to_user_id IS NULL`);
    await db.query(`ALTER TABLE reassignments DROP CONSTRAINT reassignments_one_destination`);
    await db.query(`ALTER TABLE reassignments DROP COLUMN spread`);
    await db.query(`ALTER TABLE reassignments ALTER COLUMN to_user_id SET NOT NULL`);
  }
}
