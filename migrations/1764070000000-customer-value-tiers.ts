import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Customer value (RFM) and the tiers it places customers in, with the history of every tier change. */
export class CustomerValueTiers1764070000000 implements MigrationInterface {
  name = 'CustomerValueTiers1764070000000';

  async up(db: QueryRunner): Promise<void> {
    // A tier is reached by a score threshold (min_score) or by a share of the best customers
    // (top_share: the value pyramid). (effective_min_score, effective_min_monetary) is the threshold
    // in force, compared as a pair so that spending breaks ties between equal scores: for share tiers
    // it is set by each full recalculation, so one customer can be placed between runs.
    await db.query(`
      CREATE TABLE tier_definitions (
        name text PRIMARY KEY,
        rank integer NOT NULL UNIQUE CHECK (rank > 0),
        min_score integer CHECK (min_score BETWEEN 0 AND 15),
        top_share numeric(5, 4) CHECK (top_share > 0 AND top_share <= 1),
        effective_min_score integer NOT NULL DEFAULT 0,
        effective_min_monetary numeric(16, 2) NOT NULL DEFAULT 0,
        earn_multiplier numeric(5, 2) NOT NULL DEFAULT 1 CHECK (earn_multiplier > 0),
        benefits jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (min_score IS NULL OR top_share IS NULL)
      )`);
    await db.query(`
      INSERT INTO tier_definitions (name, rank, top_share, min_score, effective_min_score, earn_multiplier, benefits) VALUES
        ('VIP', 1, 0.05, NULL, 13, 2.00, '["专属客服经理", "新品优先预订", "专属活动邀请", "9 折会员价"]'),
        ('高', 2, 0.20, NULL, 10, 1.50, '["优先服务", "95 折会员价", "生日礼"]'),
        ('中', 3, 0.50, NULL, 7, 1.20, '["会员价", "生日礼"]'),
        ('低', 4, NULL, 0, 0, 1.00, '["积分"]')`);

    // Recency, frequency and monetary value of the purchases in the value window, and their score.
    await db.query(`
      CREATE TABLE customer_values (
        customer_id uuid PRIMARY KEY REFERENCES customers(id),
        last_purchase_at timestamptz,
        frequency integer NOT NULL,
        monetary numeric(16, 2) NOT NULL,
        score integer NOT NULL CHECK (score BETWEEN 0 AND 15),
        computed_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE tier_history (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id),
        old_tier text,
        new_tier text NOT NULL,
        score integer NOT NULL,
        monetary numeric(16, 2) NOT NULL,
        frequency integer NOT NULL,
        cause text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX tier_history_customer_idx ON tier_history (customer_id, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['tier_history', 'customer_values', 'tier_definitions'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
