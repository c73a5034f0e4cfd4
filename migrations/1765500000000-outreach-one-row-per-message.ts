import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outreach message is one row where it was four: the message, its first status-history row, a
 * timeline entry copied into customer_timeline_entries, and (for a campaign) its recipient row.
 * - The first status and its reason are kept on the message (`created_status`, `created_reason`, at
 *   `created_at`); the history reads them as its first line, and a message decided before this keeps
 *   that line in outreach_message_events (`created_status` null).
 * - The customer's timeline reads messages through the outreach module's fragment, so the copies go;
 *   `title` keeps what a message that belongs to neither a rule nor a campaign is about (a survey, a
 *   report-back). The customer index covers every message in (customer, created_at) order, for the
 *   timeline as well as the gate's per-customer history (which filters on the rows, a few per customer).
 * - A campaign's messaged members are its messages (campaign, customer); the control group, never
 *   messaged, is kept in campaign_control_group. `campaign_recipients` is now a view of both, with the
 *   columns the table had (the other rows repeated what the message says).
 * - Campaign messages need no dedupe key (a launch runs once, under the campaign's lock), and the
 *   unique index on it leaves out the messages without one: it indexed their nulls too.
 * - No foreign key from a message to its customer. Its check locked the customer's row for every
 *   message written — a WAL record each, and after a checkpoint a full image of every customers page
 *   the statement touched: at 200,000 customers a third of a launch's WAL (75 of 215 MB) and 57 % of a
 *   dormant scan's (67 of 115 MB). Customers are never deleted (deletion is a flag, erasure blanks the
 *   row, a merge keeps the duplicate's row as a redirect), and every writer takes the customer from the
 *   customers table in the same statement (launch, scans) or refuses a customer it cannot read (the
 *   gate, for one message).
 */
export class OutreachOneRowPerMessage1765500000000 implements MigrationInterface {
  name = 'OutreachOneRowPerMessage1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE outreach_messages ADD COLUMN title text, ADD COLUMN created_status text, ADD COLUMN created_reason text`,
    );
    await db.query(`DROP INDEX outreach_messages_customer_idx`);
    await db.query(
      `CREATE INDEX outreach_messages_customer_idx ON outreach_messages (customer_id, created_at DESC, id DESC)`,
    );
    await db.query(`ALTER TABLE outreach_messages DROP CONSTRAINT outreach_messages_dedupe_key_key`);
    await db.query(
      `CREATE UNIQUE INDEX outreach_messages_dedupe_key_key ON outreach_messages (dedupe_key) WHERE dedupe_key IS NOT NULL`,
    );
    await db.query(`ALTER TABLE outreach_messages DROP CONSTRAINT outreach_messages_customer_id_fkey`);
    await db.query(`DELETE FROM customer_timeline_entries WHERE kind = 'message'`);
    await db.query(`DELETE FROM campaign_recipients WHERE NOT control`);
    await db.query(`ALTER TABLE campaign_recipients RENAME TO campaign_control_group`);
    await db.query(`ALTER TABLE campaign_control_group DROP COLUMN message_id`);
    await db.query(`
      CREATE VIEW campaign_recipients AS
      SELECT m.campaign_id, m.customer_id, false AS control, m.id AS message_id FROM outreach_messages m WHERE m.campaign_id IS NOT NULL
      UNION ALL
      SELECT g.campaign_id, g.customer_id, true, NULL::uuid FROM campaign_control_group g`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE outreach_messages ADD CONSTRAINT outreach_messages_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id)`,
    );
    await db.query(`
      INSERT INTO campaign_recipients (campaign_id, customer_id, control, message_id)
      SELECT campaign_id, customer_id, false, id FROM outreach_messages WHERE campaign_id IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await db.query(`
      INSERT INTO customer_timeline_entries (customer_id, kind, summary, details, occurred_at)
      SELECT m.customer_id, 'message',
             coalesce(m.title, rule.name, campaign.name, '') || ' · ' || coalesce(m.channel, '-') || ' · ' || m.status
               || coalesce(' (' || m.reason || ')', ''),
             jsonb_build_object('messageId', m.id, 'purpose', m.purpose, 'channel', m.channel, 'status', m.status, 'reason', m.reason),
             m.created_at
        FROM outreach_messages m
        LEFT JOIN outreach_rules rule ON rule.id = m.rule_id
        LEFT JOIN campaigns campaign ON campaign.id = m.campaign_id`);
    await db.query(`
      INSERT INTO outreach_message_events (message_id, status, detail, occurred_at)
      SELECT id, created_status, created_reason, created_at FROM outreach_messages WHERE created_status IS NOT NULL`);
    await db.query(`DROP INDEX outreach_messages_dedupe_key_key`);
    await db.query(
      `UPDATE outreach_messages SET dedupe_key = 'campaign:' || campaign_id || ':' || customer_id WHERE dedupe_key IS NULL AND campaign_id IS NOT NULL`,
    );
    await db.query(`ALTER TABLE outreach_messages ADD CONSTRAINT outreach_messages_dedupe_key_key UNIQUE (dedupe_key)`);
    await db.query(`DROP INDEX outreach_messages_customer_idx`);
    await db.query(
      `CREATE INDEX outreach_messages_customer_idx ON outreach_messages (customer_id, send_at DESC) WHERE decision <> 'suppress' AND status <> 'failed'`,
    );
    await db.query(
      `ALTER TABLE outreach_messages DROP COLUMN title, DROP COLUMN created_status, DROP COLUMN created_reason`,
    );
  }
}
