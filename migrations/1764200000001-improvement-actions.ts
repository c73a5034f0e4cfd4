import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Improvement actions (R-P4): a fix for a root cause with an owner and a due date, the complaints it
 * addresses, and the report-back each complainant got once per completion.
 */
export class ImprovementActions1764200000001 implements MigrationInterface {
  name = 'ImprovementActions1764200000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SEQUENCE improvement_action_number_seq`);
    await db.query(`
      CREATE TABLE improvement_actions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number text NOT NULL UNIQUE DEFAULT 'IA-' || lpad(nextval('improvement_action_number_seq')::text, 6, '0'),
        root_cause text NOT NULL REFERENCES complaint_root_causes(code),
        title text NOT NULL,
        description text,
        owner_id uuid NOT NULL REFERENCES users(id),
        due_on date NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'completed', 'verified', 'ineffective')),
        round integer NOT NULL DEFAULT 0,
        change_summary text,
        completed_at timestamptz,
        verified_at timestamptz,
        verdict_note text,
        created_by_type text NOT NULL,
        created_by_id text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX improvement_actions_created_idx ON improvement_actions (created_at DESC, id DESC)`);
    // Resolving a complaint links it to the open actions of its root cause: this index finds them.
    await db.query(
      `CREATE INDEX improvement_actions_open_root_cause_idx ON improvement_actions (root_cause) WHERE status IN ('open', 'in_progress', 'ineffective')`,
    );
    await db.query(`
      CREATE TABLE improvement_action_complaints (
        action_id uuid NOT NULL REFERENCES improvement_actions(id),
        complaint_id uuid NOT NULL REFERENCES complaints(id),
        linked_by text NOT NULL CHECK (linked_by IN ('hand', 'root_cause')),
        linked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (action_id, complaint_id)
      )`);
    await db.query(
      `CREATE INDEX improvement_action_complaints_complaint_idx ON improvement_action_complaints (complaint_id)`,
    );
    // Once per customer per completion round, however many complaints they filed.
    await db.query(`
      CREATE TABLE improvement_action_report_backs (
        action_id uuid NOT NULL REFERENCES improvement_actions(id),
        round integer NOT NULL,
        customer_id uuid NOT NULL,
        complaint_ids uuid[] NOT NULL,
        reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (action_id, round, customer_id)
      )`);
    // The verification figures count a root cause's complaints by week around the completion.
    await db.query(
      `CREATE INDEX complaints_root_cause_received_idx ON complaints (root_cause, received_at) WHERE root_cause IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS complaints_root_cause_received_idx`);
    for (const table of ['improvement_action_report_backs', 'improvement_action_complaints', 'improvement_actions'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP SEQUENCE IF EXISTS improvement_action_number_seq`);
  }
}
