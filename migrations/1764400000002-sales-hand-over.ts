import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sales (R-SP7): hand-overs of a salesperson's book, and the ownership history of every record moved. */
export class SalesHandOver1764400000002 implements MigrationInterface {
  name = 'SalesHandOver1764400000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE reassignments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        from_user_id uuid NOT NULL,
        to_user_id uuid NOT NULL,
        include text[] NOT NULL,
        status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
        moved jsonb NOT NULL DEFAULT '{"customers": 0, "leads": 0, "opportunities": 0, "quotes": 0}',
        requested_by uuid,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE ownership_history (
        id bigserial PRIMARY KEY,
        entity_type text NOT NULL,
        entity_id uuid NOT NULL,
        from_user_id uuid,
        to_user_id uuid NOT NULL,
        reassignment_id uuid REFERENCES reassignments(id),
        changed_by uuid,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ownership_history_entity_idx ON ownership_history (entity_type, entity_id, id)`);
    await db.query(`CREATE INDEX ownership_history_reassignment_idx ON ownership_history (reassignment_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE ownership_history`);
    await db.query(`DROP TABLE reassignments`);
  }
}
