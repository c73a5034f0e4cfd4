import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isTimeZone } from '../../common/time/zoned-time.js';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { customerContactsSql } from '../customers/customers.sql.js';
import { customerPointsBalanceSql, customerTierSql } from '../loyalty/loyalty.sql.js';
import type { ContactDecision, MessageChannel, PastMessage, Purpose, Recipient } from './contact-gate.js';
import { customerHasOpenProblemSql } from './open-problems.js';

export const MESSAGE_STATUSES = [
  'suppressed',
  'pending',
  'deferred',
  'queued',
  'sent',
  'delivered',
  'failed',
  'opened',
  'clicked',
  'responded',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface MessageRow {
  id: string;
  customerId: string;
  ruleId: string | null;
  campaignId: string | null;
  purpose: Purpose;
  channel: MessageChannel | null;
  address: string | null;
  subject: string;
  body: string;
  contentKey: string;
  decision: ContactDecision['decision'];
  reason: string | null;
  status: MessageStatus;
  sendAt: Date;
  providerMessageId: string | null;
  taskId: string | null;
  attempts: number;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

export interface MessageEventRow {
  status: string;
  detail: string | null;
  occurredAt: Date;
}

/** A recipient's contact row (customers' contacts fragment) with what templates greet them by. */
export interface ContactRow {
  customerId: string;
  name: string;
  gender: string | null;
  email: string | null;
  mobile: string | null;
  phone: string | null;
  wechat: string | null;
  ownerId: string | null;
  marketingOptOut: boolean;
  timeZone: string | null;
  consents: Record<string, boolean>;
  hasOpenProblem: boolean;
  tier: string | null;
  points: number;
}

export interface NewMessage {
  customerId: string;
  ruleId?: string | null;
  campaignId?: string | null;
  dedupeKey?: string | null;
  purpose: Purpose;
  subject: string;
  body: string;
  contentKey: string;
  /** What the message is about on the customer's timeline (the rule's, campaign's or survey's name). */
  title: string;
}

export const MESSAGE_SELECT = `id, customer_id AS "customerId", rule_id AS "ruleId", campaign_id AS "campaignId", purpose,
  channel, address, subject, body, content_key AS "contentKey", decision, reason, status, send_at AS "sendAt",
  provider_message_id AS "providerMessageId", task_id AS "taskId", attempts, error, created_at AS "createdAt",
  updated_at AS "updatedAt", created_at::text AS "cursorAt"`;

/** A contact row (ContactRow) over the customers module's contacts fragment, aliased `r`. */
const CONTACT_SELECT = `r.customer_id AS "customerId", r.name, r.gender, r.email, r.mobile, r.phone, r.wechat, r.owner_id AS "ownerId",
  r.marketing_opt_out AS "marketingOptOut", r.time_zone AS "timeZone", r.consents,
  ${customerHasOpenProblemSql('r.customer_id')} AS "hasOpenProblem",
  ${customerTierSql('r.customer_id')} AS tier, ${customerPointsBalanceSql('r.customer_id')}::float8 AS points`;

/** A queued message as its send job reads it: with the template it is rendered from and the customer's contact now. */
export interface SendingRow {
  id: string;
  customerId: string;
  purpose: Purpose;
  channel: Exclude<MessageChannel, 'phone'>;
  address: string | null;
  subject: string;
  body: string;
  contentKey: string;
  /** The rule's or campaign's template, for a message stored without its text (decided set-based). */
  template: { subject: string; body: string } | null;
  /** Null when the customer is gone (deleted). */
  contact: ContactRow | null;
}

/** What became of a queued message: handed to its channel, refused, or held back by the gate's second look. */
export type SendOutcome =
  | { id: string; status: 'sent'; providerMessageId: string | null; address: string; subject: string; body: string }
  | { id: string; status: 'failed'; error: string }
  | { id: string; status: 'suppressed'; reason: string }
  | { id: string; status: 'deferred'; reason: string; sendAt: Date };

/** Status as the decision leaves it. */
export function initialStatus(decision: ContactDecision['decision']): MessageStatus {
  return decision === 'send' ? 'pending' : decision === 'defer' ? 'deferred' : 'suppressed';
}

/** Messages, their status history and the reads the contact gate needs. */
@Injectable()
export class OutreachMessagesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The customer's contact row, or null when there is no such customer (deleted ones included). */
  async contact(customerId: string, tx: Tx = this.dataSource.manager): Promise<ContactRow | null> {
    const [row] = await tx.query(`SELECT ${CONTACT_SELECT} FROM (${customerContactsSql('c.id = $1')}) r`, [customerId]);
    return row ?? null;
  }

  /** The messages that count for caps and duplicates (not suppressed, not failed) since `since`. */
  async recent(customerId: string, since: Date, tx: Tx = this.dataSource.manager): Promise<PastMessage[]> {
    const rows: { purpose: Purpose; contentKey: string; sendAt: Date }[] = await tx.query(
      `SELECT purpose, content_key AS "contentKey", send_at AS "sendAt" FROM outreach_messages
        WHERE customer_id = $1 AND decision <> 'suppress' AND status <> 'failed' AND send_at > $2`,
      [customerId, since],
    );
    return rows;
  }

  /** Serialises decisions for one customer, so two messages decided at once cannot both slip under a cap. */
  async lockCustomer(tx: Tx, customerId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('outreach:' || $1, 0))`, [customerId]);
  }

  /**
   * Stores the message with the gate's decision and its first status (`created_status`, the first
   * line of its history) in one statement; null when a message with the same dedupe key exists (the
   * rule already fired for this source). It is on the customer's timeline through the messages
   * themselves (outreach-timeline.sql.ts), under its title.
   */
  async insert(tx: Tx, message: NewMessage, decision: ContactDecision): Promise<MessageRow | null> {
    const status = initialStatus(decision.decision);
    const [row] = await tx.query(
      `INSERT INTO outreach_messages (customer_id, rule_id, campaign_id, dedupe_key, purpose, channel, address, subject,
                                      body, content_key, decision, reason, status, send_at, title, created_status, created_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $13, $12)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING ${MESSAGE_SELECT}`,
      [
        message.customerId,
        message.ruleId ?? null,
        message.campaignId ?? null,
        message.dedupeKey ?? null,
        message.purpose,
        decision.channel,
        decision.address,
        message.subject,
        message.body,
        message.contentKey,
        decision.decision,
        decision.reason,
        status,
        decision.sendAt,
        message.title,
      ],
    );
    return row ?? null;
  }

  /** Due messages, oldest first, locked for this transaction; rows other dispatchers hold are skipped. */
  async claimDue(
    tx: Tx,
    limit: number,
  ): Promise<
    {
      id: string;
      customerId: string;
      channel: MessageChannel;
      purpose: Purpose;
      subject: string;
      body: string;
      ruleId: string | null;
      campaignId: string | null;
      ownerId: string | null;
    }[]
  > {
    return tx.query(
      `WITH due AS (
         SELECT id, customer_id, channel, purpose, subject, body, rule_id, campaign_id FROM outreach_messages
          WHERE status IN ('pending', 'deferred') AND send_at <= now()
          ORDER BY send_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       SELECT due.id, due.customer_id AS "customerId", due.channel, due.purpose, due.subject, due.body,
              due.rule_id AS "ruleId", due.campaign_id AS "campaignId", owner.owner_id AS "ownerId"
         FROM due LEFT JOIN LATERAL (
           SELECT r.owner_id FROM (${customerContactsSql('c.id = due.customer_id')}) r WHERE due.channel = 'phone') owner ON true`,
      [limit],
    );
  }

  /**
   * Marks the messages queued for their send job (`send_job`: a job per batch of one channel), with
   * a history row each. The job sends only the messages that still name it, so a job added by a
   * dispatch whose transaction rolled back cannot send what a later dispatch queued for another job.
   */
  async markQueued(tx: Tx, batches: { jobId: string; ids: string[] }[]): Promise<void> {
    const ids = batches.flatMap((batch) => batch.ids);
    if (!ids.length) return;
    const jobs = batches.flatMap((batch) => batch.ids.map(() => batch.jobId));
    await tx.query(
      `WITH moved AS (
         UPDATE outreach_messages m SET status = 'queued', send_job = b.job, updated_at = now()
           FROM unnest($1::uuid[], $2::text[]) AS b(id, job) WHERE m.id = b.id RETURNING m.id)
       INSERT INTO outreach_message_events (message_id, status) SELECT id, 'queued' FROM moved`,
      [ids, jobs],
    );
  }

  /**
   * Messages queued longer than `olderThanMs` ago, with the id of the job they were handed to: re-adding
   * that job is a no-op while it exists, and recreates it when the queue lost it (Redis lost its data).
   * A message queued before send jobs took batches (no `send_job`) answers its old job id,
   * `<message id>.<queued event id>`.
   */
  async staleQueued(
    olderThanMs: number,
    limit: number,
  ): Promise<{ id: string; channel: Exclude<MessageChannel, 'phone'>; jobId: string }[]> {
    return this.dataSource.query(
      `SELECT m.id, m.channel,
              coalesce(m.send_job, m.id::text || '.' || (SELECT e.id FROM outreach_message_events e
                                                         WHERE e.message_id = m.id AND e.status = 'queued'
                                                         ORDER BY e.id DESC LIMIT 1)::text) AS "jobId"
         FROM outreach_messages m
        WHERE m.status = 'queued' AND m.updated_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY m.updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
  }

  async findById(id: string, tx: Tx = this.dataSource.manager): Promise<MessageRow | null> {
    const [row] = await tx.query(`SELECT ${MESSAGE_SELECT} FROM outreach_messages WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<MessageRow | null> {
    const [row] = await tx.query(`SELECT ${MESSAGE_SELECT} FROM outreach_messages WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /**
   * The send job's messages that are still queued for it, each with its template and the customer's
   * contact now, in one statement. The rows are read with a lock (in id order, so two readers cannot
   * deadlock) that ends with the statement: the dispatcher adds the job before its transaction commits
   * and holds the rows until then, so this read waits for that commit and sees them `queued` (a plain
   * read could still see them `pending` and leave them queued for ever). Their status is checked on
   * the locked rows, not in the locking scan's filter, which would judge the version before the wait.
   */
  async readQueuedForSending(jobId: string, ids: string[]): Promise<SendingRow[]> {
    return this.dataSource.query(
      `WITH m AS (
         SELECT id, customer_id, rule_id, campaign_id, purpose, channel, address, subject, body, content_key, status, send_job
           FROM outreach_messages WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
       SELECT m.id, m.customer_id AS "customerId", m.purpose, m.channel, m.address, m.subject, m.body,
              m.content_key AS "contentKey",
              CASE WHEN rule.id IS NOT NULL THEN jsonb_build_object('subject', rule.subject, 'body', rule.body)
                   WHEN campaign.id IS NOT NULL THEN jsonb_build_object('subject', campaign.subject, 'body', campaign.body)
              END AS template,
              CASE WHEN contact."customerId" IS NOT NULL THEN to_jsonb(contact) END AS contact
         FROM m
         LEFT JOIN outreach_rules rule ON rule.id = m.rule_id
         LEFT JOIN campaigns campaign ON campaign.id = m.campaign_id
         LEFT JOIN LATERAL (SELECT ${CONTACT_SELECT} FROM (${customerContactsSql('c.id = m.customer_id')}) r) contact ON true
        WHERE m.status = 'queued' AND m.channel IN ('email', 'sms', 'wechat') AND (m.send_job = $2 OR m.send_job IS NULL)`,
      [ids, jobId],
    );
  }

  /**
   * Records what became of a send job's messages, with a history row each, in one statement; only
   * messages still `queued` for this job move (a rerun of the job changes nothing twice). Answers the
   * ids that moved. A message the gate now holds back is suppressed or deferred with its reason.
   */
  async recordOutcomes(jobId: string, outcomes: SendOutcome[]): Promise<string[]> {
    if (!outcomes.length) return [];
    const column = <T>(pick: (outcome: SendOutcome) => T | undefined) => outcomes.map((each) => pick(each) ?? null);
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH o AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
                AS o(id, status, provider_message_id, address, subject, body, error, reason, send_at)),
       moved AS (
         UPDATE outreach_messages m
            SET status = o.status, updated_at = now(),
                attempts = m.attempts + CASE WHEN o.status IN ('sent', 'failed') THEN 1 ELSE 0 END,
                provider_message_id = coalesce(o.provider_message_id, m.provider_message_id),
                address = coalesce(o.address, m.address), subject = coalesce(o.subject, m.subject),
                body = coalesce(o.body, m.body), error = coalesce(o.error, m.error),
                decision = CASE o.status WHEN 'suppressed' THEN 'suppress' WHEN 'deferred' THEN 'defer' ELSE m.decision END,
                reason = CASE WHEN o.status IN ('suppressed', 'deferred') THEN o.reason ELSE m.reason END,
                send_at = coalesce(o.send_at, m.send_at),
                send_job = CASE WHEN o.status = 'deferred' THEN NULL ELSE m.send_job END
           FROM o
          WHERE m.id = o.id AND m.status = 'queued' AND (m.send_job = $1 OR m.send_job IS NULL)
          RETURNING m.id, o.status, coalesce(o.error, o.reason) AS detail)
       INSERT INTO outreach_message_events (message_id, status, detail) SELECT id, status, detail FROM moved
       RETURNING message_id AS id`,
      [
        jobId,
        column((each) => each.id),
        column((each) => each.status),
        column((each) => (each.status === 'sent' ? each.providerMessageId : null)),
        column((each) => (each.status === 'sent' ? each.address : null)),
        column((each) => (each.status === 'sent' ? each.subject : null)),
        column((each) => (each.status === 'sent' ? each.body : null)),
        column((each) => (each.status === 'failed' ? each.error.slice(0, 1000) : null)),
        column((each) => (each.status === 'suppressed' || each.status === 'deferred' ? each.reason : null)),
        column((each) => (each.status === 'deferred' ? each.sendAt : null)),
      ],
    );
    return rows.map((row) => row.id);
  }

  /**
   * The message's status history, oldest first: its first status, stored on the message when it was
   * decided (`created_status`, `created_reason`, at `created_at`), then every change after it. A
   * message decided before the first status moved onto the message has it as its first history row.
   */
  async history(id: string): Promise<MessageEventRow[]> {
    return this.dataSource.query(
      `SELECT status, detail, "occurredAt" FROM (
         SELECT created_status AS status, created_reason AS detail, created_at AS "occurredAt", 0::bigint AS seq
           FROM outreach_messages WHERE id = $1 AND created_status IS NOT NULL
         UNION ALL
         SELECT status, detail, occurred_at, id FROM outreach_message_events WHERE message_id = $1) history
        ORDER BY seq`,
      [id],
    );
  }

  /**
   * Moves the message to `status` with a history row. With `reportId` (a provider's delivery report)
   * the change is applied once: a report already recorded changes nothing and answers false.
   */
  async setStatus(
    tx: Tx,
    id: string,
    status: MessageStatus,
    change: { detail?: string | null; reportId?: string | null; columns?: Record<string, unknown> } = {},
  ): Promise<boolean> {
    if (change.reportId) {
      const inserted = await tx.query(
        `INSERT INTO outreach_message_events (message_id, status, detail, report_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (message_id, report_id) WHERE report_id IS NOT NULL DO NOTHING RETURNING id`,
        [id, status, change.detail ?? null, change.reportId],
      );
      if (inserted.length === 0) return false;
    } else {
      await tx.query(`INSERT INTO outreach_message_events (message_id, status, detail) VALUES ($1, $2, $3)`, [
        id,
        status,
        change.detail ?? null,
      ]);
    }
    const columns = change.columns ?? {};
    const names = Object.keys(columns);
    await tx.query(
      `UPDATE outreach_messages SET status = $2, updated_at = now()${names.map((name, i) => `, ${name} = $${i + 3}`).join('')} WHERE id = $1`,
      [id, status, ...names.map((name) => columns[name])],
    );
    return true;
  }

  async list(
    filters: { customerId?: string; ruleId?: string; campaignId?: string; status?: string },
    after: KeysetPosition | null,
    limit: number,
  ): Promise<MessageRow[]> {
    const params: unknown[] = [];
    const where = ['true'];
    const add = (column: string, value: string | undefined) => {
      if (value !== undefined) where.push(`${column} = $${params.push(value)}`);
    };
    add('customer_id', filters.customerId);
    add('rule_id', filters.ruleId);
    add('campaign_id', filters.campaignId);
    add('status', filters.status);
    if (after)
      where.push(`(created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${MESSAGE_SELECT} FROM outreach_messages WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }
}

/** The gate's view of a recipient, from their contact row and recent messages. */
export function toRecipient(contact: ContactRow, recent: PastMessage[]): Recipient {
  return {
    consents: contact.consents,
    marketingOptOut: contact.marketingOptOut,
    addresses: { email: contact.email, sms: contact.mobile, wechat: contact.wechat, phone: contact.phone },
    timeZone: contact.timeZone && isTimeZone(contact.timeZone) ? contact.timeZone : null,
    hasOpenProblem: contact.hasOpenProblem,
    recent,
  };
}
