/**
 * Points a purchase earns: whole currency units × the rate × the tier's multiplier, rounded down, so
 * 199.99 CNY at 1 point per unit and ×1.50 earns 298. Amounts and multipliers are decimal strings;
 * no float ever touches money.
 */
export function pointsForAmount(amount: string, pointsPerUnit: number, multiplier = '1.00'): number {
  const [whole] = amount.split('.');
  const [units, fraction = ''] = multiplier.split('.');
  const hundredths = BigInt(units) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  return Number((BigInt(whole) * BigInt(pointsPerUnit) * hundredths) / 100n);
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
