const MULTIPLIER = 3;
const LONGEST_WAIT_MS = 24 * 3_600_000;
const JITTER = 0.2;

/**
 * How long to wait before retry number `retry` (1 = the first retry): base × 3^(retry−1), at most a
 * day, then ±20 % jitter so that deliveries that failed together do not retry together. With the
 * default 10 s base and 12 attempts: 10 s, 30 s, 1.5 min, 4.5 min, 13.5 min, 40.5 min, 2 h, 6 h, 18 h,
 * 24 h, 24 h — the last attempt about 3.1 days after the first.
 */
export function retryDelayMs(retry: number, baseDelayMs: number, random: () => number = Math.random): number {
  const nominal = Math.min(LONGEST_WAIT_MS, baseDelayMs * MULTIPLIER ** Math.max(0, retry - 1));
  return Math.round(nominal * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * The wait a partner asks for with `Retry-After` (seconds, or an HTTP date) on a 429 or 503, at most a
 * day; null when the header is missing or unreadable.
 */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const wait = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1_000 : Date.parse(value) - now;
  return Number.isFinite(wait) ? Math.min(Math.max(wait, 0), LONGEST_WAIT_MS) : null;
}

/** The nominal (jitter-free) time from the first attempt to the last. */
export function nominalRetrySpanMs(maxAttempts: number, baseDelayMs: number): number {
  let total = 0;
  for (let retry = 1; retry < maxAttempts; retry += 1) total += retryDelayMs(retry, baseDelayMs, () => 0.5);
  return total;
}
