import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tier recalculation at scale, and a bulk lane in the outbox.
 *
 * The tier moves from the wide customers row to the narrow customer_values row beside the value that
 * decides it. Updating customers.tier rewrote a ~500-byte row, its eleven indexes (one GIN) and its
 * generated search grams for every mover: 100,000 movers took 8–18 s. A full recalculation that
 * places a million customers now writes one narrow row each.
 */
export class TierRecalculationAtScale1764100000000 implements MigrationInterface {
  name = 'TierRecalculationAtScale1764100000000';

  async up(db: QueryRunner): Promise<void> {
    // previous_tier is what the tier was before its last change: the statement that changes the
    // tier reads it back through RETURNING to write the history row, without a second scan.
    await db.query(
      `ALTER TABLE customer_values ADD COLUMN tier text, ADD COLUMN previous_tier text, ADD COLUMN tier_changed_at timestamptz`,
    );
    await db.query(
      `UPDATE customer_values v SET tier = c.tier FROM customers c WHERE c.id = v.customer_id AND c.tier IS NOT NULL`,
    );
    await db.query(`DROP INDEX IF EXISTS customers_tier_idx`);
    await db.query(`ALTER TABLE customers DROP COLUMN tier`);

    // Derived rows of a customer that is never hard-deleted: the per-row foreign-key checks were
    // 14 s of a first run over a million customers (one trigger call per row).
    await db.query(`ALTER TABLE customer_values DROP CONSTRAINT IF EXISTS customer_values_customer_id_fkey`);
    await db.query(`ALTER TABLE tier_history DROP CONSTRAINT IF EXISTS tier_history_customer_id_fkey`);

    // One row per full recalculation: what it did, and where the next one starts looking for
    // customers created since (customers without purchases get their first value row then).
    await db.query(`
      CREATE TABLE tier_recalculations (
        id bigserial PRIMARY KEY,
        cause text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        values_changed integer,
        tier_changes integer
      )`);

    // Bulk events (a full recalculation's tier changes, up to one per customer) wait behind ordinary
    // ones: the relay claims the default lane first, and publishes bulk jobs at a lower BullMQ priority.
    await db.query(
      `ALTER TABLE outbox ADD COLUMN lane text NOT NULL DEFAULT 'default' CHECK (lane IN ('default', 'bulk'))`,
    );
    await db.query(`CREATE INDEX outbox_unpublished_lane_idx ON outbox (lane, id) WHERE published_at IS NULL`);
    await db.query(`DROP INDEX IF EXISTS outbox_unpublished_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS outbox_unpublished_lane_idx`);
    await db.query(`CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL`);
    await db.query(`ALTER TABLE outbox DROP COLUMN lane`);
    await db.query(`DROP TABLE IF EXISTS tier_recalculations`);
    await db.query(`ALTER TABLE customers ADD COLUMN tier text`);
    await db.query(
      `UPDATE customers c SET tier = v.tier FROM customer_values v WHERE v.customer_id = c.id AND v.tier IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX customers_tier_idx ON customers (tier, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await db.query(
      `ALTER TABLE customer_values DROP COLUMN tier, DROP COLUMN previous_tier, DROP COLUMN tier_changed_at`,
    );
    await db.query(
      `ALTER TABLE customer_values ADD CONSTRAINT customer_values_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id) NOT VALID`,
    );
    await db.query(
      `ALTER TABLE tier_history ADD CONSTRAINT tier_history_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id) NOT VALID`,
    );
  }
}
