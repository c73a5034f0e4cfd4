/**
 * SQL the loyalty module lends to other modules, so that a customer still reads and filters as one
 * row while only this module's files name its tables (test/table-ownership.test.ts). The tier lives in
 * loyalty's `customer_values`, beside the value that decides it; these are the only ways to read it.
 */

/** SQL: the customer's tier (null before their first valuation), by the primary key of their value row. `customerId` is an SQL expression. */
export function customerTierSql(customerId: string): string {
  return `(SELECT v.tier FROM customer_values v WHERE v.customer_id = ${customerId})`;
}

/** SQL: whether the customer is in the tier `tier` (an SQL expression); a semi-join the planner can probe per customer or hash. */
export function customerInTierSql(customerId: string, tier: string): string {
  return `EXISTS (SELECT 1 FROM customer_values v WHERE v.customer_id = ${customerId} AND v.tier = ${tier})`;
}

/** SQL: the customer's points balance (0 without an account), by the account's primary key. */
export function customerPointsBalanceSql(customerId: string): string {
  return `coalesce((SELECT a.balance FROM loyalty_accounts a WHERE a.customer_id = ${customerId}), 0)`;
}
