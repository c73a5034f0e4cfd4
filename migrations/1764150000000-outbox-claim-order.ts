import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's claim walks this index whatever the statistics say. Its query orders by
 * (published_at, id), which only this index provides, because with `ORDER BY id` the planner may
 * walk the primary key instead and filter: it did whenever the statistics were taken while a
 * backlog was unpublished (after a first tier recalculation's million events), and then each poll
 * read every row published since — 530 ms per poll of an empty lane over a million rows, which held
 * a purchase's events back by over a second. published_at is always NULL in the index, so the order
 * is the id order. Built concurrently, so a running deployment keeps writing events meanwhile.
 */
export class OutboxClaimOrder1764150000000 implements MigrationInterface {
  name = 'OutboxClaimOrder1764150000000';
  transaction = false as const;

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_unpublished_order_idx ON outbox (lane, published_at, id) WHERE published_at IS NULL`,
    );
    await db.query(`DROP INDEX CONCURRENTLY IF EXISTS outbox_unpublished_lane_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_unpublished_lane_idx ON outbox (lane, id) WHERE published_at IS NULL`,
    );
    await db.query(`DROP INDEX CONCURRENTLY IF EXISTS outbox_unpublished_order_idx`);
  }
}
