import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duplicates and merge (issue 17). A merged duplicate stays as a row (soft-deleted, pointing at its
 * survivor) so partners' stored ids keep resolving; the merge log holds what moved and the losing
 * record's snapshot, for the audit and for an undo within 30 days. pg_trgm scores name similarity
 * of Latin names; Chinese names are compared by the search grams the customers table already keeps.
 */
export class CustomerMerges1764900000001 implements MigrationInterface {
  name = 'CustomerMerges1764900000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE customers ADD COLUMN merged_into_id uuid REFERENCES customers(id)`);
    await db.query(`
      CREATE TABLE customer_merges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survivor_id uuid NOT NULL REFERENCES customers(id),
        duplicate_id uuid NOT NULL REFERENCES customers(id),
        field_choices jsonb NOT NULL DEFAULT '{}',
        survivor_before jsonb NOT NULL,
        duplicate_snapshot jsonb NOT NULL,
        moved jsonb NOT NULL DEFAULT '{}',
        actor_type text NOT NULL,
        actor_id text,
        merged_at timestamptz NOT NULL DEFAULT now(),
        undo_until timestamptz NOT NULL,
        undone_at timestamptz,
        undone_by text,
        CHECK (survivor_id <> duplicate_id)
      )`);
    // A duplicate is merged once at a time: a retried merge finds this row and answers with it.
    await db.query(
      `CREATE UNIQUE INDEX customer_merges_duplicate_idx ON customer_merges (duplicate_id) WHERE undone_at IS NULL`,
    );
    await db.query(`CREATE INDEX customer_merges_survivor_idx ON customer_merges (survivor_id, merged_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS customer_merges`);
    await db.query(`ALTER TABLE customers DROP COLUMN IF EXISTS merged_into_id`);
  }
}
