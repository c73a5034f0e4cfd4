/**
 * Points a purchase earns: whole currency units × the rate, rounded down, so 199.99 CNY at
 * 1 point per unit earns 199. Amounts are decimal strings; no float ever touches money.
 */
export function pointsForAmount(amount: string, pointsPerUnit: number): number {
  const [whole] = amount.split('.');
  return Number(BigInt(whole) * BigInt(pointsPerUnit));
}

/**
 * What a refund takes back: the points the purchase earned, but never more than the customer still
 * has — points already spent on rewards stay spent, and the shortfall is written off (recorded in
 * the reversal's reason) rather than driving the balance below zero.
 */
export function reversalFor(earned: number, balance: number): { reversed: number; writtenOff: number } {
  const reversed = Math.min(earned, balance);
  return { reversed, writtenOff: earned - reversed };
}
