import { customerHasOverdueServiceRequestSql } from '../service-requests/service-requests.sql.js';

/**
 * SQL: whether the customer has an open problem, which suppresses promotions (R-P5). Until the
 * complaints module's open-problems read model exists, an overdue or breached service request is
 * the open problem; when it lands, its fragment joins here and nothing else changes.
 */
export function customerHasOpenProblemSql(customerId: string): string {
  return customerHasOverdueServiceRequestSql(customerId);
}
