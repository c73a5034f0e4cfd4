import {
  customerHasOpenProblemSql as complaintsOpenProblemSql,
  customersWithOpenProblemSql as complaintsCustomersWithOpenProblemSql,
} from '../complaints/open-problems.sql.js';
import {
  customerHasOverdueServiceRequestSql,
  customersWithOverdueServiceRequestSql,
} from '../service-requests/service-requests.sql.js';

/**
 * SQL: whether the customer has an open problem, which suppresses promotions (R-P5): an open complaint
 * or an overdue service request in the complaints module's open-problems read model, or a service
 * request past its deadline that the read model has not heard of yet (its breach alarm is still on its
 * way), read from the service-requests module's own fragment.
 */
export function customerHasOpenProblemSql(customerId: string): string {
  return `(${complaintsOpenProblemSql(customerId)} OR ${customerHasOverdueServiceRequestSql(customerId)})`;
}

/** SQL: the ids (`customer_id`, possibly repeated) of every customer with an open problem, as above: for set-based decisions. */
export function customersWithOpenProblemSql(): string {
  return `${complaintsCustomersWithOpenProblemSql()} UNION ALL ${customersWithOverdueServiceRequestSql()}`;
}
