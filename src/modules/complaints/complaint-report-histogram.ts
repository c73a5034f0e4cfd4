/**
 * A histogram of business minutes that keeps, per bucket, how many values fell in it and their sum, so
 * a year of complaints folds into a few hundred numbers per group and percentiles come back within a
 * bucket's width — exactly where a bucket holds one value, which is what small periods mostly have.
 *
 * Buckets: one per minute below 64 minutes, then 32 per doubling (each 1/32 of its octave's start wide,
 * so a value is placed within 3 % of itself), up to 64 · 2^14 minutes (about 3 years of business hours);
 * anything longer shares the last bucket.
 */
const LINEAR = 64;
const PER_OCTAVE = 32;
const OCTAVES = 14;
const LAST = LINEAR + PER_OCTAVE * OCTAVES - 1;

/** Bucket index → [count, sum of the values]; bucket indexes are object keys so it stores as jsonb. */
export type Histogram = Record<string, [count: number, sum: number]>;

export function bucketOf(minutes: number): number {
  if (!(minutes > 0)) return 0;
  if (minutes < LINEAR) return Math.floor(minutes);
  const octave = Math.floor(Math.log2(minutes / LINEAR));
  if (octave >= OCTAVES) return LAST;
  const start = LINEAR * 2 ** octave;
  const step = Math.min(PER_OCTAVE - 1, Math.max(0, Math.floor((minutes - start) / (start / PER_OCTAVE))));
  return LINEAR + octave * PER_OCTAVE + step;
}

/** [low, high) of a bucket; the last one is open-ended. */
export function bucketBounds(bucket: number): [number, number] {
  if (bucket < LINEAR) return [bucket, bucket + 1];
  if (bucket >= LAST) return [LINEAR * 2 ** OCTAVES - (LINEAR * 2 ** (OCTAVES - 1)) / PER_OCTAVE, Infinity];
  const octave = Math.floor((bucket - LINEAR) / PER_OCTAVE);
  const start = LINEAR * 2 ** octave;
  const width = start / PER_OCTAVE;
  const low = start + ((bucket - LINEAR) % PER_OCTAVE) * width;
  return [low, low + width];
}

export function record(histogram: Histogram, minutes: number): void {
  const key = String(bucketOf(minutes));
  const entry = histogram[key];
  if (entry) {
    entry[0] += 1;
    entry[1] += minutes;
  } else histogram[key] = [1, minutes];
}

/** Adds `other` into `into` (`sign` -1 takes it out: a stale day's rolled-up figures replaced by fresh ones). */
export function addHistogram(into: Histogram, other: Histogram, sign: 1 | -1 = 1): void {
  for (const [key, [count, sum]] of Object.entries(other)) {
    const entry = into[key] ?? (into[key] = [0, 0]);
    entry[0] += sign * count;
    entry[1] += sign * sum;
    if (entry[0] === 0) delete into[key];
  }
}

/**
 * The p-quantile as Postgres's percentile_cont computes it (linear between the two nearest ranks), from
 * the histogram: a bucket's values are taken as spread evenly around their mean across its width.
 */
export function percentile(histogram: Histogram, p: number): number | null {
  const buckets = Object.entries(histogram)
    .map(([key, [count, sum]]) => ({ bucket: Number(key), count, sum }))
    .filter((entry) => entry.count > 0)
    .sort((a, b) => a.bucket - b.bucket);
  const total = buckets.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return null;
  const rank = p * (total - 1);
  const below = Math.floor(rank);
  const lower = valueAt(buckets, below);
  if (rank === below) return lower;
  return lower + (rank - below) * (valueAt(buckets, below + 1) - lower);
}

/** The estimated value of rank `rank` (0-based, ascending). */
function valueAt(buckets: { bucket: number; count: number; sum: number }[], rank: number): number {
  let seen = 0;
  for (const { bucket, count, sum } of buckets) {
    if (rank < seen + count) {
      const mean = sum / count;
      if (count === 1) return mean;
      const [low, high] = bucketBounds(bucket);
      const spacing = Number.isFinite(high) ? (high - low) / count : 0;
      const value = mean + (rank - seen - (count - 1) / 2) * spacing;
      return Math.min(Math.max(value, low), Number.isFinite(high) ? high : value);
    }
    seen += count;
  }
  return buckets.at(-1)!.sum / buckets.at(-1)!.count;
}
