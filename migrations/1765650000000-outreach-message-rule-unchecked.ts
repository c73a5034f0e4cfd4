import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No foreign key from a message to its care rule, as there is none to its customer or campaign. Its
 * check ran once per message written — for a daily scan's 150,000 new messages at 1,000,000
 * customers, 0.7 s of trigger time and a lock on the rule's row each, about a fifth of the
 * statement — and it guarded nothing: rules are never deleted (a rule is switched off, `active`),
 * and every writer takes the rule from the rules table in the same transaction (scans, triggers).
 */
export class OutreachMessageRuleUnchecked1765650000000 implements MigrationInterface {
  name = 'OutreachMessageRuleUnchecked1765650000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outreach_messages DROP CONSTRAINT outreach_messages_rule_id_fkey`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE outreach_messages ADD CONSTRAINT outreach_messages_rule_id_fkey FOREIGN KEY (rule_id) REFERENCES outreach_rules(id)`,
    );
  }
}
