import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import { timeOrderedId } from '../../common/ids.js';
import { MicroBatch } from '../../common/micro-batch.js';
import { queryPrepared } from '../../infrastructure/database/prepared-statement.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { auditRowsInsertSql } from '../../common/audit/audit.service.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { timelineEntriesInsertSql } from '../customers/customers.sql.js';
import { OPEN_WORK, ServiceRequestStatus } from './service-request-lifecycle.js';
import { ServiceRequestEvents, type ServiceRequestChange } from './service-requests.events.js';

/**
 * A request as REQUEST_SELECT reads it, in its column order: what the API shows, and the clock
 * bookkeeping it does not (slaStartedAt, pausedAt, pausedMinutes). Timestamps are text already in the
 * API's form (api_timestamp), so that JSON built by a statement and by the code look the same.
 */
export interface ServiceRequestRow {
  id: string;
  number: string;
  customerId: string;
  purchaseId: string | null;
  channel: string;
  type: string;
  severity: string;
  subject: string;
  description: string | null;
  requiredSkill: string | null;
  region: string | null;
  address: string | null;
  status: ServiceRequestStatus;
  tier: string | null;
  receivedAt: string;
  slaStartedAt: string;
  respondBy: string;
  resolveBy: string;
  escalationLevel: number;
  assignedTo: string | null;
  assignedAt: string | null;
  firstResponseAt: string | null;
  pausedAt: string | null;
  pausedMinutes: number;
  resolvedAt: string | null;
  resolution: string | null;
  closedAt: string | null;
  reopenedCount: number;
  responseBreachedAt: string | null;
  resolutionBreachedAt: string | null;
  satisfactionScore: number | null;
  satisfactionComment: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** created_at as Postgres prints it, exact to the microsecond, for the keyset cursor. */
  cursorAt: string;
}

/** A request and which of its SLA alarms have gone off. */
export interface ClockedRequestRow extends ServiceRequestRow {
  responseWarned: boolean;
  resolutionWarned: boolean;
}

const FIELDS: [column: string, field: string, kind?: 'timestamp'][] = [
  ['id', 'id'],
  ['number', 'number'],
  ['customer_id', 'customerId'],
  ['purchase_id', 'purchaseId'],
  ['channel', 'channel'],
  ['type', 'type'],
  ['severity', 'severity'],
  ['subject', 'subject'],
  ['description', 'description'],
  ['required_skill', 'requiredSkill'],
  ['region', 'region'],
  ['address', 'address'],
  ['status', 'status'],
  ['tier', 'tier'],
  ['received_at', 'receivedAt', 'timestamp'],
  ['sla_started_at', 'slaStartedAt', 'timestamp'],
  ['respond_by', 'respondBy', 'timestamp'],
  ['resolve_by', 'resolveBy', 'timestamp'],
  ['escalation_level', 'escalationLevel'],
  ['assigned_to', 'assignedTo'],
  ['assigned_at', 'assignedAt', 'timestamp'],
  ['first_response_at', 'firstResponseAt', 'timestamp'],
  ['paused_at', 'pausedAt', 'timestamp'],
  ['paused_minutes', 'pausedMinutes'],
  ['resolved_at', 'resolvedAt', 'timestamp'],
  ['resolution', 'resolution'],
  ['closed_at', 'closedAt', 'timestamp'],
  ['reopened_count', 'reopenedCount'],
  ['response_breached_at', 'responseBreachedAt', 'timestamp'],
  ['resolution_breached_at', 'resolutionBreachedAt', 'timestamp'],
  ['satisfaction_score', 'satisfactionScore'],
  ['satisfaction_comment', 'satisfactionComment'],
  ['version', 'version'],
  ['created_at', 'createdAt', 'timestamp'],
  ['updated_at', 'updatedAt', 'timestamp'],
];

/** Timestamps come back as the API writes them, so that JSON built by a statement and by the code look the same. */
export const REQUEST_SELECT = [
  ...FIELDS.map(
    ([column, field, kind]) => `${kind === 'timestamp' ? `api_timestamp(${column})` : column} AS "${field}"`,
  ),
  `created_at::text AS "cursorAt"`,
].join(', ');

/** Clock bookkeeping kept out of the API's view of a request. */
const INTERNAL_FIELDS = new Set(['pausedAt', 'pausedMinutes', 'slaStartedAt']);

/**
 * The request as the API shows it, as JSON, from a row of REQUEST_SELECT named `shaped` (built key by
 * key: `to_jsonb(shaped)` minus the bookkeeping copies the document once per removed key). One
 * jsonb_build_object takes at most 50 keys; past that, join two with `||`.
 */
const DTO_JSON = `jsonb_build_object(${FIELDS.filter(([, field]) => !INTERNAL_FIELDS.has(field))
  .map(([, field]) => `'${field}', shaped."${field}"`)
  .join(', ')})`;

/** The serving order; the queue index has the same columns. */
const SERVING_ORDER = 'escalation_level DESC, respond_by, received_at, id';
const QUALIFIED = `($1::text[] IS NULL OR required_skill IS NULL OR required_skill = ANY($1::text[])) AND ($2::text IS NULL OR region IS NULL OR region = $2)`;

export interface ChangeEvent {
  change: ServiceRequestChange;
  summary?: string;
  details?: Record<string, unknown>;
  audit?: { actorType: string; actorId: string | null; requestId: string | null };
  /** The leading CTE whose rows carry each audit row's actor and request id (a batch of callers). */
  auditedFrom?: string;
}

export interface NewServiceRequest {
  customerId: string;
  purchaseId: string | null;
  channel: string;
  type: string;
  severity: string;
  subject: string;
  description: string | null;
  requiredSkill: string | null;
  region: string | null;
  address: string | null;
  status: 'new' | 'queued';
  tier: string | null;
  receivedAt: Date;
  respondBy: Date;
  resolveBy: Date;
  createdByType: string;
  createdById: string | null;
}

/** What `next` may hand to a person: their skills (null: any) and region (null: every region). */
export interface Qualification {
  skills: string[] | null;
  region: string | null;
}

export interface RequestFilter {
  status?: string;
  customerId?: string;
  assignedTo?: string;
  severity?: string;
}

@Injectable()
export class ServiceRequestsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Files the request with its `created` event, timeline entry and audit row. The requests filed in
   * the same moment share one prepared statement and one commit.
   */
  insert(request: NewServiceRequest, requestId: string | null): Promise<ServiceRequestRow> {
    return this.filings.call({ request: { ...request, id: timeOrderedId() }, requestId });
  }

  private readonly filings = new MicroBatch(
    async (filings: { request: NewServiceRequest & { id: string }; requestId: string | null }[]) => {
      const column = <K extends keyof (NewServiceRequest & { id: string })>(key: K) =>
        filings.map(({ request }) => request[key]);
      const { text, values } = this.withEvent(
        `INSERT INTO service_requests (id, customer_id, purchase_id, channel, type, severity, subject, description, required_skill, region, address, status,
         tier, received_at, sla_started_at, respond_by, resolve_by, created_by_type, created_by_id)
       SELECT id, customer_id, purchase_id, channel, type, severity, subject, description, required_skill, region, address, status,
              tier, received_at, received_at, respond_by, resolve_by, created_by_type, created_by_id
         FROM filing
       RETURNING *`,
        [
          column('id'),
          column('customerId'),
          column('purchaseId'),
          column('channel'),
          column('type'),
          column('severity'),
          column('subject'),
          column('description'),
          column('requiredSkill'),
          column('region'),
          column('address'),
          column('status'),
          column('tier'),
          column('receivedAt'),
          column('respondBy'),
          column('resolveBy'),
          column('createdByType'),
          column('createdById'),
          filings.map(({ requestId }) => requestId),
        ],
        { change: 'created', auditedFrom: 'filing' },
        undefined,
        `filing AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                              $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::text[], $18::text[], $19::text[])
           AS filing(id, customer_id, purchase_id, channel, type, severity, subject, description, required_skill, region, address, status, tier,
                     received_at, respond_by, resolve_by, created_by_type, created_by_id, request_id)
       )`,
      );
      const rows = await queryPrepared<ServiceRequestRow>(this.dataSource, 'service-requests.file', text, values);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return filings.map(({ request }) => byId.get(request.id)!);
    },
  );

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ServiceRequestRow | null> {
    const [row] = await tx.query(`SELECT ${REQUEST_SELECT} FROM service_requests WHERE id = $1`, [id]);
    return row ?? null;
  }

  /**
   * Requests with an SLA clock still running (not resolved, closed or waiting on the customer), after
   * `afterId` in id order, with which alarms have already gone off: what the SLA alarm sweep rebuilds
   * alarms from. Keyset over the primary key, a batch at a time.
   */
  async withRunningClocks(afterId: string | null, limit: number): Promise<ClockedRequestRow[]> {
    return this.dataSource.query(
      `SELECT ${REQUEST_SELECT}, response_warned_at IS NOT NULL AS "responseWarned", resolution_warned_at IS NOT NULL AS "resolutionWarned"
         FROM service_requests
        WHERE status IN ('new', 'queued', 'assigned', 'in_progress') AND ($1::uuid IS NULL OR id > $1::uuid)
        ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** Whether this principal filed the request. */
  async filedBy(tx: Tx, id: string, principal: { kind: string; id: string }): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 FROM service_requests WHERE id = $1 AND created_by_type = $2 AND created_by_id = $3`,
      [id, principal.kind, principal.id],
    );
    return rows.length > 0;
  }

  async lock(tx: Tx, id: string): Promise<ServiceRequestRow | null> {
    const [row] = await tx.query(`SELECT ${REQUEST_SELECT} FROM service_requests WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** Applies column changes, bumps the version and records the change as an event, in the caller's transaction. */
  async update(tx: Tx, id: string, changes: Record<string, unknown>, event: ChangeEvent): Promise<ServiceRequestRow> {
    const columns = Object.keys(changes);
    const row = await this.writeWithEvent(
      tx,
      `UPDATE service_requests SET ${columns.map((column, index) => `${column} = $${index + 2}`).join(', ')}, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, ...columns.map((column) => changes[column])],
      event,
    );
    return row!;
  }

  /**
   * Takes the most urgent queued request the person is qualified for (their skills and region) and
   * assigns it to them, with its event and timeline entry. The calls made in the same moment share
   * one statement (assign_next_service_requests, in the migrations: one walk of the queue for the
   * whole batch); rows other callers are taking are skipped, so concurrent callers never get the same one.
   */
  takeNext(assigneeId: string): Promise<ServiceRequestRow | null> {
    return this.takes.call(assigneeId);
  }

  private readonly takes = new MicroBatch(async (assigneeIds: string[]) => {
    const { text, values } = this.withEvent(
      `SELECT taken.ord, (taken.request).* FROM assign_next_service_requests($1::uuid[]) taken`,
      [assigneeIds],
      { change: 'assigned', details: { via: 'next' } },
      'ord',
    );
    const rows = await queryPrepared<ServiceRequestRow & { ord: string }>(
      this.dataSource,
      'service-requests.take-next',
      text,
      values,
    );
    const byCaller = new Map(rows.map(({ ord, ...row }) => [Number(ord), row]));
    return assigneeIds.map((_, index) => byCaller.get(index + 1) ?? null);
  }, 64);

  /**
   * Runs `statement` (an INSERT or UPDATE of service_requests … RETURNING *) and, in the same
   * statement, records the change as a `service_request.<change>` outbox event, an entry on the
   * customer's timeline and, when asked, an audit row. One round trip instead of a transaction of
   * five: `next` and intake are the hot paths. The outbox, timeline and audit rows are written through
   * their owners' fragments (outboxInsertSql, customers' timelineEntriesInsertSql, auditRowsInsertSql).
   */
  async writeWithEvent(
    runner: Tx,
    statement: string,
    params: unknown[],
    event: ChangeEvent,
  ): Promise<ServiceRequestRow | null> {
    const { text, values } = this.withEvent(statement, params, event);
    const rows = await runner.query(text, values);
    return rows[0] ?? null;
  }

  /**
   * `carried`: a column of `statement` passed through to the result (not part of the request).
   * `leading`: a CTE the statement reads (its input rows); with `auditedFrom` naming it, the audit rows
   * take their actor and request id from its `created_by_type`, `created_by_id` and `request_id`.
   */
  private withEvent(
    statement: string,
    params: unknown[],
    event: ChangeEvent,
    carried?: string,
    leading?: string,
  ): { text: string; values: unknown[] } {
    const at = (offset: number) => `$${params.length + offset}`;
    const action = `'service_request.' || ${at(1)}`;
    const audit = event.audit
      ? `, audit AS (${auditRowsInsertSql({
          from: 'shaped',
          actorType: at(4),
          actorId: at(5),
          action,
          entityType: `'service_request'`,
          entityId: 'id::text',
          after: DTO_JSON,
          requestId: at(6),
        })})`
      : event.auditedFrom
        ? `, audit AS (${auditRowsInsertSql({
            from: `shaped JOIN ${event.auditedFrom} source ON source.id = shaped.id`,
            actorType: 'source.created_by_type',
            actorId: 'source.created_by_id',
            action,
            entityType: `'service_request'`,
            entityId: 'shaped.id::text',
            after: DTO_JSON,
            requestId: 'source.request_id',
          })})`
        : '';
    const text = `WITH ${leading ? `${leading},` : ''} changed AS (${statement}),
       shaped AS (SELECT ${carried ? `${carried}, ` : ''}${REQUEST_SELECT} FROM changed),
       event AS (${outboxInsertSql(ServiceRequestEvents[event.change], { from: 'shaped', aggregateId: 'id', payload: { serviceRequest: DTO_JSON }, merge: `${at(3)}::jsonb` })}),
       entry AS (${timelineEntriesInsertSql({
         from: 'shaped',
         kind: 'service_request',
         customerId: '"customerId"',
         summary: `number || ' ' || subject || ': ' || ${at(2)}`,
         details: `jsonb_build_object('serviceRequestId', id, 'number', number, 'change', ${at(1)}::text, 'status', status) || ${at(3)}::jsonb`,
       })})
       ${audit}
       SELECT * FROM shaped`;
    const values = [
      ...params,
      event.change,
      event.summary ?? event.change.replaceAll('_', ' '),
      JSON.stringify(event.details ?? {}),
      ...(event.audit ? [event.audit.actorType, event.audit.actorId, event.audit.requestId] : []),
    ];
    return { text, values };
  }

  /** The queue in serving order, with the number of requests in it. */
  async queue(qualification: Qualification, limit: number): Promise<{ rows: ServiceRequestRow[]; total: number }> {
    // Walk the queue index from the front, as `next` does, whatever the statistics say (see the migration).
    const rows: ServiceRequestRow[] = await this.dataSource.transaction(async (tx) => {
      await tx.query(`SET LOCAL enable_sort = off`);
      return tx.query(
        `SELECT ${REQUEST_SELECT} FROM service_requests WHERE status = 'queued' AND ${QUALIFIED} ORDER BY ${SERVING_ORDER} LIMIT $3`,
        [qualification.skills, qualification.region, limit],
      );
    });
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM service_requests WHERE status = 'queued' AND ${QUALIFIED}`,
      [qualification.skills, qualification.region],
    );
    return { rows, total };
  }

  list(filter: RequestFilter, after: KeysetPosition | null, limit: number): Promise<ServiceRequestRow[]> {
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.customerId) where.push(`customer_id = $${params.push(filter.customerId)}`);
    if (filter.assignedTo) where.push(`assigned_to = $${params.push(filter.assignedTo)}`);
    if (filter.severity) where.push(`severity = $${params.push(filter.severity)}`);
    if (after)
      where.push(`(created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${REQUEST_SELECT} FROM service_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
  }

  /** Open work per person: requests assigned to them and not yet resolved. */
  async openLoad(userIds: string[]): Promise<Map<string, number>> {
    const rows: { assignee: string; load: number }[] = await this.dataSource.query(
      `SELECT assigned_to AS assignee, count(*)::int AS load FROM service_requests WHERE assigned_to = ANY($1::uuid[]) AND status = ANY($2::text[]) GROUP BY assigned_to`,
      [userIds, OPEN_WORK],
    );
    return new Map(rows.map((row) => [row.assignee, row.load]));
  }
}
