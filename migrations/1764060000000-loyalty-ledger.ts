import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The loyalty points ledger, balances kept beside it, and the reward catalogue. */
export class LoyaltyLedger1764060000000 implements MigrationInterface {
  name = 'LoyaltyLedger1764060000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per customer with points; changed only in the transaction that appends to the ledger,
    // under this row's lock, so the balance always equals the ledger's sum and never goes below zero.
    await db.query(`
      CREATE TABLE loyalty_accounts (
        customer_id uuid PRIMARY KEY REFERENCES customers(id),
        balance bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE loyalty_ledger (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id),
        kind text NOT NULL CHECK (kind IN ('earn', 'redeem', 'adjust', 'reversal', 'expire')),
        points bigint NOT NULL CHECK (points <> 0),
        balance_after bigint NOT NULL CHECK (balance_after >= 0),
        source_type text NOT NULL,
        source_id text NOT NULL,
        reason text,
        actor_type text,
        actor_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A source (a purchase, a refund, a redemption) moves points at most once per kind, whatever the retries.
    await db.query(`CREATE UNIQUE INDEX loyalty_ledger_source_key ON loyalty_ledger (source_type, source_id, kind)`);
    await db.query(`CREATE INDEX loyalty_ledger_customer_idx ON loyalty_ledger (customer_id, id DESC)`);

    await db.query(`
      CREATE TABLE loyalty_rewards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        points_cost integer NOT NULL CHECK (points_cost > 0),
        stock integer NOT NULL CHECK (stock >= 0),
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE loyalty_redemptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        reward_id uuid NOT NULL REFERENCES loyalty_rewards(id),
        quantity integer NOT NULL CHECK (quantity > 0),
        points bigint NOT NULL CHECK (points > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX loyalty_redemptions_customer_idx ON loyalty_redemptions (customer_id, created_at DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['loyalty_redemptions', 'loyalty_rewards', 'loyalty_ledger', 'loyalty_accounts'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
