import { Injectable } from '@nestjs/common';
import { timeOrderedId } from '../../common/ids.js';
import { DataSource } from 'typeorm';
import { auditRowsInsertSql } from '../../common/audit/audit.service.js';
import { MicroBatch } from '../../common/micro-batch.js';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import { queryPrepared } from '../../infrastructure/database/prepared-statement.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { customerOwnedBySql, timelineEntriesInsertSql } from '../customers/customers.sql.js';
import { OPEN_STATUSES, type ComplaintStatus } from './complaint-lifecycle.js';
import { ComplaintEvents, type ComplaintChange } from './complaints.events.js';
import { openProblemsDeleteSql, openProblemsInsertSql } from './open-problems.sql.js';

/**
 * A complaint as COMPLAINT_SELECT reads it, in its column order: what the API shows, and the clock
 * bookkeeping it does not (slaStartedAt, pausedAt, pausedMinutes, who filed it). Timestamps are text
 * in the API's form (api_timestamp), so JSON built by a statement and by the code look the same.
 */
export interface ComplaintRow {
  id: string;
  number: string;
  customerId: string;
  channel: string;
  category: string;
  severity: string;
  subject: string;
  description: string | null;
  purchaseId: string | null;
  serviceRequestId: string | null;
  product: string | null;
  region: string | null;
  tier: string | null;
  status: ComplaintStatus;
  receivedAt: string;
  acknowledgeBy: string;
  resolveBy: string;
  acknowledgedAt: string | null;
  assignedTo: string | null;
  escalationLevel: number;
  escalatedTo: string | null;
  rootCause: string | null;
  fiveWhys: string[];
  resolution: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  reopenedCount: number;
  acknowledgeBreachedAt: string | null;
  resolutionBreachedAt: string | null;
  satisfactionScore: number | null;
  satisfactionComment: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  slaStartedAt: string;
  pausedAt: string | null;
  pausedMinutes: number;
  createdByType: string;
  createdById: string | null;
  /** created_at as Postgres prints it, exact to the microsecond, for the keyset cursor. */
  cursorAt: string;
}

/** A complaint and which of its alarms have gone off. */
export interface ClockMarks {
  acknowledgeWarned: boolean;
  resolutionWarned: boolean;
  acknowledgeBreached: boolean;
  resolutionBreached: boolean;
}

type Field = [column: string, field: string, kind?: 'timestamp' | 'internal' | 'internal-timestamp'];

const FIELDS: Field[] = [
  ['id', 'id'],
  ['number', 'number'],
  ['customer_id', 'customerId'],
  ['channel', 'channel'],
  ['category', 'category'],
  ['severity', 'severity'],
  ['subject', 'subject'],
  ['description', 'description'],
  ['purchase_id', 'purchaseId'],
  ['service_request_id', 'serviceRequestId'],
  ['product', 'product'],
  ['region', 'region'],
  ['tier', 'tier'],
  ['status', 'status'],
  ['received_at', 'receivedAt', 'timestamp'],
  ['acknowledge_by', 'acknowledgeBy', 'timestamp'],
  ['resolve_by', 'resolveBy', 'timestamp'],
  ['acknowledged_at', 'acknowledgedAt', 'timestamp'],
  ['assigned_to', 'assignedTo'],
  ['escalation_level', 'escalationLevel'],
  ['escalated_to', 'escalatedTo'],
  ['root_cause', 'rootCause'],
  ['five_whys', 'fiveWhys'],
  ['resolution', 'resolution'],
  ['resolved_at', 'resolvedAt', 'timestamp'],
  ['closed_at', 'closedAt', 'timestamp'],
  ['reopened_count', 'reopenedCount'],
  ['acknowledge_breached_at', 'acknowledgeBreachedAt', 'timestamp'],
  ['resolution_breached_at', 'resolutionBreachedAt', 'timestamp'],
  ['satisfaction_score', 'satisfactionScore'],
  ['satisfaction_comment', 'satisfactionComment'],
  ['version', 'version'],
  ['created_at', 'createdAt', 'timestamp'],
  ['updated_at', 'updatedAt', 'timestamp'],
  ['sla_started_at', 'slaStartedAt', 'internal-timestamp'],
  ['paused_at', 'pausedAt', 'internal-timestamp'],
  ['paused_minutes', 'pausedMinutes', 'internal'],
  ['created_by_type', 'createdByType', 'internal'],
  ['created_by_id', 'createdById', 'internal'],
];

export const COMPLAINT_SELECT = [
  ...FIELDS.map(
    ([column, field, kind]) =>
      `${kind === 'timestamp' || kind === 'internal-timestamp' ? `api_timestamp(${column})` : column} AS "${field}"`,
  ),
  `created_at::text AS "cursorAt"`,
].join(', ');

/** The complaint as the API shows it, as JSON, from a row of COMPLAINT_SELECT named `shaped` (at most 50 keys per jsonb_build_object). */
const DTO_JSON = `jsonb_build_object(${FIELDS.filter(([, , kind]) => !kind?.startsWith('internal'))
  .map(([, field]) => `'${field}', shaped."${field}"`)
  .join(', ')})`;

const OPEN = `ARRAY[${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')}]::text[]`;

export interface ChangeEvent {
  change: ComplaintChange;
  summary?: string;
  details?: Record<string, unknown>;
  /** Who made the change (the system for alarms); absent when `auditedFrom` names the CTE carrying each row's actor. */
  actor?: { actorType: string; actorId: string | null; requestId: string | null };
  auditedFrom?: string;
  /** When the open problem a (re)opened complaint adds started: an SQL expression over `shaped` (default now()). */
  openSince?: string;
}

export interface NewComplaint {
  customerId: string;
  channel: string;
  category: string;
  severity: string;
  subject: string;
  description: string | null;
  purchaseId: string | null;
  serviceRequestId: string | null;
  product: string | null;
  region: string | null;
  tier: string | null;
  receivedAt: Date;
  acknowledgeBy: Date;
  resolveBy: Date;
  createdByType: string;
  createdById: string | null;
}

export interface ComplaintFilter {
  status?: string;
  customerId?: string;
  assignedTo?: string;
  category?: string;
  rootCause?: string;
  /** Only complaints of customers this salesperson owns. */
  ownedBy?: string;
}

@Injectable()
export class ComplaintsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Files the complaint with its `received` event, timeline entry, audit row and open problem, in one
   * statement. The complaints filed in the same moment share one prepared statement and one commit.
   */
  insert(complaint: NewComplaint, requestId: string | null): Promise<ComplaintRow> {
    return this.filings.call({ complaint: { ...complaint, id: timeOrderedId() }, requestId });
  }

  private readonly filings = new MicroBatch(
    async (filings: { complaint: NewComplaint & { id: string }; requestId: string | null }[]) => {
      const column = <K extends keyof (NewComplaint & { id: string })>(key: K) =>
        filings.map(({ complaint }) => complaint[key]);
      const { text, values } = this.withEvent(
        `INSERT INTO complaints (id, customer_id, channel, category, severity, subject, description, purchase_id, service_request_id, product,
           region, tier, status, received_at, sla_started_at, acknowledge_by, resolve_by, created_by_type, created_by_id)
         SELECT id, customer_id, channel, category, severity, subject, description, purchase_id, service_request_id, product,
                region, tier, 'received', received_at, received_at, acknowledge_by, resolve_by, created_by_type, created_by_id
           FROM filing
         RETURNING *`,
        [
          column('id'),
          column('customerId'),
          column('channel'),
          column('category'),
          column('severity'),
          column('subject'),
          column('description'),
          column('purchaseId'),
          column('serviceRequestId'),
          column('product'),
          column('region'),
          column('tier'),
          column('receivedAt'),
          column('acknowledgeBy'),
          column('resolveBy'),
          column('createdByType'),
          column('createdById'),
          filings.map(({ requestId }) => requestId),
        ],
        { change: 'received', auditedFrom: 'filing', openSince: `"receivedAt"::timestamptz` },
        `filing AS (
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[],
                                $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::text[],
                                $17::text[], $18::text[])
             AS filing(id, customer_id, channel, category, severity, subject, description, purchase_id, service_request_id, product,
                       region, tier, received_at, acknowledge_by, resolve_by, created_by_type, created_by_id, request_id)
         )`,
      );
      const rows = await queryPrepared<ComplaintRow>(this.dataSource, 'complaints.file', text, values);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return filings.map(({ complaint }) => byId.get(complaint.id)!);
    },
  );

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ComplaintRow | null> {
    const [row] = await tx.query(`SELECT ${COMPLAINT_SELECT} FROM complaints WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<ComplaintRow | null> {
    const [row] = await tx.query(`SELECT ${COMPLAINT_SELECT} FROM complaints WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** Which alarms of the complaint have gone off (read under the caller's lock). */
  async clockMarks(tx: Tx, id: string): Promise<ClockMarks> {
    const [marks] = await tx.query(
      `SELECT acknowledge_warned_at IS NOT NULL AS "acknowledgeWarned", resolution_warned_at IS NOT NULL AS "resolutionWarned",
              acknowledge_breached_at IS NOT NULL AS "acknowledgeBreached", resolution_breached_at IS NOT NULL AS "resolutionBreached"
         FROM complaints WHERE id = $1`,
      [id],
    );
    return marks;
  }

  /**
   * Applies column changes, bumps the version and records the change — event, timeline entry, audit
   * row, open problem added or removed — in the same statement, in the caller's transaction.
   */
  async update(tx: Tx, id: string, changes: Record<string, unknown>, event: ChangeEvent): Promise<ComplaintRow> {
    const columns = Object.keys(changes);
    const { text, values } = this.withEvent(
      `UPDATE complaints SET ${columns.map((column, index) => `${column} = $${index + 2}`).join(', ')}, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, ...columns.map((column) => changes[column])],
      event,
    );
    const [row] = await tx.query(text, values);
    return row;
  }

  /**
   * `statement` (an INSERT or UPDATE of complaints … RETURNING *) with, in the same statement, the
   * `complaint.<change>` outbox event, the customer's timeline entry (kind complaint), the audit row,
   * and the customer's open problem kept in step with the status (R-P5). Other modules' tables are
   * written through their owners' fragments.
   */
  private withEvent(
    statement: string,
    params: unknown[],
    event: ChangeEvent,
    leading?: string,
  ): { text: string; values: unknown[] } {
    const at = (offset: number) => `$${params.length + offset}`;
    const action = `'complaint.' || ${at(1)}`;
    const audit = event.auditedFrom
      ? auditRowsInsertSql({
          from: `shaped JOIN ${event.auditedFrom} source ON source.id = shaped.id`,
          actorType: 'source.created_by_type',
          actorId: 'source.created_by_id',
          action,
          entityType: `'complaint'`,
          entityId: 'shaped.id::text',
          after: DTO_JSON,
          requestId: 'source.request_id',
        })
      : auditRowsInsertSql({
          from: 'shaped',
          actorType: at(4),
          actorId: at(5),
          action,
          entityType: `'complaint'`,
          entityId: 'id::text',
          after: DTO_JSON,
          requestId: at(6),
        });
    const text = `WITH ${leading ? `${leading},` : ''} changed AS (${statement}),
       shaped AS (SELECT ${COMPLAINT_SELECT} FROM changed),
       event AS (${outboxInsertSql(ComplaintEvents[event.change], { from: 'shaped', aggregateId: 'id', payload: { complaint: DTO_JSON }, merge: `${at(3)}::jsonb` })}),
       entry AS (${timelineEntriesInsertSql({
         from: 'shaped',
         kind: 'complaint',
         customerId: '"customerId"',
         summary: `number || ' ' || subject || ': ' || ${at(2)}`,
         details: `jsonb_build_object('complaintId', id, 'number', number, 'change', ${at(1)}::text, 'status', status) || ${at(3)}::jsonb`,
       })}),
       audit AS (${audit}),
       opened AS (${openProblemsInsertSql({ from: 'shaped', kind: 'complaint', customerId: '"customerId"', sourceId: 'id', since: event.openSince ?? 'now()', where: `status = ANY (${OPEN})` })}),
       solved AS (${openProblemsDeleteSql({ from: 'shaped', kind: 'complaint', customerId: 'shaped."customerId"', sourceId: 'shaped.id', where: `NOT (shaped.status = ANY (${OPEN}))` })})
       SELECT * FROM shaped`;
    const values = [
      ...params,
      event.change,
      event.summary ?? event.change.replaceAll('_', ' '),
      JSON.stringify(event.details ?? {}),
      ...(event.auditedFrom
        ? []
        : [event.actor?.actorType ?? 'system', event.actor?.actorId ?? null, event.actor?.requestId ?? null]),
    ];
    return { text, values };
  }

  list(filter: ComplaintFilter, after: KeysetPosition | null, limit: number): Promise<ComplaintRow[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.customerId) where.push(`customer_id = $${params.push(filter.customerId)}`);
    if (filter.assignedTo) where.push(`assigned_to = $${params.push(filter.assignedTo)}`);
    if (filter.category) where.push(`category = $${params.push(filter.category)}`);
    if (filter.rootCause) where.push(`root_cause = $${params.push(filter.rootCause)}`);
    if (filter.ownedBy)
      where.push(customerOwnedBySql('complaints.customer_id', `$${params.push(filter.ownedBy)}::uuid`));
    if (after)
      where.push(`(created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${COMPLAINT_SELECT} FROM complaints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
  }

  /** Complaints with a clock still running, after `afterId` in id order, with their alarm marks: what the alarm sweep rebuilds from. */
  async withRunningClocks(afterId: string | null, limit: number): Promise<(ComplaintRow & ClockMarks)[]> {
    return this.dataSource.query(
      `SELECT ${COMPLAINT_SELECT},
              acknowledge_warned_at IS NOT NULL AS "acknowledgeWarned", resolution_warned_at IS NOT NULL AS "resolutionWarned",
              acknowledge_breached_at IS NOT NULL AS "acknowledgeBreached", resolution_breached_at IS NOT NULL AS "resolutionBreached"
         FROM complaints
        WHERE status IN ('received', 'acknowledged', 'investigating') AND ($1::uuid IS NULL OR id > $1::uuid)
        ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }
}
