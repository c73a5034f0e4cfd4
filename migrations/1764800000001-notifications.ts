import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notices to staff (`GET /notifications`): a manager changed your plan, a visit was dispatched to you, a plan is missing. */
export class Notifications1764800000001 implements MigrationInterface {
  name = 'Notifications1764800000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        subject_type text,
        subject_id uuid,
        details jsonb NOT NULL DEFAULT '{}',
        actor_id uuid,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC)`);
    await db.query(
      `CREATE INDEX notifications_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE notifications`);
  }
}
