import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { ServiceRequestDto } from './dto/service-request.dto.js';
import { OPEN_WORK } from './service-request-lifecycle.js';

export type ServiceRequestRow = ServiceRequestDto & { pausedAt: string | null; slaStartedAt: string; cursorAt: string };

export const REQUEST_SELECT = `id, number, customer_id AS "customerId", purchase_id AS "purchaseId", channel, type, severity, subject, description,
  required_skill AS "requiredSkill", region, address, status, tier, received_at AS "receivedAt", sla_started_at AS "slaStartedAt", respond_by AS "respondBy", resolve_by AS "resolveBy",
  escalation_level AS "escalationLevel", assigned_to AS "assignedTo", assigned_at AS "assignedAt", first_response_at AS "firstResponseAt",
  paused_at AS "pausedAt", resolved_at AS "resolvedAt", resolution, closed_at AS "closedAt", reopened_count AS "reopenedCount", response_breached_at AS "responseBreachedAt",
  resolution_breached_at AS "resolutionBreachedAt", satisfaction_score AS "satisfactionScore", satisfaction_comment AS "satisfactionComment",
  version, created_at AS "createdAt", updated_at AS "updatedAt", created_at::text AS "cursorAt"`;

/** The serving order; the queue index has the same columns. */
const SERVING_ORDER = 'escalation_level DESC, respond_by, received_at, id';
const QUALIFIED = `($1::text[] IS NULL OR required_skill IS NULL OR required_skill = ANY($1::text[])) AND ($2::text IS NULL OR region IS NULL OR region = $2)`;

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

  async insert(tx: Tx, request: NewServiceRequest): Promise<ServiceRequestRow> {
    const [row] = await tx.query(
      `INSERT INTO service_requests (customer_id, purchase_id, channel, type, severity, subject, description, required_skill, region, address, status, tier,
         received_at, sla_started_at, respond_by, resolve_by, created_by_type, created_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17) RETURNING ${REQUEST_SELECT}`,
      [request.customerId, request.purchaseId, request.channel, request.type, request.severity, request.subject, request.description, request.requiredSkill,
        request.region, request.address, request.status, request.tier, request.receivedAt, request.respondBy, request.resolveBy, request.createdByType,
        request.createdById],
    );
    return row;
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<ServiceRequestRow | null> {
    const [row] = await tx.query(`SELECT ${REQUEST_SELECT} FROM service_requests WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<ServiceRequestRow | null> {
    const [row] = await tx.query(`SELECT ${REQUEST_SELECT} FROM service_requests WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** Applies column changes and bumps the version. */
  async update(tx: Tx, id: string, changes: Record<string, unknown>): Promise<ServiceRequestRow> {
    const columns = Object.keys(changes);
    const [rows] = await tx.query(
      `UPDATE service_requests SET ${columns.map((column, index) => `${column} = $${index + 2}`).join(', ')}, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${REQUEST_SELECT}`,
      [id, ...columns.map((column) => changes[column])],
    );
    return rows[0];
  }

  /**
   * Takes the most urgent queued request the person is qualified for and assigns it to them, in one
   * statement: rows other callers are taking are skipped, so concurrent callers never get the same one.
   */
  async takeNext(tx: Tx, assigneeId: string, qualification: Qualification): Promise<ServiceRequestRow | null> {
    const [rows] = await tx.query(
      `UPDATE service_requests SET status = 'assigned', assigned_to = $3, assigned_at = now(), version = version + 1, updated_at = now()
        WHERE id = (SELECT id FROM service_requests WHERE status = 'queued' AND ${QUALIFIED} ORDER BY ${SERVING_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING ${REQUEST_SELECT}`,
      [qualification.skills, qualification.region, assigneeId],
    );
    return rows[0] ?? null;
  }

  /** The queue in serving order, with the number of requests in it. */
  async queue(qualification: Qualification, limit: number): Promise<{ rows: ServiceRequestRow[]; total: number }> {
    const rows = await this.dataSource.query(
      `SELECT ${REQUEST_SELECT} FROM service_requests WHERE status = 'queued' AND ${QUALIFIED} ORDER BY ${SERVING_ORDER} LIMIT $3`,
      [qualification.skills, qualification.region, limit],
    );
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
    if (after) where.push(`(created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
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
