import { customerConsentedSql, customerPurchaseTotalSql, customerPurchasesSql } from '../customers/customers.sql.js';
import { customerInTierSql } from '../loyalty/loyalty.sql.js';

/** A saved segment's filter (R-C7): every given criterion must hold; a list criterion matches any of its values. */
export interface SegmentFilter {
  tiers?: string[];
  regions?: string[];
  industries?: string[];
  lifecycleStages?: string[];
  kinds?: string[];
  levels?: string[];
  ownerIds?: string[];
  /** Total spend (not refunded) within the last `withinDays` days (all time without it), as decimal strings. */
  spend?: { min?: string; max?: string; withinDays?: number };
  purchaseCount?: { min?: number; max?: number; withinDays?: number };
  /** Customers who have purchased, by the days since their latest purchase. */
  daysSinceLastPurchase?: { min?: number; max?: number };
  /** Bought this product (the purchase's product, the category customers record). */
  purchasedProduct?: string;
  /** Opted in on this consent channel. */
  consentChannel?: string;
  marketingOptOut?: boolean;
  /** Custom field values, matched exactly (containment, through the GIN index on custom_fields). */
  customFields?: Record<string, string | number | boolean>;
}

const LIST_COLUMNS = {
  regions: 'region',
  industries: 'industry',
  lifecycleStages: 'lifecycle_stage',
  kinds: 'kind',
  levels: 'level',
  ownerIds: 'owner_id',
} as const;

/**
 * The filter as an SQL condition over the customer row `alias` (e.g. `customers`, `c`); values become
 * parameters through `param`. Column equality uses the `(column, created_at, id)` indexes, custom
 * fields the GIN index; spend and purchase count within a window are one set-based aggregate of the
 * window (the customers module's monthly totals and the partial first month's purchases) joined to the
 * narrowed customers; the other purchase criteria probe `purchases_customer_idx` per candidate.
 */
export function segmentConditionSql(filter: SegmentFilter, alias: string, param: (value: unknown) => string): string {
  const id = `${alias}.id`;
  const where: string[] = [];
  for (const [key, column] of Object.entries(LIST_COLUMNS) as [keyof typeof LIST_COLUMNS, string][]) {
    const values = filter[key];
    if (values?.length)
      where.push(
        values.length === 1
          ? `${alias}.${column} = ${param(values[0])}${column === 'owner_id' ? '::uuid' : ''}`
          : `${alias}.${column} = ANY(${param(values)}::${column === 'owner_id' ? 'uuid' : 'text'}[])`,
      );
  }
  if (filter.tiers?.length) where.push(customerInTierSql(id, `ANY(${param(filter.tiers)}::text[])`));
  if (filter.customFields && Object.keys(filter.customFields).length)
    where.push(`${alias}.custom_fields @> ${param(JSON.stringify(filter.customFields))}::jsonb`);
  if (filter.marketingOptOut !== undefined) where.push(`${alias}.marketing_opt_out = ${param(filter.marketingOptOut)}`);
  if (filter.consentChannel) where.push(customerConsentedSql(id, param(filter.consentChannel)));
  if (filter.purchasedProduct) where.push(customerPurchasesSql(id, 'product', param(filter.purchasedProduct)));
  const since = (days?: number) => (days === undefined ? null : `now() - make_interval(days => ${param(days)}::int)`);
  /** Spend or purchase count within the window, set-based over the window (see customerPurchaseTotalSql). */
  const total = (
    measure: 'sum' | 'count',
    range: { min?: string | number; max?: string | number; withinDays?: number },
    type: 'numeric' | 'int',
  ) => {
    const { min, max } = range;
    if (min === undefined && max === undefined) return;
    const bounds = [
      ...(min === undefined ? [] : [(value: string) => `${value} >= ${param(min)}::${type}`]),
      ...(max === undefined ? [] : [(value: string) => `${value} <= ${param(max)}::${type}`]),
    ];
    const zeroHolds = (min === undefined || Number(min) <= 0) && (max === undefined || Number(max) >= 0);
    where.push(
      customerPurchaseTotalSql(
        id,
        measure,
        since(range.withinDays),
        (value) => bounds.map((bound) => bound(value)).join(' AND '),
        zeroHolds,
      ),
    );
  };
  if (filter.spend) total('sum', filter.spend, 'numeric');
  if (filter.purchaseCount) total('count', filter.purchaseCount, 'int');
  if (filter.daysSinceLastPurchase) {
    const last = customerPurchasesSql(id, 'last');
    const { min, max } = filter.daysSinceLastPurchase;
    where.push(`${last} IS NOT NULL`);
    if (min !== undefined) where.push(`${last} <= now() - make_interval(days => ${param(min)}::int)`);
    if (max !== undefined) where.push(`${last} > now() - make_interval(days => ${param(max)}::int)`);
  }
  return where.length ? where.join(' AND ') : 'true';
}
