import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  customerContactsSql,
  customerPurchasesSql,
  customersWithBirthdayOnSql,
  timelineEntriesInsertSql,
} from '../customers/customers.sql.js';
import { customerInTierSql } from '../loyalty/loyalty.sql.js';
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
}

/**
 * The daily care scans as one statement per rule: the audience selected set-based, decided by the
 * contact gate's SQL twin, stored as messages (suppressed ones with their reason) with their first
 * status and a timeline entry. The dedupe key — rule × customer × day (birthday), × last purchase
 * (dormant: once per dormancy), × period (VIP) — makes a rerun, or two workers running the same scan,
 * create nothing twice. Messages are rendered from the rule's template when they are sent.
 */
@Injectable()
export class CareScansRepository {
  constructor(private readonly dataSource: DataSource) {}

  async scan(rule: RuleRow, target: ScanTarget): Promise<{ matched: number; created: number }> {
    // $1–$4 the gate's inputs, $5 the rule; the day only where the audience names it (an unused
    // parameter has no type, and Postgres refuses the statement).
    const params: unknown[] = [rule.purpose, rule.channels, target.contentKey, target.now, rule.id];
    const param = (value: unknown) => `$${params.push(value)}`;
    let audience: string;
    let dedupe: string;
    switch (target.audience) {
      case 'birthday': {
        const day = `${param(target.day)}::date`;
        audience = `c.id IN (${customersWithBirthdayOnSql(day)})`;
        dedupe = `$5 || ':' || d.customer_id || ':' || ${day}::text`;
        break;
      }
      case 'dormant':
        audience = `${customerPurchasesSql('c.id', 'last')} <= ${param(target.day)}::date - make_interval(days => ${param(rule.delayDays)}::int)`;
        dedupe = `$5 || ':' || d.customer_id || ':' || ${customerPurchasesSql('d.customer_id', 'last')}::text`;
        break;
      case 'vip':
        audience = customerInTierSql('c.id', `${param(target.topTier)}::text`);
        dedupe = `$5 || ':' || d.customer_id || ':p' || ${param(target.period)}::text`;
        break;
    }
    return this.dataSource.transaction(async (tx) => {
      await tx.query(GATED_STATEMENT_SETTINGS);
      const [row] = await tx.query(
        `WITH d AS (${contactDecisionSql({
          recipients: customerContactsSql(audience),
          purpose: '$1::text',
          channels: '$2::text[]',
          contentKey: '$3::text',
          now: '$4::timestamptz',
        })}),
       m AS (
         INSERT INTO outreach_messages (customer_id, rule_id, dedupe_key, purpose, channel, address, subject, content_key,
                                        decision, reason, status, send_at)
         SELECT d.customer_id, $5::uuid, ${dedupe}, $1::text, d.channel, d.address, ${param(rule.subject)}::text, $3::text,
                d.decision, d.reason,
                CASE d.decision WHEN 'send' THEN 'pending' WHEN 'defer' THEN 'deferred' ELSE 'suppressed' END, d.send_at
           FROM d
         ON CONFLICT (dedupe_key) DO NOTHING
         RETURNING id, customer_id, purpose, channel, status, reason),
       e AS (INSERT INTO outreach_message_events (message_id, status, detail) SELECT id, status, reason FROM m),
       t AS (${timelineEntriesInsertSql({
         from: 'm',
         kind: 'message',
         customerId: 'm.customer_id',
         summary: `${param(rule.name)}::text || ' · ' || coalesce(m.channel, '-') || ' · ' || m.status || coalesce(' (' || m.reason || ')', '')`,
         details: `jsonb_build_object('messageId', m.id, 'purpose', m.purpose, 'channel', m.channel, 'status', m.status, 'reason', m.reason)`,
       })})
       SELECT (SELECT count(*) FROM d)::int AS matched, (SELECT count(*) FROM m)::int AS created`,
        params,
      );
      return row;
    });
  }
}
