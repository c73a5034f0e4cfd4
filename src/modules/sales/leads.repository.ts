import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import { auditRowsInsertSql } from '../../common/audit/audit.service.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { outboxEventsSql, outboxInsertInOrderSql } from '../../infrastructure/outbox/outbox.writer.js';
import type { ContactPair } from '../customers/contact-normalisation.js';
import type { AssignmentExplanation } from './lead-assignment.js';
import { OPEN_LEAD_STATUSES, type LeadStatus } from './lead-lifecycle.js';
import type { OwnerScope } from './sales-access.js';
import { LeadEvents } from './sales.events.js';
import { ownerScopeSql } from './sales.sql.js';

/** A lead as LEAD_SELECT reads it; timestamps are text in the API's form (api_timestamp). */
export interface LeadRow {
  id: string;
  kind: string;
  name: string;
  companyName: string | null;
  phone: string | null;
  email: string | null;
  source: string;
  campaignId: string | null;
  region: string | null;
  industry: string | null;
  interest: string | null;
  notes: string | null;
  status: LeadStatus;
  disqualifyReason: string | null;
  ownerId: string | null;
  assignment: AssignmentExplanation | null;
  duplicates: { customerIds: string[]; leadIds: string[] };
  respondBy: string;
  contactedAt: string | null;
  customerId: string | null;
  opportunityId: string | null;
  convertedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  remindedAt: string | null;
  escalatedAt: string | null;
  /** created_at as Postgres prints it, exact to the microsecond, for the keyset cursor. */
  cursorAt: string;
}

export interface NewLead {
  kind: string;
  name: string;
  companyName: string | null;
  phone: string | null;
  email: string | null;
  source: string;
  campaignId: string | null;
  region: string | null;
  industry: string | null;
  interest: string | null;
  notes: string | null;
  ownerId: string | null;
  assignment: AssignmentExplanation | null;
  duplicates: { customerIds: string[]; leadIds: string[] };
  respondBy: Date;
  createdByType: string;
  createdById: string;
}

/** A lead to create, and who creates it (for its audit row). */
export interface LeadCreation {
  lead: NewLead & { id: string };
  actorType: string;
  actorId: string | null;
  requestId: string | null;
}

export interface LeadFilters {
  status?: string;
  source?: string;
  ownerId?: string;
}

export const LEAD_SELECT = `id, kind, name, company_name AS "companyName", phone, email, source, campaign_id AS "campaignId",
  region, industry, interest, notes, status, disqualify_reason AS "disqualifyReason", owner_id AS "ownerId", assignment,
  duplicates, api_timestamp(respond_by) AS "respondBy", api_timestamp(contacted_at) AS "contactedAt",
  customer_id AS "customerId", opportunity_id AS "opportunityId", api_timestamp(converted_at) AS "convertedAt", version,
  api_timestamp(created_at) AS "createdAt", api_timestamp(updated_at) AS "updatedAt",
  api_timestamp(reminded_at) AS "remindedAt", api_timestamp(escalated_at) AS "escalatedAt", created_at::text AS "cursorAt"`;

const OPEN = `status IN (${OPEN_LEAD_STATUSES.map((status) => `'${status}'`).join(', ')})`;

@Injectable()
export class LeadsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The leads with their audit rows and events, in one statement; rows in the order given. The audit row
   * and the events carry the lead as the API shows it (the row without the reminder bookkeeping, as
   * `toLeadDto`); `lead.created` is relayed before the same lead's `lead.assigned`.
   */
  async insertAll(tx: Tx, creations: LeadCreation[]): Promise<LeadRow[]> {
    const column = <K extends keyof (NewLead & { id: string })>(key: K) => creations.map(({ lead }) => lead[key]);
    const shown = `to_jsonb(inserted) - 'remindedAt' - 'escalatedAt' - 'cursorAt'`;
    const rows: LeadRow[] = await tx.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::uuid[], $14::jsonb[],
                              $15::jsonb[], $16::timestamptz[], $17::text[], $18::uuid[], $19::text[], $20::text[],
                              $21::text[])
                WITH ORDINALITY AS input(id, kind, name, company_name, phone, email, source, campaign_id, region,
                                         industry, interest, notes, owner_id, assignment, duplicates, respond_by,
                                         created_by_type, created_by_id, actor_type, actor_id, request_id, ordinal)
       ), inserted AS (
         INSERT INTO leads (id, kind, name, company_name, phone, email, source, campaign_id, region, industry, interest,
                            notes, owner_id, assignment, duplicates, respond_by, created_by_type, created_by_id)
         SELECT id, kind, name, company_name, phone, email, source, campaign_id, region, industry, interest, notes,
                owner_id, assignment, duplicates, respond_by, created_by_type, created_by_id
           FROM input ORDER BY ordinal
         RETURNING ${LEAD_SELECT}
       ), shown AS (
         SELECT input.ordinal, inserted.id, inserted.assignment, ${shown} AS lead,
                input.actor_type, input.actor_id, input.request_id
           FROM inserted JOIN input USING (id)
       ), audit AS (
         ${auditRowsInsertSql({
           from: 'shown',
           actorType: 'actor_type',
           actorId: 'actor_id',
           action: `'lead.created'`,
           entityType: `'lead'`,
           entityId: 'id',
           after: 'lead',
           requestId: 'request_id',
         })}
       ), events AS (
         ${outboxInsertInOrderSql(
           outboxEventsSql(LeadEvents.created, {
             from: 'shown',
             aggregateId: 'id',
             payload: { lead: 'lead' },
             ordinal: 'ordinal * 2',
           }),
           outboxEventsSql(LeadEvents.assigned, {
             from: 'shown WHERE assignment IS NOT NULL',
             aggregateId: 'id',
             payload: { lead: 'lead', assignment: 'assignment' },
             ordinal: 'ordinal * 2 + 1',
           }),
         )}
       )
       SELECT * FROM inserted`,
      [
        column('id'),
        column('kind'),
        column('name'),
        column('companyName'),
        column('phone'),
        column('email'),
        column('source'),
        column('campaignId'),
        column('region'),
        column('industry'),
        column('interest'),
        column('notes'),
        column('ownerId'),
        creations.map(({ lead }) => (lead.assignment === null ? null : JSON.stringify(lead.assignment))),
        creations.map(({ lead }) => JSON.stringify(lead.duplicates)),
        column('respondBy'),
        column('createdByType'),
        column('createdById'),
        creations.map((creation) => creation.actorType),
        creations.map((creation) => creation.actorId),
        creations.map((creation) => creation.requestId),
      ],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return creations.map(({ lead }) => byId.get(lead.id)!);
  }

  async find(id: string, tx: Tx = this.dataSource.manager): Promise<LeadRow | null> {
    const [row] = await tx.query(`SELECT ${LEAD_SELECT} FROM leads WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<LeadRow | null> {
    const [row] = await tx.query(`SELECT ${LEAD_SELECT} FROM leads WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** Sets the columns (already SQL values), bumps the version and returns the lead as it is now. */
  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<LeadRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    const [rows] = await tx.query(`UPDATE leads SET ${sets.join(', ')} WHERE id = $1 RETURNING ${LEAD_SELECT}`, [
      id,
      ...names.map((name) => columns[name]),
    ]);
    return rows[0];
  }

  /** Marks a reminder stage done without counting as a change of the lead (no new version). */
  async markOverdue(tx: Tx, id: string, stage: 'reminder' | 'escalation'): Promise<LeadRow> {
    const column = stage === 'reminder' ? 'reminded_at' : 'escalated_at';
    const [rows] = await tx.query(`UPDATE leads SET ${column} = now() WHERE id = $1 RETURNING ${LEAD_SELECT}`, [id]);
    return rows[0];
  }

  /** Newest first, keyset-paginated on (created_at, id), within the caller's book. */
  list(filters: LeadFilters, scope: OwnerScope, after: KeysetPosition | null, limit: number): Promise<LeadRow[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = [ownerScopeSql(scope, 'owner_id', param)];
    if (filters.status) where.push(`status = ${param(filters.status)}`);
    if (filters.source) where.push(`source = ${param(filters.source)}`);
    if (filters.ownerId) where.push(`owner_id = ${param(filters.ownerId)}`);
    if (after) where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${LEAD_SELECT} FROM leads WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
  }

  /** For each contact (already normalised, in order), the open leads reached at its phone or e-mail, oldest first. */
  async openWithContacts(contacts: readonly ContactPair[], limit = 5): Promise<string[][]> {
    if (!contacts.some((contact) => contact.phone || contact.email)) return contacts.map(() => []);
    const rows: { ids: string[] }[] = await this.dataSource.query(
      `SELECT matches.ids
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS contact(phone, email, ordinal)
        CROSS JOIN LATERAL (
              SELECT coalesce(array_agg(found.id ORDER BY found.created_at, found.id), '{}') AS ids
                FROM (SELECT id, created_at FROM leads
                       WHERE ${OPEN} AND (phone = contact.phone OR email = contact.email)
                       ORDER BY created_at, id LIMIT $3) AS found) AS matches
        ORDER BY contact.ordinal`,
      [contacts.map((contact) => contact.phone), contacts.map((contact) => contact.email), limit],
    );
    return rows.map((row) => row.ids);
  }

  /** Each salesperson's open leads, read inside the assigning transaction (after the rule's lock). */
  async openLoads(userIds: string[], tx: Tx = this.dataSource.manager): Promise<Map<string, number>> {
    const rows: { ownerId: string; open: number }[] = await tx.query(
      `SELECT owner_id AS "ownerId", count(*)::int AS open FROM leads WHERE ${OPEN} AND owner_id = ANY($1::uuid[]) GROUP BY owner_id`,
      [userIds],
    );
    return new Map(rows.map((row) => [row.ownerId, row.open]));
  }
}
