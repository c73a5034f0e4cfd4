/**
 * SQL the customers module lends to other modules' set-based statements, so that those statements stay
 * one round trip while only this module's files name its tables (test/table-ownership.test.ts). Each
 * fragment is the whole of what another module may do with these tables in SQL; anything else goes
 * through CustomersService or the customers events.
 */

/**
 * Appends one entry per row of `from` to customers' timelines (`customer_timeline_entries`, shown by
 * GET /customers/{id}/timeline): a CTE body for another module's statement, e.g. a service request
 * change with its entry in the same statement. `kind` is the entry's kind (a literal such as
 * 'service_request'); the others are SQL expressions over `from`'s rows.
 */
export function timelineEntriesInsertSql(source: {
  from: string;
  kind: string;
  customerId: string;
  summary: string;
  details: string;
}): string {
  if (!/^[a-z_]+$/.test(source.kind))
    throw new Error(`timeline entry kind "${source.kind}": lower-case words joined by _`);
  return `INSERT INTO customer_timeline_entries (customer_id, kind, summary, details)
         SELECT ${source.customerId}, '${source.kind}', ${source.summary}, ${source.details} FROM ${source.from}`;
}

/** SQL: the birth date's birthday falls on the day `day` (a date expression; 29 February counts on the 28th in other years). */
function isBirthdayOn(birthDate: string, day: string): string {
  const leapYear = `(extract(year FROM ${day})::int % 4 = 0 AND (extract(year FROM ${day})::int % 100 <> 0 OR extract(year FROM ${day})::int % 400 = 0))`;
  return `(to_char(${birthDate}, 'MM-DD') = to_char(${day}, 'MM-DD')
           OR (to_char(${birthDate}, 'MM-DD') = '02-29' AND to_char(${day}, 'MM-DD') = '02-28' AND NOT ${leapYear}))`;
}

/** SQL: the ids (`id`) of the customers, not deleted, whose birthday is on `day` (a date expression, e.g. `$1::date`). */
export function customersWithBirthdayOnSql(day: string): string {
  return `SELECT id FROM customers WHERE deleted_at IS NULL AND birth_date IS NOT NULL AND ${isBirthdayOn('birth_date', day)}`;
}

/** SQL: the customer `customerId` (an expression) is owned by the user `ownerId` (an expression): a salesperson's book. */
export function customerOwnedBySql(customerId: string, ownerId: string): string {
  return `EXISTS (SELECT 1 FROM customers owned WHERE owned.id = ${customerId} AND owned.owner_id = ${ownerId})`;
}
