/**
 * Which failures mean "a dependency is down or busy, try again shortly" (503 with Retry-After)
 * rather than a bug (500): Postgres restarting or unreachable, a pool with no free connection,
 * Redis down for a fail-fast producer. Issue 11, items 4 and 5.
 */

/** 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections; class 08 is connection exceptions. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** A serialization failure or deadlock that the transaction runner's retries did not get past. */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);
/** What node-postgres says when a connection dies or none can be had (it sets no code on these). */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|terminating connection due to/i;
/** What ioredis and BullMQ say when a fail-fast command meets a closed connection. */
const REDIS_UNAVAILABLE_MESSAGES =
  /enableOfflineQueue options is false|Connection is closed|Reached the max retries per request limit|Command timed out|connect ECONNREFUSED/i;

/** The error and the causes it wraps (TypeORM keeps the driver's error in driverError). */
function* chain(error: unknown): Generator<{ name?: string; code?: unknown; message?: string }> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    yield current;
    const next =
      (current as { driverError?: unknown; cause?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    if (next === current) break;
    current = next;
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const link of chain(error)) {
    const code = typeof link.code === 'string' ? link.code : '';
    if (
      UNAVAILABLE_SQLSTATES.has(code) ||
      RETRYABLE_SQLSTATES.has(code) ||
      code.startsWith('08') ||
      SOCKET_ERROR_CODES.has(code)
    )
      return true;
    if (!code && PG_CONNECTION_MESSAGES.test(link.message ?? '')) return true;
  }
  return false;
}

export function isRetryableTransactionError(error: unknown): boolean {
  for (const link of chain(error)) if (typeof link.code === 'string' && RETRYABLE_SQLSTATES.has(link.code)) return true;
  return false;
}

export function isRedisUnavailable(error: unknown): boolean {
  for (const link of chain(error)) {
    if (link.name === 'MaxRetriesPerRequestError') return true;
    if (REDIS_UNAVAILABLE_MESSAGES.test(link.message ?? '')) return true;
  }
  return false;
}
