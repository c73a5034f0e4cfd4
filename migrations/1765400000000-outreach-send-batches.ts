import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outreach messages are sent in batches, one send job per batch: `send_job` is the id of the job a
 * queued message was handed to. The job sends only the messages that still name it, so a job left
 * over from a dispatch that rolled back cannot send a message another dispatch has queued since, and
 * the stale sweep can re-add a lost batch job under its own id.
 */
export class OutreachSendBatches1765400000000 implements MigrationInterface {
  name = 'OutreachSendBatches1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outreach_messages ADD COLUMN send_job text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outreach_messages DROP COLUMN send_job`);
  }
}
