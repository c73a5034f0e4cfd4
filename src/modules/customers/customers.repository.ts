import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import { customerInTierSql, customerTierSql } from '../loyalty/loyalty.sql.js';
import { segmentConditionSql, type SegmentFilter } from '../segments/segment-filter.js';
import { auditRowsInsertSql } from '../../common/audit/audit.service.js';
import { outboxInsertSql } from '../../infrastructure/outbox/outbox.writer.js';
import { PROFILE_COLUMNS } from './customer-fields.js';
import { CustomersEvents } from './customers.events.js';
import type { ContactPair } from './contact-normalisation.js';

/** A customer as CUSTOMER_SELECT reads it, in its column order (DATE columns are 'YYYY-MM-DD' text). */
export interface CustomerRow {
  id: string;
  code: string;
  kind: string;
  name: string;
  gender: string | null;
  birthDate: string | null;
  nativePlace: string | null;
  education: string | null;
  homeAddress: string | null;
  companyName: string | null;
  companyFoundedOn: string | null;
  jobTitle: string | null;
  companyAddress: string | null;
  postcode: string | null;
  phone: string | null;
  fax: string | null;
  mobile: string | null;
  website: string | null;
  email: string | null;
  hobbies: string | null;
  favouriteSport: string | null;
  mostAdmiredPerson: string | null;
  favouritePastime: string | null;
  favouriteBook: string | null;
  smoker: boolean | null;
  drinker: boolean | null;
  religion: string | null;
  motto: string | null;
  notes: string | null;
  registeredOn: string;
  level: string | null;
  region: string | null;
  industry: string | null;
  lifecycleStage: string | null;
  relationshipType: string | null;
  ownerId: string | null;
  zodiac: string | null;
  lifeJourney: LifeJourney;
  tier: string | null;
  marketingOptOut: boolean;
  customFields: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** created_at as Postgres prints it, exact to the microsecond, for the keyset cursor. */
  cursorAt: string;
}

/** 客户人生旅途表, as stored (jsonb): only the answers given. */
export interface LifeJourney {
  shortTermGoals?: string;
  longTermGoals?: string;
  proudestAchievement?: string;
  mainConcern?: string;
  mostUrgentProblem?: string;
  notes?: string;
}

/** Column list that reads a customer in its API shape (see customer.presenter.ts). */
export const CUSTOMER_SELECT = [
  'id',
  'code',
  ...Object.entries(PROFILE_COLUMNS).map(([field, column]) => `${column} AS "${field}"`),
  'zodiac',
  'life_journey AS "lifeJourney"',
  // The tier is the loyalty module's (beside the value that decides it), read through its fragment by
  // primary key so a customer reads and filters as one row; see README "Value and tiers".
  `${customerTierSql('customers.id')} AS tier`,
  'marketing_opt_out AS "marketingOptOut"',
  'custom_fields AS "customFields"',
  'version',
  'created_at AS "createdAt"',
  'updated_at AS "updatedAt"',
  'created_at::text AS "cursorAt"',
].join(', ');

export interface CustomerFilters {
  tier?: string;
  ownerId?: string;
  region?: string;
  industry?: string;
  lifecycleStage?: string;
  kind?: string;
  level?: string;
  /** A saved segment's filter (segments module), compiled into the same statement. */
  segment?: SegmentFilter;
}

export interface SearchTerms {
  text: string;
  phonePrefix: string | null;
  email: string | null;
  code: string | null;
}

const FILTER_COLUMNS: Record<Exclude<keyof CustomerFilters, 'tier' | 'segment'>, string> = {
  ownerId: 'owner_id',
  region: 'region',
  industry: 'industry',
  lifecycleStage: 'lifecycle_stage',
  kind: 'kind',
  level: 'level',
};

/**
 * The event and audit row of each customer a hand-over moved (the `moved` CTE: id, to_user_id), for the
 * statements below; $1 the departing owner, $4 the hand-over, $5 who asked, $6 the request.
 */
const handOverRecordsSql = `events AS (
         ${outboxInsertSql(CustomersEvents.customerOwnerChanged, {
           from: 'moved',
           aggregateId: 'id',
           payload: {
             customerId: 'id',
             fromUserId: '$1::text',
             toUserId: 'to_user_id::text',
             reassignmentId: '$4::text',
           },
           lane: 'bulk',
         })}
       ), audit AS (
         ${auditRowsInsertSql({
           from: 'moved',
           actorType: `'user'`,
           actorId: '$5::text',
           action: `'customer.owner_changed'`,
           entityType: `'customer'`,
           entityId: 'id::text',
           after: `jsonb_build_object('ownerId', to_user_id::text, 'previousOwnerId', $1::text, 'reassignmentId', $4::text)`,
           requestId: '$6::text',
         })}
       )`;

@Injectable()
export class CustomersRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, columns: Record<string, unknown>): Promise<CustomerRow> {
    const names = Object.keys(columns);
    const [row] = await tx.query(
      `INSERT INTO customers (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${CUSTOMER_SELECT}`,
      names.map((name) => columns[name]),
    );
    return row;
  }

  async findById(id: string): Promise<CustomerRow | null> {
    const [row] = await this.dataSource.query(
      `SELECT ${CUSTOMER_SELECT} FROM customers WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return row ?? null;
  }

  async lockById(tx: Tx, id: string): Promise<CustomerRow | null> {
    const [row] = await tx.query(
      `SELECT ${CUSTOMER_SELECT} FROM customers WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  async exists(
    id: string,
    tx: Tx = this.dataSource.manager,
  ): Promise<{ ownerId: string | null; tier: string | null } | null> {
    const [row] = await tx.query(
      `SELECT owner_id AS "ownerId", ${customerTierSql('customers.id')} AS tier FROM customers WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return row ?? null;
  }

  /** Customers reached at this phone (as phone or mobile) or e-mail: equality on the contact indexes. */
  /** For each contact (in order), the ids of the customers reached at its phone or e-mail, oldest first, at most `limit`. */
  async withContacts(contacts: readonly ContactPair[], limit: number): Promise<string[][]> {
    const rows: { ids: string[] }[] = await this.dataSource.query(
      `SELECT matches.ids
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS contact(phone, email, ordinal)
        CROSS JOIN LATERAL (
              SELECT coalesce(array_agg(found.id ORDER BY found.created_at, found.id), '{}') AS ids
                FROM (SELECT id, created_at FROM customers
                       WHERE deleted_at IS NULL
                         AND (phone = contact.phone OR mobile = contact.phone OR lower(email) = contact.email)
                       ORDER BY created_at, id LIMIT $3) AS found) AS matches
        ORDER BY contact.ordinal`,
      [contacts.map((contact) => contact.phone), contacts.map((contact) => contact.email), limit],
    );
    return rows.map((row) => row.ids);
  }

  /** What a complaint keeps of each of these customers that exists: tier, region and owner at intake. */
  async intakeFacts(
    ids: string[],
  ): Promise<Map<string, { tier: string | null; region: string | null; ownerId: string | null }>> {
    const rows: { id: string; tier: string | null; region: string | null; ownerId: string | null }[] =
      await this.dataSource.query(
        `SELECT c.id, ${customerTierSql('c.id')} AS tier, c.region, c.owner_id AS "ownerId"
           FROM customers c WHERE c.id = ANY($1::uuid[]) AND c.deleted_at IS NULL`,
        [ids],
      );
    return new Map(rows.map(({ id, ...facts }) => [id, facts]));
  }

  /**
   * Moves up to `limit` of one salesperson's customers to another in one statement, with a
   * `customer.owner_changed` event (bulk lane) and an audit row each: one slice of a hand-over, whose
   * row locks last only as long as this statement's transaction. Returns the ids moved.
   */
  async handOverSlice(
    tx: Tx,
    slice: {
      fromUserId: string;
      toUserId: string;
      limit: number;
      reassignmentId: string;
      actorId: string | null;
      requestId: string | null;
    },
  ): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `WITH moved AS (
         UPDATE customers SET owner_id = $2, version = version + 1, updated_at = now()
          WHERE id IN (SELECT id FROM customers WHERE owner_id = $1 AND deleted_at IS NULL LIMIT $3 FOR NO KEY UPDATE)
         RETURNING id, owner_id AS to_user_id
       ), ${handOverRecordsSql}
       SELECT id FROM moved`,
      [slice.fromUserId, slice.toUserId, slice.limit, slice.reassignmentId, slice.actorId, slice.requestId],
    );
    return rows.map((row) => row.id);
  }

  /** Up to `limit` of a salesperson's customers, locked, with what assignment rules match on. */
  bookSlice(
    tx: Tx,
    ownerId: string,
    limit: number,
  ): Promise<{ id: string; region: string | null; industry: string | null }[]> {
    return tx.query(
      `SELECT id, region, industry FROM customers WHERE owner_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT $2 FOR NO KEY UPDATE`,
      [ownerId, limit],
    );
  }

  /** Moves each of these customers (still the departing salesperson's) to its own new owner; returns those moved. */
  async handOverEach(
    tx: Tx,
    moves: readonly { id: string; toUserId: string }[],
    slice: { fromUserId: string; reassignmentId: string; actorId: string | null; requestId: string | null },
  ): Promise<{ id: string; toUserId: string }[]> {
    return tx.query(
      `WITH moved AS (
         UPDATE customers SET owner_id = move.to_user_id, version = version + 1, updated_at = now()
           FROM unnest($2::uuid[], $3::uuid[]) AS move(id, to_user_id)
          WHERE customers.id = move.id AND customers.owner_id = $1 AND customers.deleted_at IS NULL
         RETURNING customers.id, move.to_user_id
       ), ${handOverRecordsSql}
       SELECT id, to_user_id AS "toUserId" FROM moved`,
      [
        slice.fromUserId,
        moves.map((move) => move.id),
        moves.map((move) => move.toUserId),
        slice.reassignmentId,
        slice.actorId,
        slice.requestId,
      ],
    );
  }

  /** Owner, region and industry of each of these customers that exists. */
  async owners(
    ids: string[],
  ): Promise<Map<string, { ownerId: string | null; region: string | null; industry: string | null }>> {
    const rows: { id: string; ownerId: string | null; region: string | null; industry: string | null }[] =
      await this.dataSource.query(
        `SELECT id, owner_id AS "ownerId", region, industry FROM customers WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`,
        [ids],
      );
    return new Map(rows.map(({ id, ...owner }) => [id, owner]));
  }

  /** The tier of each of these customers that exists (null before their first valuation). */
  async tiers(ids: string[]): Promise<Map<string, string | null>> {
    const rows: { id: string; tier: string | null }[] = await this.dataSource.query(
      `SELECT c.id, ${customerTierSql('c.id')} AS tier FROM customers c WHERE c.id = ANY($1::uuid[]) AND c.deleted_at IS NULL`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.tier]));
  }

  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<CustomerRow> {
    const names = Object.keys(columns);
    const sets = [...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'];
    const [rows] = await tx.query(
      `UPDATE customers SET ${sets.join(', ')} WHERE id = $1 RETURNING ${CUSTOMER_SELECT}`,
      [id, ...names.map((name) => columns[name])],
    );
    return rows[0];
  }

  async softDelete(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE customers SET deleted_at = now(), version = version + 1 WHERE id = $1`, [id]);
  }

  /** Newest first, keyset-paginated on (created_at, id); see customerListQuery. */
  async list(
    filters: CustomerFilters,
    search: SearchTerms | null,
    after: KeysetPosition | null,
    limit: number,
  ): Promise<CustomerRow[]> {
    const query = customerListQuery(filters, search, after, limit);
    return this.dataSource.query(query.text, query.values);
  }
}

/**
 * The list and search query, newest first and keyset-paginated on (created_at, id). Text search
 * matches the search grams through their GIN index; phone, e-mail and number use their btree
 * indexes. Exported so the benchmark's bare baseline runs exactly the same SQL.
 */
export function customerListQuery(
  filters: CustomerFilters,
  search: SearchTerms | null,
  after: KeysetPosition | null,
  limit: number,
): { text: string; values: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = ['deleted_at IS NULL'];
  for (const [key, column] of Object.entries(FILTER_COLUMNS) as [keyof typeof FILTER_COLUMNS, string][]) {
    if (filters[key] !== undefined) where.push(`${column} = ${param(filters[key])}`);
  }
  // Walks the newest-first index and probes each customer's value row: no tier index to keep up on customers.
  if (filters.tier !== undefined) where.push(customerInTierSql('customers.id', param(filters.tier)));
  if (filters.segment) where.push(`(${segmentConditionSql(filters.segment, 'customers', param)})`);
  if (search) {
    const normalised = search.text.replace(/\s+/g, '').toLowerCase();
    // One or two characters match exactly on their gram; longer queries are rechecked as substrings,
    // since having all the pairs does not mean having them in order.
    let textMatch = `search_grams @> crm_query_grams(${param(normalised)})`;
    if ([...normalised].length > 2) {
      const pattern = param(`%${normalised.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      textMatch += ` AND (lower(regexp_replace(name, '\\s+', '', 'g')) LIKE ${pattern} OR lower(regexp_replace(company_name, '\\s+', '', 'g')) LIKE ${pattern})`;
    }
    const arms = [`(${textMatch})`];
    if (search.code) arms.push(`code = ${param(search.code)}`);
    if (search.email) arms.push(`lower(email) LIKE ${param(`${search.email.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    if (search.phonePrefix) {
      const phone = param(`${search.phonePrefix}%`);
      arms.push(`mobile LIKE ${phone}`, `phone LIKE ${phone}`);
    }
    where.push(`(${arms.join(' OR ')})`);
  }
  if (after) where.push(`(created_at, id) < (${param(after.at)}::timestamptz, ${param(after.id)}::uuid)`);
  return {
    text: `SELECT ${CUSTOMER_SELECT} FROM customers WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
    values: params,
  };
}
