/**
 * Customer value (R-V1): recency, frequency and monetary value of the purchases in the value window,
 * each scored 1–5 by fixed bands and summed (3–15); a customer with no purchases in the window
 * scores 0. Bands rather than quintiles, so one customer can be re-scored alone after a purchase.
 */
export const RFM_BANDS = {
  /** Days since the last purchase: ≤ 30 scores 5, ≤ 90 scores 4, … older scores 1. */
  recencyDays: [30, 90, 180, 365],
  /** Purchases in the window: ≥ 12 scores 5, ≥ 7 scores 4, ≥ 4 scores 3, ≥ 2 scores 2, else 1. */
  frequency: [2, 4, 7, 12],
  /** Spending in the window (currency units): ≥ 20,000 scores 5, … below 500 scores 1. */
  monetary: [500, 2_000, 5_000, 20_000],
} as const;

export interface PurchaseStats {
  daysSinceLastPurchase: number | null;
  frequency: number;
  monetary: number;
}

export function rfmScore(stats: PurchaseStats): number {
  if (stats.frequency === 0 || stats.daysSinceLastPurchase === null) return 0;
  const recency = 5 - RFM_BANDS.recencyDays.filter((days) => stats.daysSinceLastPurchase! > days).length;
  const frequency = 1 + RFM_BANDS.frequency.filter((count) => stats.frequency >= count).length;
  const monetary = 1 + RFM_BANDS.monetary.filter((amount) => stats.monetary >= amount).length;
  return recency + frequency + monetary;
}

/** The same score as SQL over columns or expressions, so the set-based recalculation cannot drift from rfmScore. */
export function rfmScoreSql(daysSinceLast: string, frequency: string, monetary: string): string {
  const recency = `(5 - ${RFM_BANDS.recencyDays.map((days) => `(${daysSinceLast} > ${days})::int`).join(' - ')})`;
  const freq = `(1 + ${RFM_BANDS.frequency.map((count) => `(${frequency} >= ${count})::int`).join(' + ')})`;
  const money = `(1 + ${RFM_BANDS.monetary.map((amount) => `(${monetary} >= ${amount})::int`).join(' + ')})`;
  return `CASE WHEN ${frequency} = 0 THEN 0 ELSE ${recency} + ${freq} + ${money} END`;
}

/** What would raise a customer's score by a point or more: spending to the next monetary band, purchases to the next frequency band. */
export function nextSteps(stats: PurchaseStats): { spend: string | null; purchases: number | null } {
  const nextMonetary = RFM_BANDS.monetary.find((amount) => stats.monetary < amount);
  const nextFrequency = RFM_BANDS.frequency.find((count) => stats.frequency < count);
  // Money is a decimal string like every other amount of the API, computed in whole cents.
  const cents = nextMonetary === undefined ? null : Math.round(nextMonetary * 100) - Math.round(stats.monetary * 100);
  return {
    spend: cents === null ? null : `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    purchases: nextFrequency === undefined ? null : nextFrequency - stats.frequency,
  };
}
