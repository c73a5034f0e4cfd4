import type { MigrationInterface, QueryRunner } from 'typeorm';

const BEFORE = [
  'birthday',
  'purchase_follow_up',
  'service_satisfaction',
  'dormant',
  'tier_upgrade',
  'vip_care_call',
  'manual',
];
const quoted = (triggers: string[]) => triggers.map((trigger) => `'${trigger}'`).join(', ');

/** Outreach (R-O1): care rules triggered by a lead's conversion — product information before a new customer's first purchase. */
export class OutreachLeadConverted1765430000002 implements MigrationInterface {
  name = 'OutreachLeadConverted1765430000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outreach_rules DROP CONSTRAINT outreach_rules_trigger_check`);
    await db.query(
      `ALTER TABLE outreach_rules ADD CONSTRAINT outreach_rules_trigger_check CHECK (trigger IN (${quoted([...BEFORE, 'lead_converted'])}))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM outreach_rules WHERE trigger = 'lead_converted'`);
    await db.query(`ALTER TABLE outreach_rules DROP CONSTRAINT outreach_rules_trigger_check`);
    await db.query(
      `ALTER TABLE outreach_rules ADD CONSTRAINT outreach_rules_trigger_check CHECK (trigger IN (${quoted(BEFORE)}))`,
    );
  }
}
