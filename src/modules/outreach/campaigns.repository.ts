import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { customerContactsSql, customerIdsWhereSql, customerPurchasesBetweenSql } from '../customers/customers.sql.js';
import { leadsFromCampaignSql } from '../sales/sales.sql.js';
import { CONSENT_CHANNEL, type MessageChannel, type Purpose } from './contact-gate.js';
import { contactDecisionSql, GATED_STATEMENT_SETTINGS } from './contact-gate.sql.js';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'launched', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** The last customer of a launch's control group in its ranking (controlRankSql, then the id). */
export interface ControlCut {
  /** The rank: a bigint, as text. */
  rank: string;
  customerId: string;
}

/** SQL: a customer's rank for a campaign's control group — a hash of both, so stable and not the segment's order. */
function controlRankSql(customerId: string, campaignId: string): string {
  return `hashtextextended(${customerId}::text || ${campaignId}::text, 0)`;
}

export interface CampaignRow {
  id: string;
  name: string;
  segmentId: string;
  purpose: Purpose;
  channels: MessageChannel[];
  subject: string;
  body: string;
  scheduledAt: Date | null;
  budget: string | null;
  cost: string;
  attributionDays: number;
  controlPercent: number;
  status: CampaignStatus;
  launchedAt: Date | null;
  audience: number | null;
  heldOut: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

export interface CampaignStatsRow {
  audience: number;
  heldOut: number;
  suppressed: Record<string, number>;
  waiting: number;
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  responded: number;
  leads: number;
  purchasers: number;
  purchases: number;
  revenue: string;
  controlPurchasers: number;
  controlPurchases: number;
  controlRevenue: string;
}

const CAMPAIGN_SELECT = `id, name, segment_id AS "segmentId", purpose, channels, subject, body, scheduled_at AS "scheduledAt",
  budget::text AS budget, cost::text AS cost, attribution_days AS "attributionDays", control_percent AS "controlPercent",
  status, launched_at AS "launchedAt", audience, held_out AS "heldOut", version, created_at AS "createdAt",
  updated_at AS "updatedAt", created_at::text AS "cursorAt"`;

export const CAMPAIGN_COLUMNS = {
  name: 'name',
  segmentId: 'segment_id',
  purpose: 'purpose',
  channels: 'channels',
  subject: 'subject',
  body: 'body',
  scheduledAt: 'scheduled_at',
  budget: 'budget',
  cost: 'cost',
  attributionDays: 'attribution_days',
  controlPercent: 'control_percent',
} as const;

/** Columns only the launch writes. */
const LAUNCH_COLUMNS = {
  status: 'status',
  launchedAt: 'launched_at',
  audience: 'audience',
  heldOut: 'held_out',
} as const;

/** A message has reached a stage when its status is that stage or a later one (statuses only move forward). */
const REACHED = {
  sent: `('sent', 'delivered', 'opened', 'clicked', 'responded')`,
  delivered: `('delivered', 'opened', 'clicked', 'responded')`,
  opened: `('opened', 'clicked', 'responded')`,
  clicked: `('clicked', 'responded')`,
};

@Injectable()
export class CampaignsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    values: Partial<Record<keyof typeof CAMPAIGN_COLUMNS, unknown>>,
    createdBy: string | null,
  ): Promise<CampaignRow> {
    const names = Object.keys(values) as (keyof typeof CAMPAIGN_COLUMNS)[];
    const params = [...names.map((name) => values[name]), createdBy];
    const [row] = await tx.query(
      `INSERT INTO campaigns (${names.map((name) => CAMPAIGN_COLUMNS[name]).join(', ')}, created_by)
       VALUES (${params.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${CAMPAIGN_SELECT}`,
      params,
    );
    return row;
  }

  async update(
    tx: Tx,
    id: string,
    values: Partial<Record<keyof typeof CAMPAIGN_COLUMNS | keyof typeof LAUNCH_COLUMNS, unknown>>,
  ): Promise<CampaignRow> {
    const params: unknown[] = [id];
    const sets = ['version = version + 1', 'updated_at = now()'];
    const columns: Record<string, string> = { ...CAMPAIGN_COLUMNS, ...LAUNCH_COLUMNS };
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      const column = columns[name];
      sets.push(`${column} = $${params.push(value)}`);
    }
    const [rows] = await tx.query(
      `UPDATE campaigns SET ${sets.join(', ')} WHERE id = $1 RETURNING ${CAMPAIGN_SELECT}`,
      params,
    );
    return rows[0];
  }

  async findById(id: string, tx: Tx = this.dataSource.manager): Promise<CampaignRow | null> {
    const [row] = await tx.query(`SELECT ${CAMPAIGN_SELECT} FROM campaigns WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<CampaignRow | null> {
    const [row] = await tx.query(`SELECT ${CAMPAIGN_SELECT} FROM campaigns WHERE id = $1 FOR NO KEY UPDATE`, [id]);
    return row ?? null;
  }

  async list(after: KeysetPosition | null, limit: number): Promise<CampaignRow[]> {
    const params: unknown[] = [];
    const where = after
      ? `WHERE (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${CAMPAIGN_SELECT} FROM campaigns ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }

  /** Scheduled campaigns whose time came more than `graceMs` ago: their launch job may have been lost. */
  async overdueScheduled(graceMs: number): Promise<{ id: string; version: number }[]> {
    return this.dataSource.query(
      `SELECT id, version FROM campaigns
        WHERE status = 'scheduled' AND coalesce(scheduled_at, updated_at) < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY scheduled_at LIMIT 100`,
      [graceMs],
    );
  }

  /**
   * The control group's cut (R-O4): of the segment's customers (`segmentCondition`, over the customer
   * row `c`), ranked by a hash of customer and campaign (stable, and not the segment's order), the
   * last of the first floor(n × percent / 100) — the group is everyone ranked up to it, so the parts
   * of a launch hold out exactly that many between them. Null when nobody is held out.
   */
  async controlCut(
    tx: Tx,
    campaign: CampaignRow,
    segmentCondition: string,
    segmentParams: unknown[],
  ): Promise<ControlCut | null> {
    const params = [...segmentParams];
    const param = (value: unknown) => `$${params.push(value)}`;
    const [row] = await tx.query(
      `WITH a AS MATERIALIZED (
         SELECT ${controlRankSql('c.id', param(campaign.id))} AS rank, c.id FROM (${customerIdsWhereSql(segmentCondition)}) c),
       k AS (SELECT floor(count(*) * ${param(campaign.controlPercent)}::int / 100.0)::int AS held FROM a)
       SELECT a.rank::text AS rank, a.id AS "customerId"
         FROM a, k WHERE k.held > 0 ORDER BY a.rank, a.id OFFSET (SELECT held - 1 FROM k) LIMIT 1`,
      params,
    );
    return row ?? null;
  }

  /**
   * One part of the launch, one statement (R-O3): the part's customers of the segment (`condition`,
   * over the customer row `c`, with its parameters) selected set-based; those ranked up to the control
   * group's cut held out; the rest decided by the contact gate's SQL twin — consent and opt-out, open
   * problems, duplicates and caps are anti-joins over the audience, not a loop — and stored as outreach
   * messages (suppressed ones with their reason) with their first status. One row per messaged
   * member: the message is its membership of the campaign (campaign, customer), the first line of its
   * history (`created_status`) and its timeline entry (the timeline reads the messages); only the
   * control group, never messaged, is stored in campaign_control_group (campaign_recipients is the
   * view of both). A launch runs under the campaign's row lock and only while it is `scheduled`
   * (LaunchCampaign), so campaign messages need no dedupe key (its unique index entry and the
   * speculative insertion were two of the nine WAL records a message cost); `resumed` (an earlier run
   * stored some parts and failed) leaves out the customers it already messaged or held out. Contents
   * are rendered when each message is sent.
   */
  async launchPart(
    tx: Tx,
    campaign: CampaignRow,
    options: {
      condition: string;
      params: unknown[];
      controlCut: ControlCut | null;
      resumed: boolean;
      contentKey: string;
      now: Date;
    },
  ): Promise<{ messages: number; heldOut: number }> {
    const params = [...options.params];
    const param = (value: unknown) => `$${params.push(value)}`;
    const id = param(campaign.id);
    const condition = options.resumed
      ? `(${options.condition}) AND NOT EXISTS (SELECT 1 FROM campaign_recipients done WHERE done.campaign_id = ${id}::uuid AND done.customer_id = c.id)`
      : options.condition;
    const contacts = customerContactsSql(
      condition,
      campaign.channels.map((channel) => CONSENT_CHANNEL[channel]),
    );
    // With a control group the part's audience is materialised once: the gate reads its messaged
    // part, the control group's insert the rest. Without one the gate reads the segment directly.
    const cut = options.controlCut;
    const audience = cut
      ? `a AS MATERIALIZED (
           SELECT r.*, (${controlRankSql('r.customer_id', id)}, r.customer_id) <= (${param(cut.rank)}::bigint, ${param(cut.customerId)}::uuid) AS control
             FROM (${contacts}) r),`
      : '';
    const purpose = `${param(campaign.purpose)}::text`;
    await tx.query(GATED_STATEMENT_SETTINGS);
    const [row] = await tx.query(
      `WITH ${audience}
       d AS (${contactDecisionSql({
         recipients: cut ? 'SELECT * FROM a WHERE NOT a.control' : contacts,
         purpose,
         channels: `${param(campaign.channels)}::text[]`,
         contentKey: `${param(options.contentKey)}::text`,
         now: `${param(options.now)}::timestamptz`,
       })}),
       m AS (
         INSERT INTO outreach_messages (customer_id, campaign_id, purpose, channel, address, subject, content_key,
                                        decision, reason, status, send_at, created_status, created_reason)
         SELECT d.customer_id, ${id}::uuid, ${purpose}, d.channel, d.address, ${param(campaign.subject)}::text,
                ${param(options.contentKey)}::text, d.decision, d.reason, d.status, d.send_at, d.status, d.reason
           FROM (SELECT d.*, CASE d.decision WHEN 'send' THEN 'pending' WHEN 'defer' THEN 'deferred' ELSE 'suppressed' END AS status
                   FROM d) d
         RETURNING 1)
       ${
         cut
           ? `, r AS (
                INSERT INTO campaign_control_group (campaign_id, customer_id, control)
                SELECT ${id}::uuid, a.customer_id, true FROM a WHERE a.control
                ON CONFLICT DO NOTHING
                RETURNING 1)`
           : ''
       }
       SELECT (SELECT count(*) FROM m)::int AS messages, ${cut ? '(SELECT count(*) FROM r)' : '0'}::int AS "heldOut"`,
      params,
    );
    return row;
  }

  /** Whether an earlier run of the launch stored any of its messages or its control group (and then failed). */
  async launchStarted(tx: Tx, campaignId: string): Promise<boolean> {
    const [row] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM outreach_messages WHERE campaign_id = $1)
           OR EXISTS (SELECT 1 FROM campaign_control_group WHERE campaign_id = $1) AS started`,
      [campaignId],
    );
    return row.started;
  }

  /** The launch's members so far: messages (the audience decided) and the control group. */
  async launchCounts(tx: Tx, campaignId: string): Promise<{ messages: number; heldOut: number }> {
    const [row] = await tx.query(
      `SELECT (SELECT count(*) FROM outreach_messages WHERE campaign_id = $1)::int AS messages,
              (SELECT count(*) FROM campaign_control_group WHERE campaign_id = $1)::int AS "heldOut"`,
      [campaignId],
    );
    return row;
  }

  /**
   * The campaign's return (R-O4), over the audience stored at launch: the campaign's messages (one per
   * messaged member) and the control group's recipient rows. A purchase is attributed to a messaged
   * recipient when it was made within `attribution_days` after the message reached them (its delivery
   * report, else when it was sent), once per customer (a merged customer may hold the messages of both
   * records); to a member of the control group within the same window after the launch. Leads count
   * those that name the campaign.
   */
  async stats(campaign: CampaignRow): Promise<CampaignStatsRow> {
    const window = `make_interval(days => k.attribution_days)`;
    const [row] = await this.dataSource.query(
      `WITH k AS (SELECT id, attribution_days, launched_at FROM campaigns WHERE id = $1),
       rc AS (
         SELECT false AS control, m.decision, m.reason, m.status FROM outreach_messages m WHERE m.campaign_id = $1
         UNION ALL
         SELECT true, NULL, NULL, NULL FROM campaign_control_group c WHERE c.campaign_id = $1),
       bought AS (
         SELECT x.control, p.purchases, p.revenue
           FROM ((SELECT DISTINCT ON (m.customer_id) m.customer_id, false AS control, reached.at AS anchor
                   FROM outreach_messages m
                   CROSS JOIN LATERAL (
                     SELECT coalesce(min(e.occurred_at) FILTER (WHERE e.status = 'delivered'),
                                     min(e.occurred_at) FILTER (WHERE e.status = 'sent')) AS at
                       FROM outreach_message_events e WHERE e.message_id = m.id) reached
                  WHERE m.campaign_id = $1 AND reached.at IS NOT NULL
                  ORDER BY m.customer_id, reached.at)
                 UNION ALL
                 SELECT c.customer_id, true, k.launched_at
                   FROM campaign_control_group c CROSS JOIN k WHERE c.campaign_id = $1) x
           CROSS JOIN k
           CROSS JOIN LATERAL ${customerPurchasesBetweenSql('x.customer_id', 'x.anchor', `x.anchor + ${window}`)} p
          WHERE x.anchor IS NOT NULL)
       SELECT (SELECT count(*) FILTER (WHERE NOT control) FROM rc)::int AS audience,
              (SELECT count(*) FILTER (WHERE control) FROM rc)::int AS "heldOut",
              (SELECT coalesce(jsonb_object_agg(reason, n), '{}'::jsonb)
                 FROM (SELECT reason, count(*)::int AS n FROM rc WHERE decision = 'suppress' GROUP BY reason) s) AS suppressed,
              (SELECT count(*) FROM rc WHERE status IN ('pending', 'deferred', 'queued'))::int AS waiting,
              (SELECT count(*) FROM rc WHERE status IN ${REACHED.sent})::int AS sent,
              (SELECT count(*) FROM rc WHERE status IN ${REACHED.delivered})::int AS delivered,
              (SELECT count(*) FROM rc WHERE status = 'failed')::int AS failed,
              (SELECT count(*) FROM rc WHERE status IN ${REACHED.opened})::int AS opened,
              (SELECT count(*) FROM rc WHERE status IN ${REACHED.clicked})::int AS clicked,
              (SELECT count(*) FROM rc WHERE status = 'responded')::int AS responded,
              ${leadsFromCampaignSql('$1')} AS leads,
              (SELECT count(*) FILTER (WHERE purchases > 0) FROM bought WHERE NOT control)::int AS purchasers,
              (SELECT coalesce(sum(purchases), 0) FROM bought WHERE NOT control)::int AS purchases,
              (SELECT coalesce(sum(revenue), 0) FROM bought WHERE NOT control)::numeric(16, 2)::text AS revenue,
              (SELECT count(*) FILTER (WHERE purchases > 0) FROM bought WHERE control)::int AS "controlPurchasers",
              (SELECT coalesce(sum(purchases), 0) FROM bought WHERE control)::int AS "controlPurchases",
              (SELECT coalesce(sum(revenue), 0) FROM bought WHERE control)::numeric(16, 2)::text AS "controlRevenue"`,
      [campaign.id],
    );
    return row;
  }
}
