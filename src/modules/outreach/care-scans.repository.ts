import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isRetryableTransactionError } from '../../common/errors/unavailable.js';
import { TRANSACTION_ATTEMPTS } from '../../infrastructure/database/transaction-runner.js';
import {
  customerContactOfSql,
  customerIdsWhereSql,
  customerInPartSql,
  type CustomerPart,
  customerPurchasesSql,
  customersLastPurchaseSql,
  customersWithBirthdayOnSql,
} from '../customers/customers.sql.js';
import { customerInTierSql } from '../loyalty/loyalty.sql.js';
import { CONSENT_CHANNEL } from './contact-gate.js';
import { contactDecisionSql, GATED_STATEMENT_SETTINGS } from './contact-gate.sql.js';
import type { RuleRow } from './outreach-rules.repository.js';

export interface ScanTarget {
  /** birthday: born on `day`; dormant: last purchase `delayDays` or more before `day`; VIP: in the top tier. */
  audience: 'birthday' | 'dormant' | 'vip';
  day: string;
  /** VIP calls: the name of the top tier, and the period number (one call per period of `everyDays`). */
  topTier?: string;
  period?: number;
  contentKey: string;
  now: Date;
  /** The part of the customers this statement decides (CareScans runs the parts at once); all when absent. */
  part?: CustomerPart;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The daily care scans, set-based, in one transaction per rule (or per part of the customers, when
 * CareScans splits a scan to run its parts at once): the audience — each customer (not
 * deleted) with the occasion the message is for — selected into an analysed temporary table, each
 * member marked new unless its message for this occasion exists (by its dedupe key — rule × customer ×
 * occasion: the day for a birthday, the last purchase for dormancy, the period for VIP calls — so a
 * day's scan decides only the customers new to it, not everyone still dormant); then one statement
 * decides the new ones by the contact gate's SQL twin (which reads only their message history) and
 * stores them as messages (suppressed ones with their reason) with their first status — one row per
 * message: its history starts on it, and the customer's timeline reads it. Two workers running the
 * same scan at once both see a customer as new: the key's unique index lets one message in (the other
 * statement fails and runs again).
 * `matched` is the whole audience. Messages are rendered from the rule's template when they are sent.
 */
@Injectable()
export class CareScansRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Whether the customer has bought anything (not refunded): product information before a first purchase is moot after it. */
  async hasBought(customerId: string): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT ${customerPurchasesSql('$1::uuid', 'last')} IS NOT NULL AS bought`,
      [customerId],
    );
    return row.bought;
  }

  async scan(rule: RuleRow, target: ScanTarget): Promise<{ matched: number; created: number }> {
    // The audience's statement: $1 the rule; the day only where the audience names it (an unused
    // parameter has no type, and Postgres refuses the statement).
    const params: unknown[] = [rule.id];
    const param = (value: unknown) => `$${params.push(value)}`;
    // The audience: `customer_id` and `occasion` (text, the dedupe key's last part).
    const inPart = (customerId: string) => customerInPartSql(customerId, target.part);
    let audience: string;
    switch (target.audience) {
      case 'birthday': {
        const day = `${param(target.day)}::date`;
        audience = `SELECT b.id AS customer_id, ${day}::text AS occasion FROM (${customersWithBirthdayOnSql(day)}) b WHERE ${inPart('b.id')}`;
        break;
      }
      case 'dormant':
        // One pass over the purchases grouped by customer, not a lookup of each customer's last purchase.
        audience = `SELECT l.customer_id, l.last_purchase_at::text AS occasion
                      FROM (${customersLastPurchaseSql(target.part)}) l JOIN (${customerIdsWhereSql(inPart('c.id'))}) live ON live.id = l.customer_id
                     WHERE l.last_purchase_at <= ${param(target.day)}::date - make_interval(days => ${param(rule.delayDays)}::int)`;
        break;
      case 'vip':
        audience = `SELECT c.id AS customer_id, 'p' || ${param(target.period)}::text AS occasion
                      FROM (${customerIdsWhereSql(`${customerInTierSql('c.id', `${param(target.topTier)}::text`)} AND ${inPart('c.id')}`)}) c`;
        break;
    }
    // Two workers running the same scan at once both see a customer as new; the dedupe key's unique
    // index refuses the second insert (or, inserting in another order, they deadlock), and that
    // transaction is run again: it then finds the message.
    // A plain insert, not ON CONFLICT DO NOTHING: the speculative insertion cost an index probe and a
    // WAL record more per message, for a race the daily job scheduler (one owner) makes rare.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.decideAndStore(rule, audience, params, target);
      } catch (error) {
        const raced = (error as { code?: string }).code === UNIQUE_VIOLATION || isRetryableTransactionError(error);
        if (attempt >= TRANSACTION_ATTEMPTS || !raced) throw error;
      }
    }
  }

  private decideAndStore(
    rule: RuleRow,
    audience: string,
    params: unknown[],
    target: ScanTarget,
  ): Promise<{ matched: number; created: number }> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(GATED_STATEMENT_SETTINGS);
      // The audience, each member with its dedupe key and whether it is new to the occasion, in a
      // temporary table that is analysed, so that the decision is planned for the real number of new
      // members (a CTE's guess was 200 whatever their number). The new members' contacts, consents and
      // message history are then read by key, not by scanning those tables: at 150,000 new of 1,000,000
      // customers the selection took 2.3 s that way against 4.2 s through scans and hash joins.
      await tx.query(
        `CREATE TEMPORARY TABLE outreach_scan_audience ON COMMIT DROP AS
         SELECT a.customer_id, a.dedupe_key,
                NOT EXISTS (SELECT 1 FROM outreach_messages x WHERE x.dedupe_key = a.dedupe_key) AS fresh
           FROM (SELECT a.customer_id, $1::text || ':' || a.customer_id || ':' || a.occasion AS dedupe_key FROM (${audience}) a) a`,
        params,
      );
      await tx.query(`ANALYZE outreach_scan_audience`);
      // $1–$4 the gate's inputs, $5 the rule, $6 its subject.
      const [row] = await tx.query(
        `WITH fresh AS MATERIALIZED (SELECT customer_id, dedupe_key FROM outreach_scan_audience WHERE fresh),
       d AS (${contactDecisionSql({
         recipients: `SELECT contact.* FROM fresh CROSS JOIN LATERAL (${customerContactOfSql(
           'fresh.customer_id',
           rule.channels.map((channel) => CONSENT_CHANNEL[channel]),
         )}) contact`,
         purpose: '$1::text',
         channels: '$2::text[]',
         contentKey: '$3::text',
         now: '$4::timestamptz',
         historyPerRecipient: true,
       })}),
       m AS (
         INSERT INTO outreach_messages (customer_id, rule_id, dedupe_key, purpose, channel, address, subject, content_key,
                                        decision, reason, status, send_at, created_status, created_reason)
         SELECT d.customer_id, $5::uuid, fresh.dedupe_key, $1::text, d.channel, d.address,
                $6::text, $3::text, d.decision, d.reason, d.status, d.send_at, d.status, d.reason
           FROM (SELECT d.*, CASE d.decision WHEN 'send' THEN 'pending' WHEN 'defer' THEN 'deferred' ELSE 'suppressed' END AS status
                   FROM d) d
           JOIN fresh ON fresh.customer_id = d.customer_id
         RETURNING id)
       SELECT (SELECT count(*) FROM outreach_scan_audience)::int AS matched, (SELECT count(*) FROM m)::int AS created`,
        [rule.purpose, rule.channels, target.contentKey, target.now, rule.id, rule.subject],
      );
      return row;
    });
  }
}
