/** The largest line discount (percent) each role may give without approval; administrators have no limit. */
export interface DiscountLimits {
  sales: number;
  manager: number;
}

/** The limit of whoever makes the quote: an administrator's is 100, a manager's the manager limit, else the salesperson's. */
export function discountLimitOf(roles: readonly string[], limits: DiscountLimits): number {
  if (roles.includes('admin')) return 100;
  if (roles.includes('manager')) return Math.max(limits.manager, limits.sales);
  return limits.sales;
}

/**
 * Who must approve a quote whose largest discount is `maxDiscount`, made by someone whose limit is
 * `ownLimit`: nobody when it is within that limit, a manager when within the manager limit, otherwise
 * an administrator.
 */
export function approverNeeded(
  maxDiscount: number,
  ownLimit: number,
  limits: DiscountLimits,
): 'manager' | 'admin' | null {
  if (maxDiscount <= ownLimit) return null;
  return maxDiscount <= limits.manager ? 'manager' : 'admin';
}
