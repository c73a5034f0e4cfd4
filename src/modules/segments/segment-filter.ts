import { customerConsentedSql, customerPurchasesSql } from '../customers/customers.sql.js';
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
 * fields the GIN index; purchase criteria probe `purchases_customer_idx` per candidate through the
 * customers module's fragment, so the cheap criteria narrow first.
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
  if (filter.spend && (filter.spend.min !== undefined || filter.spend.max !== undefined)) {
    const sum = customerPurchasesSql(id, 'sum', since(filter.spend.withinDays));
    if (filter.spend.min !== undefined) where.push(`${sum} >= ${param(filter.spend.min)}::numeric`);
    if (filter.spend.max !== undefined) where.push(`${sum} <= ${param(filter.spend.max)}::numeric`);
  }
  if (filter.purchaseCount && (filter.purchaseCount.min !== undefined || filter.purchaseCount.max !== undefined)) {
    const count = customerPurchasesSql(id, 'count', since(filter.purchaseCount.withinDays));
    if (filter.purchaseCount.min !== undefined) where.push(`${count} >= ${param(filter.purchaseCount.min)}::int`);
    if (filter.purchaseCount.max !== undefined) where.push(`${count} <= ${param(filter.purchaseCount.max)}::int`);
  }
  if (filter.daysSinceLastPurchase) {
    const last = customerPurchasesSql(id, 'last');
    const { min, max } = filter.daysSinceLastPurchase;
    where.push(`${last} IS NOT NULL`);
    if (min !== undefined) where.push(`${last} <= now() - make_interval(days => ${param(min)}::int)`);
    if (max !== undefined) where.push(`${last} > now() - make_interval(days => ${param(max)}::int)`);
  }
  return where.length ? where.join(' AND ') : 'true';
}
