import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Erasure (PIPL art. 47, GDPR art. 17; issue 17). An erased customer keeps its row as an anonymised
 * tombstone (purchases and the points ledger stay linked to it for the books, unlinked from the
 * person), soft-deleted so search, segments and outreach no longer see it. `customer_erasures` is the
 * record of who erased whom, when and on which ground — never the erased values; a legal hold (one
 * open at a time per customer) refuses erasure until an administrator releases it.
 */
export class CustomerErasure1765100000000 implements MigrationInterface {
  name = 'CustomerErasure1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE customers ADD COLUMN erased_at timestamptz`);
    await db.query(`
      CREATE TABLE customer_erasures (
        customer_id uuid PRIMARY KEY REFERENCES customers(id),
        ground text NOT NULL CHECK (ground IN ('customer-request', 'consent-withdrawn', 'purpose-fulfilled', 'unlawful-processing', 'legal-obligation')),
        reference text CHECK (length(reference) <= 200),
        merged_ids uuid[] NOT NULL DEFAULT '{}',
        erased jsonb NOT NULL DEFAULT '{}',
        actor_type text NOT NULL,
        actor_id text,
        request_id text,
        erased_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE customer_legal_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        set_by_type text NOT NULL,
        set_by_id text,
        set_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz,
        released_by_type text,
        released_by_id text
      )`);
    // One open hold per customer: setting it again answers with the open one.
    await db.query(
      `CREATE UNIQUE INDEX customer_legal_holds_open_idx ON customer_legal_holds (customer_id) WHERE released_at IS NULL`,
    );
    await db.query(`CREATE INDEX customer_legal_holds_customer_idx ON customer_legal_holds (customer_id, set_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS customer_legal_holds`);
    await db.query(`DROP TABLE IF EXISTS customer_erasures`);
    await db.query(`ALTER TABLE customers DROP COLUMN IF EXISTS erased_at`);
  }
}
