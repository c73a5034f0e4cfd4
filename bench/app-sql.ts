/**
 * The SQL the application runs for the benchmarked operations, copied from
 * src/modules/customers/customers.repository.ts (findById, exists, list with a text search),
 * customer-records.repository.ts (insertPurchase), common/audit/audit.service.ts and
 * infrastructure/outbox/outbox.writer.ts. The column list is built from the same PROFILE_COLUMNS,
 * so it follows schema changes; if the repositories change their queries, change them here too
 * (the benchmark compares the app's and the baseline's responses before it starts, and says so
 * when they differ).
 */
import { PROFILE_COLUMNS, SENSITIVE_FIELDS } from '../src/modules/customers/customer-fields.js';

/** CustomersRepository's CUSTOMER_SELECT. */
export const CUSTOMER_SELECT = [
  'id',
  'code',
  ...Object.entries(PROFILE_COLUMNS).map(([field, column]) => `${column} AS "${field}"`),
  'zodiac',
  'life_journey AS "lifeJourney"',
  'tier',
  'marketing_opt_out AS "marketingOptOut"',
  'custom_fields AS "customFields"',
  'version',
  'created_at AS "createdAt"',
  'updated_at AS "updatedAt"',
  'created_at::text AS "cursorAt"',
].join(', ');

/** CustomerRecordsRepository's PURCHASE_SELECT. */
export const PURCHASE_SELECT = `id, customer_id AS "customerId", purchased_at AS "purchasedAt", product, quantity,
  json_build_object('amount', amount::text, 'currency', currency) AS amount, payment_method AS "paymentMethod",
  channel, notes, refunded_at AS "refundedAt", created_at AS "createdAt", purchased_at::text AS "cursorAt"`;

/** CustomersRepository.findById */
export const FIND_BY_ID = `SELECT ${CUSTOMER_SELECT} FROM customers WHERE id = $1 AND deleted_at IS NULL`;

/** CustomersRepository.exists (in the purchase transaction) */
export const CUSTOMER_EXISTS = `SELECT owner_id AS "ownerId" FROM customers WHERE id = $1 AND deleted_at IS NULL`;

/** CustomerRecordsRepository.insertPurchase */
export const INSERT_PURCHASE = `INSERT INTO purchases (customer_id, purchased_at, product, quantity, amount, currency, payment_method, channel, notes, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${PURCHASE_SELECT}`;

/** AuditService.record with one entry */
export const INSERT_AUDIT = `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, before, after, fields, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

/** OutboxWriter.record with one event */
export const INSERT_OUTBOX = `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4::jsonb)`;

export interface SearchTerms {
  text: string;
  phonePrefix: string | null;
  email: string | null;
  code: string | null;
}

/** CustomersRepository.list without filters or cursor: the query a search box sends (GET /customers?q=…). */
export function listQuery(search: SearchTerms | null, limit: number): { text: string; values: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  const where = ['deleted_at IS NULL'];
  if (search) {
    const normalised = search.text.replace(/\s+/g, '').toLowerCase();
    const pattern = param(`%${normalised.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const arms = [
      `(search_grams @> crm_query_grams(${param(normalised)}) AND (lower(regexp_replace(name, '\\s+', '', 'g')) LIKE ${pattern}
           OR lower(regexp_replace(company_name, '\\s+', '', 'g')) LIKE ${pattern}))`,
    ];
    if (search.code) arms.push(`code = ${param(search.code)}`);
    if (search.email) arms.push(`lower(email) LIKE ${param(`${search.email.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    if (search.phonePrefix) {
      const phone = param(`${search.phonePrefix}%`);
      arms.push(`mobile LIKE ${phone}`, `phone LIKE ${phone}`);
    }
    where.push(`(${arms.join(' OR ')})`);
  }
  return {
    text: `SELECT ${CUSTOMER_SELECT} FROM customers WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
    values: params,
  };
}

type Row = Record<string, unknown>;

/** CustomersService: stripCursor, then CustomerAccess.present for a caller who may not see sensitive fields. */
export function presentWithoutSensitive(row: Row): Row {
  const { cursorAt: _, deletedAt: __, ...customer } = row;
  for (const field of SENSITIVE_FIELDS) delete customer[field];
  return customer;
}

/** The keyset cursor of common/pagination/cursor.ts. */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}
