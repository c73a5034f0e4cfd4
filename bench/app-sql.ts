/**
 * The SQL the application runs for the benchmarked operations. The list query, the column lists and
 * the purchase insert come from the repositories themselves; the short statements below are copies
 * of customers.repository.ts (findById, exists), audit.service.ts and outbox.writer.ts (the
 * benchmark compares the app's and the baseline's responses before it starts, and says so when they
 * differ).
 */
import { SENSITIVE_FIELDS } from '../src/modules/customers/customer-fields.js';
import { CUSTOMER_SELECT, customerListQuery, type SearchTerms } from '../src/modules/customers/customers.repository.js';

export { INSERT_PURCHASE } from '../src/modules/customers/customer-records.repository.js';

/** CustomersRepository.findById */
export const FIND_BY_ID = `SELECT ${CUSTOMER_SELECT} FROM customers WHERE id = $1 AND deleted_at IS NULL`;

/** CustomersRepository.exists (in the purchase transaction) */
export const CUSTOMER_EXISTS = `SELECT owner_id AS "ownerId" FROM customers WHERE id = $1 AND deleted_at IS NULL`;

/** AuditService.record with one entry */
export const INSERT_AUDIT = `INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, before, after, fields, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

/** OutboxWriter.record with one event */
export const INSERT_OUTBOX = `INSERT INTO outbox (type, aggregate_type, aggregate_id, payload) VALUES ($1, $2, $3, $4::jsonb)`;

/** CustomersRepository.list without filters or cursor: the query a search box sends (GET /customers?q=…). */
export function listQuery(search: SearchTerms | null, limit: number): { text: string; values: unknown[] } {
  return customerListQuery({}, search, null, limit);
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
