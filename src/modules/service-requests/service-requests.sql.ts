/**
 * SQL the service-requests module lends to other modules' statements (test/table-ownership.test.ts):
 * only this module's files name its tables.
 */

/** Still open and past a deadline, or breached: the condition over a service request `sr`. */
const OVERDUE = `sr.status NOT IN ('resolved', 'closed')
  AND (sr.resolve_by < now() OR sr.response_breached_at IS NOT NULL OR sr.resolution_breached_at IS NOT NULL
       OR (sr.first_response_at IS NULL AND sr.respond_by < now()))`;

/**
 * SQL: whether the customer has an overdue service request — still open and past a deadline, or
 * breached (R-P5: no promotion reaches them meanwhile). `customerId` is an SQL expression; the probe
 * walks `service_requests_customer_idx`.
 */
export function customerHasOverdueServiceRequestSql(customerId: string): string {
  return `EXISTS (SELECT 1 FROM service_requests sr WHERE sr.customer_id = ${customerId} AND ${OVERDUE})`;
}

/**
 * SQL: the ids (`customer_id`, repeated per request) of the customers with an overdue service request
 * (as above) — for a statement deciding a whole audience, which joins this set once.
 */
export function customersWithOverdueServiceRequestSql(): string {
  return `SELECT sr.customer_id FROM service_requests sr WHERE ${OVERDUE}`;
}
