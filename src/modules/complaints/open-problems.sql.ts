/**
 * The open problems read model (R-P5), owned by the complaints module: one row of
 * `customer_open_problems` per open complaint and per overdue service request, keyed
 * (customer_id, kind, source_id). Other modules (outreach, campaigns) ask it only through these
 * fragments and OpenProblemsService, so only this module's files name the table.
 */
import type { OpenProblemKind } from './open-problems.repository.js';

export { OpenProblemsService } from './open-problems.service.js';
export type { OpenProblemKind } from './open-problems.repository.js';

/**
 * SQL: the customer `customerIdExpression` (an SQL expression, e.g. `c.id`) has at least one open
 * problem. An EXISTS on the primary key's leading column: in `WHERE NOT ${customerHasOpenProblemSql('c.id')}`
 * over a million-customer audience the planner makes it one hash or merge anti-join (or an index probe
 * per customer for a small audience), never a per-row scan.
 */
export function customerHasOpenProblemSql(customerIdExpression: string): string {
  return `EXISTS (SELECT 1 FROM customer_open_problems open_problem WHERE open_problem.customer_id = ${customerIdExpression})`;
}

/**
 * SQL: the ids (`customer_id`, repeated per problem) of the customers with an open problem — for a
 * statement deciding a whole audience at once, which joins this set once (a hash join) instead of
 * probing per customer.
 */
export function customersWithOpenProblemSql(): string {
  return `SELECT open_problem.customer_id FROM customer_open_problems open_problem`;
}

/**
 * A CTE body adding one open problem per row of `from` (expressions over its rows), in the statement
 * of the change that opens it; an existing one is left as it is (its `since` stays).
 */
export function openProblemsInsertSql(source: {
  from: string;
  kind: OpenProblemKind;
  customerId: string;
  sourceId: string;
  since: string;
  where?: string;
}): string {
  return `INSERT INTO customer_open_problems (customer_id, kind, source_id, since)
         SELECT ${source.customerId}, '${source.kind}', ${source.sourceId}, ${source.since} FROM ${source.from}
         ${source.where ? `WHERE ${source.where}` : ''}
         ON CONFLICT DO NOTHING`;
}

/** A CTE body removing the open problem of each row of `from` that `where` selects. */
export function openProblemsDeleteSql(source: {
  from: string;
  kind: OpenProblemKind;
  customerId: string;
  sourceId: string;
  where: string;
}): string {
  return `DELETE FROM customer_open_problems problem USING ${source.from}
          WHERE ${source.where} AND problem.customer_id = ${source.customerId} AND problem.kind = '${source.kind}'
            AND problem.source_id = ${source.sourceId}`;
}
